// Connections that are not HTTP/1, garbage in the middle of one, and bytes
// the BPF side did not capture: the decoder keeps going and says what it lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, chunksFor, conv, decode, mirror, variants, type Call } from './testing/calls';
import type { CapturedChunk } from './types';

const GET = (p: string) => `GET ${p} HTTP/1.1\r\nHost: h\r\n\r\n`;
const OK = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

/** Decodes every cutting (no merged calls: recovery happens at call boundaries) and checks they agree. */
function allCuts(calls: Call[], check: (d: ReturnType<typeof decode>, label: string) => void): void {
  for (const v of variants(calls, { coalesce: false })) check(decode(v.chunks), v.label);
}

test('connections that do not start with HTTP/1 are ignored silently', () => {
  const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
  for (const first of [preface, '\x00\x00\x12\x04\x00\x00\x00\x00\x00', '\x16\x03\x01\x02\x00\x01', 'SSH-2.0-OpenSSH_9.6\r\n', 'EHLO mail.example\r\n', 'HTTP/2 200\r\n']) {
    for (const calls of [conv([['write', first], ['read', OK('x')], ['write', GET('/')]]), mirror(conv([['write', first], ['read', GET('/')]]))]) {
      allCuts(calls, (d, label) => {
        assert.deepEqual(d.records, [], `${JSON.stringify(first)} ${label}`);
        assert.deepEqual(d.unparsable, [], `${JSON.stringify(first)} ${label}`);
      });
    }
  }
});

