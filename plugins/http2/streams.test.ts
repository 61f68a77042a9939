// The stream assembler on hand-made records (no kernel): header blocks of
// both sides, trailers, 1xx responses, resets, and bounded state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventKind, RawEvent } from './layout';
import { StreamAssembler, type Http2Record } from './streams';

let clock = 1_000n;
function ev(kind: EventKind, over: Partial<RawEvent> = {}): RawEvent {
  clock += 1_000n;
  return { ts: clock, goid: 7, framer: 0xc000100000, pid: 42, streamId: 0, kind, tls: true, fd: 5, n: 0, endStream: false,
    local: '127.0.0.1:1000', remote: '127.0.0.1:443', tcpSeq: null, fields: [], ...over };
}
/** A header record carrying `fields` (name, value), as BPF sends one per HEADERS block. */
const hdrs = (kind: EventKind, fields: [string, string][], over: Partial<RawEvent> = {}) =>
  ev(kind, { fields: fields.map(([name, value]) => ({ name, value, nameLen: name.length, valueLen: value.length })), ...over });

function assembler(opts = {}): { a: StreamAssembler; out: Http2Record[] } {
  const out: Http2Record[] = [];
  return { a: new StreamAssembler((r) => out.push(r), opts), out };
}

function clientRequest(a: StreamAssembler, stream: number, goid = 7, extra: [string, string][] = []): void {
  a.push(hdrs('creq-headers', [[':method', 'GET'], [':path', '/x'], [':authority', 'h'], [':scheme', 'https'], ['authorization', 'Bearer s'], ...extra],
    { streamId: stream, goid, endStream: true }));
}

test('client: the request block opens the stream; the response ends it', () => {
  const { a, out } = assembler();
  clientRequest(a, 1);
  a.push(hdrs('cresp-headers', [[':status', '200'], ['content-length', '3']], { streamId: 1, goid: 99 }));
  assert.equal(out.length, 0, 'no END_STREAM yet');
  a.push(ev('cdata-in', { streamId: 1, n: 3, endStream: true, goid: 99 }));
  assert.equal(out.length, 1);
  const r = out[0]!;
  assert.equal(r.role, 'client');
  assert.deepEqual([r.method, r.path, r.status, r.respBodySize, r.error], ['GET', '/x', 200, 3, undefined]);
  assert.equal(r.reqHeaders.authorization, '[redacted]');
  assert.deepEqual(r.respHeaders, { ':status': '200', 'content-length': '3' });
  assert.equal(a.size, 0, 'nothing kept');
});

test('client: a 100-continue is replaced by the final response; END_STREAM on HEADERS ends the stream', () => {
  const { a, out } = assembler();
  clientRequest(a, 3);
  a.push(hdrs('cresp-headers', [[':status', '100']], { streamId: 3 }));
  assert.equal(out.length, 0);
  a.push(hdrs('cresp-headers', [[':status', '204'], ['x-a', 'b']], { streamId: 3, endStream: true }));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.status, 204);
  assert.deepEqual(out[0]!.respHeaders, { ':status': '204', 'x-a': 'b' });
});

test('client: request trailers join the request; a new request on a reused key replaces a stale stream', () => {
  const { a, out } = assembler();
  a.push(hdrs('creq-headers', [[':method', 'POST'], [':path', '/up']], { streamId: 5 }));
  a.push(ev('data-out', { streamId: 5, n: 10 }));
  a.push(hdrs('creq-headers', [['grpc-status', '0']], { streamId: 5, endStream: true }));
  assert.equal(out.length, 0, 'trailers, not a new stream');
  clientRequest(a, 5); // the request ended: this is a new stream under the same key
  assert.equal(out.length, 1);
  assert.equal(out[0]!.error, 'the connection was replaced before the stream was answered');
  assert.deepEqual(out[0]!.reqHeaders, { ':method': 'POST', ':path': '/up', 'grpc-status': '0' });
  assert.equal(out[0]!.reqBodySize, 10);
});

