// Table tests: each conversation is decoded as written and re-cut at every
// byte boundary (as calls and as chunks), from both ends (client and server);
// every cutting must give the same records, and those must be the expected ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conv, decode, mirror, untimed, variants, type Call } from './testing/calls';
import type { Http1Record } from './types';

interface Case {
  readonly name: string;
  /** As the client sees it: it writes requests and reads responses. */
  readonly calls: Call[];
  readonly expect: Array<Partial<Http1Record>>;
  readonly end?: 'close' | 'flush';
}

const GET = 'GET /hello?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n\r\n';
const OK5 = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello';

const cases: Case[] = [
  {
    name: 'GET, Content-Length response',
    calls: conv([['write', GET], ['read', OK5]]),
    expect: [{
      method: 'GET', path: '/hello?x=1', status: 200, reqBodySize: 0, respBodySize: 5, reqBody: '', respBody: 'hello',
      reqHeaders: { host: 'example.com', 'user-agent': 't/1' }, respHeaders: { 'content-length': '5', 'content-type': 'text/plain' },
    }],
  },
  {
    name: 'POST with a Content-Length body',
    calls: conv([['write', 'POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world'], ['read', 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n']]),
    expect: [{ method: 'POST', path: '/items', status: 201, reqBodySize: 11, reqBody: 'hello world', respBodySize: 0 }],
  },
  {
    name: 'chunked response with chunk extensions and trailers',
    calls: conv([['write', GET], ['read', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5;name=v;q="a b"\r\nhello\r\n6 \r\n world\r\nA\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n']]),
    expect: [{ status: 200, respBodySize: 21, respBody: 'hello world0123456789', respHeaders: { 'transfer-encoding': 'chunked', trailer: 'X-Sum' } }],
  },
  {
    name: 'chunked request body, then a response with an empty chunked body',
    calls: conv([['write', 'PUT /f HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'], ['read', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n']]),
    expect: [{ method: 'PUT', reqBodySize: 3, reqBody: 'abc', respBodySize: 0, respBody: '' }],
  },
  {
    name: 'response delimited by the connection closing (HTTP/1.0)',
    calls: conv([['write', 'GET /old HTTP/1.0\r\n\r\n'], ['read', 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end'], ['read', ' of it']]),
    expect: [{ path: '/old', status: 200, respBodySize: 19, respBody: 'until the end of it' }],
  },
  {
    name: 'response with Connection: close and no length, cut short by the end of tracing',
    calls: conv([['write', GET], ['read', 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npartial']]),
    end: 'flush',
    expect: [{ status: 200, respBodySize: 7, error: 'tracing stopped before the response completed' }],
  },
  {
    name: '100 Continue and 103 Early Hints are skipped before the final response',
    calls: conv([
      ['write', 'POST /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n'],
      ['read', 'HTTP/1.1 100 Continue\r\n\r\n'],
      ['write', 'data'],
      ['read', 'HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
    ]),
    expect: [{ method: 'POST', status: 200, reqBodySize: 4, respBodySize: 2, respBody: 'ok', respHeaders: { 'content-length': '2' } }],
  },
  {
    name: 'HEAD: the response has no body whatever its Content-Length',
    calls: conv([['write', 'HEAD /big HTTP/1.1\r\n\r\n'], ['read', 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'], ['write', GET], ['read', OK5]]),
    expect: [{ method: 'HEAD', status: 200, respBodySize: 0 }, { method: 'GET', status: 200, respBodySize: 5 }],
  },
  {
    name: '204 and 304 have no body',
    calls: conv([
      ['write', 'DELETE /x HTTP/1.1\r\n\r\n'], ['read', 'HTTP/1.1 204 No Content\r\n\r\n'],
      ['write', 'GET /c HTTP/1.1\r\nIf-None-Match: "e"\r\n\r\n'], ['read', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n'],
      ['write', GET], ['read', OK5],
    ]),
    expect: [{ status: 204, respBodySize: 0 }, { status: 304, respBodySize: 0 }, { status: 200, respBodySize: 5 }],
  },
  {
    name: 'pipelining: three requests before any response, paired in order',
    calls: conv([
      ['write', 'GET /1 HTTP/1.1\r\n\r\n'], ['write', 'HEAD /2 HTTP/1.1\r\n\r\n'], ['write', 'POST /3 HTTP/1.1\r\nContent-Length: 1\r\n\r\nz'],
      ['read', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n'],
      ['read', 'HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n\r\n'],
    ]),
    expect: [
      { path: '/1', status: 200, respBodySize: 1 }, { path: '/2', status: 404, respBodySize: 0 }, { path: '/3', status: 500, reqBodySize: 1, respBodySize: 1 },
    ],
  },
  {
    name: 'bare LF line endings and empty lines before a request',
    calls: conv([['write', '\r\nGET /lf HTTP/1.1\nHost: h\n\n'], ['read', 'HTTP/1.1 200 OK\nContent-Length: 2\n\nhi']]),
    expect: [{ path: '/lf', status: 200, reqHeaders: { host: 'h' }, respBodySize: 2 }],
  },
  {
    name: 'header names lowercased, repeats joined, credentials redacted, obs-fold unfolded',
    calls: conv([
      ['write', 'GET / HTTP/1.1\r\nAuthorization: Bearer s3cret\r\nCookie: a=1\r\nX-Multi: 1\r\nx-multi: 2\r\nX-Long: a\r\n  b\r\n\r\n'],
      ['read', 'HTTP/1.1 200 OK\r\nSet-Cookie: a=2\r\nSet-Cookie: b=3\r\nContent-Length: 0\r\n\r\n'],
    ]),
    expect: [{
      reqHeaders: { authorization: '[redacted]', cookie: '[redacted]', 'x-multi': '1, 2', 'x-long': 'a b' },
      respHeaders: { 'set-cookie': '[redacted]', 'content-length': '0' },
    }],
  },
  {
    name: '101 Switching Protocols: the bytes after it are not HTTP/1 and are ignored',
    calls: conv([
      ['write', 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
      ['read', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello'],
      ['write', Buffer.from([0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9])],
    ]),
    expect: [{ path: '/ws', status: 101, respBodySize: 0 }],
  },
  {
    name: 'CONNECT: a 2xx turns the connection into a tunnel',
    calls: conv([['write', 'CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n\r\n'], ['read', 'HTTP/1.1 200 Connection established\r\n\r\n'], ['write', '\x16\x03\x01\x00\x05hello']]),
    expect: [{ method: 'CONNECT', path: 'db:5432', status: 200, respBodySize: 0 }],
  },
  {
    name: 'binary, non-UTF-8 body is captured as base64',
    calls: conv([['write', GET], ['read', Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n'), Buffer.from([0xff, 0x00, 0xfe, 0x01])])]]),
    expect: [{ respBodySize: 4, respBody: 'base64:/wD+AQ==' }],
  },
];

function subset(r: Http1Record, want: Partial<Http1Record>): Partial<Http1Record> {
  return Object.fromEntries(Object.keys(want).map((k) => [k, r[k as keyof Http1Record]]));
}

for (const c of cases) {
  for (const side of ['client', 'server'] as const) {
    test(`${c.name} (${side}), split at every byte`, () => {
      const calls = side === 'client' ? c.calls : mirror(c.calls);
      const base = decode([...variants(calls)][0]!.chunks, c.end ?? 'close');
      assert.deepEqual(base.unparsable, []);
      assert.equal(base.records.length, c.expect.length, JSON.stringify(base.records));
      base.records.forEach((r, i) => {
        assert.equal(r.role, side);
        assert.deepEqual(subset(r, c.expect[i]!), c.expect[i]);
      });
      let n = 0;
      for (const v of variants(calls)) {
        const got = decode(v.chunks, c.end ?? 'close');
        const norm = v.retimed ? (rs: Http1Record[]) => rs.map(untimed) : (rs: Http1Record[]) => rs;
        assert.deepEqual(norm(got.records), norm(base.records), v.label);
        assert.deepEqual(got.unparsable, [], v.label);
        n++;
      }
      assert.ok(n > 4);
    });
  }
}