test('garbage mid-connection is reported once; the next valid exchange is decoded', () => {
  // Server side: a bad request gets a 400, which is dropped with it; later exchanges pair correctly.
  const calls = conv([
    ['read', GET('/a')], ['write', OK('a')],
    ['read', 'G\x00\x01 what\r\n\r\n'], ['write', 'HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad'],
    ['read', 'GET /b HTTP/1.1\r\nNo colon here\r\n\r\n'], ['write', 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'],
    ['read', GET('/c')], ['write', OK('cc')],
  ]);
  allCuts(calls, (d, label) => {
    assert.deepEqual(d.records.map((r) => [r.role, r.path, r.status, r.respBodySize]), [['server', '/a', 200, 1], ['server', '/c', 200, 2]], label);
    assert.equal(d.unparsable.length, 1, label);
    assert.match(d.unparsable[0]!, /^c1: read: not an HTTP\/1 start line$/, label);
  });
});

test('an unparsable response is reported; its request is emitted with an error', () => {
  const calls = conv([['write', GET('/a')], ['read', 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n'], ['write', GET('/b')], ['read', OK('b')]]);
  allCuts(calls, (d, label) => {
    assert.deepEqual(d.records.map((r) => [r.path, r.status, r.error]), [['/a', null, 'response not parsable'], ['/b', 200, undefined]], label);
    assert.deepEqual(d.unparsable, ['c1: read: bad content-length "x"'], label);
  });
});

test('a malformed chunked body ends its message (size at least) and the stream resyncs', () => {
  const calls = conv([
    ['write', GET('/a')], ['read', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nZZ\r\nmore junk'],
    ['write', GET('/b')], ['read', OK('b')],
  ]);
  allCuts(calls, (d, label) => {
    const [a, b] = d.records;
    assert.deepEqual([a?.respBodySize, a?.bodySizeAtLeast, a?.error], [3, { resp: true }, 'bad chunked body: bad chunk-size line "ZZ"'], label);
    assert.deepEqual([b?.path, b?.status, b?.error], ['/b', 200, undefined], label);
    assert.equal(d.records.length, 2, label);
    assert.equal(d.unparsable.length, 1, label);
  });
});

test('a body larger than the capture cap keeps its size from framing and is marked truncated', () => {
  const body = 'x'.repeat(10_000);
  const calls = conv([['write', GET('/big')], ['read', OK(body)], ['write', GET('/next')], ['read', OK('n')]]);
  const capped = calls.map((c, i) => (i === 1 ? { ...c, captured: 300 } : c));
  for (const use of [capped, mirror(capped)]) {
    allCuts(use, (d, label) => {
      assert.deepEqual(d.records.map((r) => [r.path, r.respBodySize, r.truncated, r.respBody?.length]), [
        ['/big', 10_000, { resp: true }, 64], ['/next', 1, undefined, 1],
      ], label);
      assert.deepEqual(d.unparsable, [], label);
    });
  }
});

test('a chunked body cut inside chunk data keeps exact framing', () => {
  const resp = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + `400\r\n${'y'.repeat(1024)}\r\n`;
  const calls: Call[] = [call('write', GET('/a'), 1), call('read', resp, 2, { captured: 100 }), call('read', '0\r\n\r\n', 3), call('write', GET('/b'), 4), call('read', OK('b'), 5)];
  allCuts(calls, (d, label) => {
    assert.deepEqual(d.records.map((r) => [r.path, r.respBodySize, r.truncated, r.bodySizeAtLeast]), [
      ['/a', 1024, { resp: true }, undefined], ['/b', 1, undefined, undefined],
    ], label);
  });
});

test('missing bytes over a chunk header: size is a lower bound, the next message is found at a call boundary', () => {
  const resp = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n';
  const calls: Call[] = [call('write', GET('/a'), 1), call('read', resp, 2, { captured: 53 }), call('write', GET('/b'), 3), call('read', OK('b'), 4)];
  allCuts(calls, (d, label) => {
    assert.deepEqual(d.records.map((r) => [r.path, r.respBodySize, r.truncated, r.bodySizeAtLeast, r.error]), [
      ['/a', 5, { resp: true }, { resp: true }, undefined], ['/b', 1, undefined, undefined, undefined],
    ], label);
    assert.deepEqual(d.unparsable, [], label);
  });
});

test('a whole message lost inside a truncated call: the response without its request is dropped', () => {
  // The client's second request is in the uncaptured tail of one write; the resync finds /c.
  const calls: Call[] = [
    call('write', `POST /a HTTP/1.1\r\nContent-Length: 200\r\n\r\n${'p'.repeat(200)}${GET('/b')}`, 1, { captured: 100 }),
    call('read', OK('a'), 2), call('read', OK('b'), 3), call('write', GET('/c'), 4), call('read', OK('c'), 5),
  ];
  allCuts(calls, (d, label) => {
    assert.deepEqual(d.records.map((r) => [r.path, r.status, r.reqBodySize, r.respBody]), [['/a', 200, 200, 'a'], ['/c', 200, 0, 'c']], label);
  });
});

test('lost chunks inside a call are counted from the offsets; late chunks of a closed call are dropped', () => {
  const body = 'z'.repeat(300);
  const chunks = chunksFor(conv([['write', GET('/a')], ['read', OK(body)], ['write', GET('/b')], ['read', OK('b')]]), { chunkSize: 64 });
  // Lose the second chunk of the response, and deliver its fourth after the next request.
  const resp = chunks.filter((c) => c.direction === 'read' && c.callLen > 100);
  const late = resp[3]!;
  const order: CapturedChunk[] = chunks.filter((c) => c !== resp[1] && c !== late);
  order.splice(order.findIndex((c) => c.direction === 'write' && c.ts > 1000) + 1, 0, late);
  const d = decode(order);
  assert.deepEqual(d.records.map((r) => [r.path, r.respBodySize, r.truncated, r.respBody]), [
    ['/a', 300, { resp: true }, 'z'.repeat(64 - 40)], ['/b', 1, undefined, 'b'],
  ]);
});

test('an unexpected kind of message (a request where responses flow) is garbage', () => {
  const calls = conv([['write', GET('/a')], ['read', GET('/x')], ['read', OK('a')]]);
  const d = decode(chunksFor(calls));
  assert.deepEqual(d.unparsable, ['c1: read: unexpected request on this side']);
  assert.deepEqual(d.records.map((r) => [r.path, r.error]), [['/a', 'response not parsable']]);
});