test('server: request trailers join the request; response fields and status come in one block, trailers go to respTrailers', () => {
  const { a, out } = assembler();
  a.push(hdrs('req-headers', [[':method', 'POST'], [':path', '/p'], ['x-r', '1'], ['x-r', '2']], { streamId: 1 }));
  a.push(ev('data-in', { streamId: 1, n: 4 }));
  a.push(hdrs('req-headers', [['x-t', 't']], { streamId: 1, endStream: true }));
  a.push(hdrs('resp-headers', [[':status', '201'], ['set-cookie', 'a=b']], { streamId: 1, n: 201, tcpSeq: 77 }));
  a.push(ev('data-out', { streamId: 1, n: 2 }));
  assert.equal(out.length, 0);
  a.push(hdrs('resp-headers', [['grpc-status', '0']], { streamId: 1, n: 0, endStream: true, tcpSeq: 99 }));
  assert.equal(out.length, 1);
  const r = out[0]!;
  assert.deepEqual(r.reqHeaders, { ':method': 'POST', ':path': '/p', 'x-r': '1, 2', 'x-t': 't' });
  assert.deepEqual(r.respHeaders, { ':status': '201', 'set-cookie': '[redacted]' });
  assert.deepEqual([r.status, r.respTcpSeq, r.reqBodySize, r.respBodySize, r.role], [201, 77, 4, 2, 'server']);
  assert.deepEqual(r.respTrailers, { 'grpc-status': '0' });
});

test('a value BPF cut is shown with an ellipsis', () => {
  const { a, out } = assembler();
  a.push(ev('req-headers', { streamId: 1, fields: [{ name: 'x-long', value: 'abc', nameLen: 6, valueLen: 900 }] }));
  a.flush(clock);
  assert.equal(out[0]!.reqHeaders['x-long'], 'abc…');
});

test('resets: sent or received, reported once with status null and the error code', () => {
  const { a, out } = assembler();
  clientRequest(a, 1);
  a.push(ev('rst-out', { streamId: 1, n: 8 }));
  a.push(ev('rst-in', { streamId: 1, n: 8 }));
  a.push(ev('req-headers', { streamId: 7, framer: 1 }));
  a.push(ev('resp-headers', { streamId: 7, framer: 1, n: 200 }));
  a.push(ev('rst-in', { streamId: 7, framer: 1, n: 2 }));
  assert.equal(out.length, 2);
  assert.deepEqual(out.map((r) => [r.role, r.status, r.error]), [
    ['client', null, 'reset by this side: RST_STREAM CANCEL'],
    ['server', null, 'reset by the peer: RST_STREAM INTERNAL_ERROR'],
  ]);
});

test('bounded: the oldest open stream is reported when too many are open', () => {
  const { a, out } = assembler({ maxStreams: 2 });
  for (const id of [1, 3, 5]) a.push(ev('req-headers', { streamId: id }));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.streamId, 1);
  assert.match(out[0]!.error ?? '', /too many open streams/);
  assert.equal(a.size, 2);
});

test('flush: open streams are reported, none lost', () => {
  const { a, out } = assembler();
  clientRequest(a, 1);
  a.push(ev('req-headers', { streamId: 1, framer: 2 }));
  a.flush(clock);
  assert.equal(out.length, 2);
  for (const r of out) {
    assert.equal(r.status, null);
    assert.equal(r.error, 'no response seen before tracing stopped');
  }
});

test('a connection closing reports its open streams, and only its own', () => {
  const { a, out } = assembler();
  a.push(ev('req-headers', { streamId: 1, framer: 10 }));
  a.push(ev('req-headers', { streamId: 1, framer: 11 }));
  a.push(ev('conn-closed', { framer: 10 }));
  assert.equal(out.length, 1);
  assert.deepEqual([out[0]!.status, out[0]!.error], [null, 'the connection closed before the stream was answered']);
  assert.equal(a.size, 1);
});

test('client: response trailers end the stream, go to respTrailers and leave the response headers alone', () => {
  const { a, out } = assembler();
  clientRequest(a, 1);
  a.push(hdrs('cresp-headers', [[':status', '200']], { streamId: 1 }));
  a.push(ev('cdata-in', { streamId: 1, n: 5 }));
  a.push(hdrs('cresp-headers', [['grpc-status', '0']], { streamId: 1, endStream: true }));
  assert.equal(out.length, 1);
  assert.deepEqual([out[0]!.status, out[0]!.respBodySize, out[0]!.respHeaders, out[0]!.respTrailers], [200, 5, { ':status': '200' }, { 'grpc-status': '0' }]);
  // A 1xx response is replaced by the final one, not taken for trailers; a stream without trailers has none.
  clientRequest(a, 3);
  a.push(hdrs('cresp-headers', [[':status', '103'], ['link', '</a>']], { streamId: 3 }));
  a.push(hdrs('cresp-headers', [[':status', '200']], { streamId: 3, endStream: true }));
  assert.deepEqual([out[1]!.status, out[1]!.respHeaders, out[1]!.respTrailers], [200, { ':status': '200' }, {}]);
});
