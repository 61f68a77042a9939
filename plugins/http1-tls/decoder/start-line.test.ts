import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StartFinder, StartLineSniffer, sniffStartLine } from './start-line';
import { encodeBody } from './body-capture';
import { parseHead, requestFraming, responseFraming, type ParsedHead } from './head';

test('start lines: requests and responses are told from other protocols', () => {
  const table: Array<[string, string]> = [
    ['GET / HTTP/1.1\r\n', 'request'], ['OPTIONS * HTTP/1.0\n', 'request'], ['M-SEARCH * HTTP/1.1\r\n', 'request'],
    ['GET http://a/b?c HTTP/1.1\r\n', 'request'], ['HTTP/1.1 200 OK', 'response'], ['HTTP/1.0 404\r\n', 'response'],
    ['PRI * HTTP/2.0\r\n', 'no'], ['HTTP/2 200\r\n', 'no'], ['GET / HTTP/1.1x', 'no'], ['GET  / HTTP/1.1\r\n', 'no'],
    ['GET /\r\n', 'no'], ['\x16\x03\x01', 'no'], ['*2\r\n$3\r\n', 'no'], ['HTTP/1.1 20x', 'no'], ['get / HTTP/1.1\r\n', 'request'],
    ['GET / HTT', 'more'], ['HTTP/1.1 20', 'more'], ['', 'more'],
  ];
  for (const [line, want] of table) {
    assert.equal(sniffStartLine(Buffer.from(line, 'latin1')), want, JSON.stringify(line));
    // Byte by byte gives the same verdict.
    const s = new StartLineSniffer();
    for (const b of Buffer.from(line, 'latin1')) s.feed(Buffer.from([b]));
    assert.equal(s.decided, want, `${JSON.stringify(line)} bytewise`);
  }
  assert.equal(sniffStartLine(Buffer.from(`GET /${'a'.repeat(9000)}`)), 'no');
});

test('StartFinder: a later call boundary can be the start, inside undecided bytes', () => {
  const f = new StartFinder<string>();
  f.reset('first');
  const bytes = Buffer.from('abc defHTTP/1.1 200 OK\r\n');
  assert.equal(f.feed(bytes, 0, 3).verdict, 'more');
  f.addCandidate(3, 'second');
  assert.equal(f.feed(bytes, 3, 7).verdict, 'more');
  f.addCandidate(7, 'third');
  assert.deepEqual(f.feed(bytes, 7, bytes.length), { verdict: 'response', at: 7, point: 'third' });
});

function head(text: string): ParsedHead {
  const h = parseHead(Buffer.from(text, 'latin1'));
  assert.equal(typeof h, 'object', String(h));
  return h as ParsedHead;
}

test('body framing follows RFC 9112 §6.3', () => {
  const req: Array<[string, unknown]> = [
    ['GET / HTTP/1.1\r\n\r\n', { kind: 'none' }],
    ['POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n', { kind: 'length', length: 5 }],
    ['POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n', { kind: 'length', length: 5 }],
    ['POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 'conflicting content-length "5, 6"'],
    ['POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'bad content-length "-1"'],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n', { kind: 'chunked' }],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 'request transfer-encoding does not end in chunked'],
  ];
  for (const [text, want] of req) assert.deepEqual(requestFraming(head(text)), want, text);
  const resp: Array<[string, string | null, unknown]> = [
    ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', 'GET', { kind: 'length', length: 3 }],
    ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', 'HEAD', { kind: 'none' }],
    ['HTTP/1.1 200 OK\r\n\r\n', 'GET', { kind: 'close' }],
    ['HTTP/1.1 200 OK\r\n\r\n', 'CONNECT', { kind: 'none' }],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'GET', { kind: 'close' }],
    ['HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'GET', { kind: 'close' }],
    ['HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n', 'GET', { kind: 'none' }],
    ['HTTP/1.1 100 Continue\r\n\r\n', 'POST', { kind: 'none' }],
  ];
  for (const [text, method, want] of resp) assert.deepEqual(responseFraming(head(text), method), want, `${method} ${text}`);
  assert.equal(parseHead(Buffer.from('GET / HTTP/1.1\r\n bad\r\n\r\n')), 'header continuation line before any field');
  assert.deepEqual(head('GET / HTTP/1.1\r\n__proto__: x\r\n\r\n').headers.get('__proto__'), 'x');
});

test('body encoding: UTF-8, a character cut by the limit dropped, else base64', () => {
  assert.equal(encodeBody(Buffer.from('plain'), false), 'plain');
  const e = Buffer.from('aé€😀');
  for (let n = 1; n <= e.length; n++) {
    const out = encodeBody(e.subarray(0, n), n < e.length);
    assert.ok(!out.startsWith('base64:') && e.toString('utf8').startsWith(out), `${n}: ${out}`);
  }
  assert.equal(encodeBody(Buffer.from([0xc3]), false), 'base64:ww==');
  assert.equal(encodeBody(Buffer.from([0x61, 0xff]), true), 'base64:Yf8=');
});
