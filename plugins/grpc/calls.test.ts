// Call assembly from hand-made events: headers then trailers, trailers-only,
// client-side blocks ignored, bounded state (block-headers.test.ts: redaction).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallAssembler, type GrpcRecord } from './calls';
import type { RawEvent } from './layout';

/** The server's transport: its request headers carry it; its DATA_IN, MSG_OUT and CLOSE carry it as their conn. */
const T = 0xe000;
const base: RawEvent = { ts: 1000n, goid: 7, conn: 0xc000, transport: T, pid: 1, streamId: 1, kind: 'req-hdrs', side: 1, endStream: false, count: 0, n: 0, headers: {},
  tls: false, fd: 5, wrapped: false, tcpSeq: null, local: '127.0.0.1:1', remote: '127.0.0.1:2' };
const ev = (e: Partial<RawEvent>): RawEvent => ({ ...base, ...e });
/** A header block event with these (name, value) fields, as BlockHeaders reports them. */
const hdrs = (kind: RawEvent['kind'], fields: [string, string][], extra: Partial<RawEvent> = {}) => ev({ kind, headers: Object.fromEntries(fields), ...extra });

test('headers, a message, then trailers: one record with status and counts', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r));
  a.push(hdrs('req-hdrs', [[':path', '/pkg.Svc/M'], ['x-id', '7']]));
  a.push(ev({ kind: 'data-in', conn: T, n: 12 }));
  a.push(ev({ kind: 'data-in', n: 100 })); // keyed by the conn, not the transport: no call of this server's
  a.push(hdrs('out-hdrs', [[':status', '200']]));
  a.push(ev({ kind: 'msg-out', conn: T, n: 7 }));
  assert.equal(got.length, 0);
  a.push(hdrs('out-hdrs', [['grpc-status', '3'], ['grpc-message', 'bad%20arg']], { endStream: true, ts: 5000n }));
  assert.equal(got.length, 1);
  const r = got[0]!;
  assert.equal(r.method, '/pkg.Svc/M');
  assert.deepEqual(r.reqHeaders, { ':path': '/pkg.Svc/M', 'x-id': '7' });
  assert.deepEqual(r.respHeaders, { ':status': '200' });
  assert.equal(r.status, 3);
  assert.equal(r.grpcMessage, 'bad arg');
  assert.deepEqual([r.reqBytes, r.respMessages, r.respBytes, r.latencyNs], [12, 1, 7, 4000]);
  assert.equal(a.size, 0);
});

test('trailers-only and client-side blocks: trailers land in respTrailers, the client block is ignored', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r));
  a.push(hdrs('req-hdrs', []));
  a.push(hdrs('out-hdrs', [['grpc-status', '0']], { side: 0, endStream: true }));
  assert.equal(got.length, 0);
  a.push(hdrs('out-hdrs', [['grpc-status', '5']], { endStream: true }));
  assert.equal(got[0]!.status, 5);
  assert.deepEqual(got[0]!.respHeaders, {});
});

test('bounded: more open calls than the limit report the oldest with an error', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r), { maxCalls: 2 });
  for (const id of [1, 3, 5]) a.push(ev({ kind: 'req-hdrs', streamId: id }));
  assert.equal(a.size, 2);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.streamId, 1);
  assert.match(got[0]!.error ?? '', /too many/);
  a.flush(2000n);
  assert.equal(got.length, 3);
});

test('client: a message seen before the request headers, response headers, data, trailers, then closeStream: one record', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r));
  const c = { side: 0, conn: 0xd000, pid: 2 };
  a.push(ev({ ...c, kind: 'msg-out', n: 22, goid: 19, ts: 900n }));
  a.push(hdrs('out-hdrs', [[':path', '/pkg.Svc/M'], ['x-id', '7']], { ...c, tls: true, fd: 6, goid: 5 }));
  a.push(hdrs('in-hdrs', [[':status', '200']], c));
  a.push(ev({ ...c, kind: 'data-in', n: 7, count: 1 }));
  a.push(hdrs('in-hdrs', [['grpc-status', '0']], c));
  assert.equal(got.length, 0, 'the call ends at closeStream');
  a.push(ev({ ...c, kind: 'close', ts: 3000n }));
  assert.equal(got.length, 1);
  const r = got[0]!;
  assert.deepEqual([r.role, r.method, r.status, r.tls, r.fd, r.goid, r.latencyNs], ['client', '/pkg.Svc/M', 0, true, 6, 19, 2100]);
  assert.deepEqual(r.reqHeaders, { ':path': '/pkg.Svc/M', 'x-id': '7' });
  assert.deepEqual(r.respHeaders, { ':status': '200' });
  assert.deepEqual([r.reqMessages, r.reqBytes, r.respMessages, r.respBytes], [1, 22, 1, 7]);
  assert.equal(r.rstCode, undefined);
  a.push(ev({ ...c, kind: 'close' }));
  assert.equal(got.length, 1, 'a second closeStream of the same stream adds nothing');
});

test('a cancelled stream: the server receives RST_STREAM CANCEL, the client sends it: status 1 CANCELLED on both sides', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r));
  a.push(hdrs('req-hdrs', [[':path', '/pkg.Svc/Watch']]));
  a.push(ev({ kind: 'msg-out', conn: T, n: 7 }));
  a.push(ev({ kind: 'close', conn: T, n: 8, endStream: true }));
  const c = { side: 0, conn: 0xd000, pid: 2 };
  a.push(hdrs('out-hdrs', [[':path', '/pkg.Svc/Watch']], c));
  a.push(ev({ ...c, kind: 'data-in', n: 7, count: 1 }));
  a.push(ev({ ...c, kind: 'close', n: 8, endStream: true }));
  assert.deepEqual(got.map((r) => [r.role, r.status, r.rstCode, r.respMessages, r.error]), [['server', 1, 8, 1, undefined], ['client', 1, 8, 1, undefined]]);
  // A client stream whose request headers were never seen (begun before tracing) is not reported.
  a.push(ev({ ...c, streamId: 9, kind: 'data-in', n: 7, count: 1 }));
  a.push(ev({ ...c, streamId: 9, kind: 'close' }));
  assert.equal(got.length, 2);
  assert.equal(a.size, 0);
  // Nor when tracing stops or the call expires first: frames of a stream with no request seen (a late trailer block too).
  a.push(ev({ ...c, streamId: 11, kind: 'data-in', n: 7, count: 1 }));
  a.push(hdrs('in-hdrs', [['grpc-status', '0']], { ...c, streamId: 13, endStream: true }));
  assert.equal(a.size, 2);
  a.flush(5000n);
  assert.equal(got.length, 2);
  assert.equal(a.size, 0);
});

test('a client deadline: the reset says CANCEL (8), the status closeStream was given says DEADLINE_EXCEEDED (4); trailers win over both', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r));
  const c = { side: 0, conn: 0xd000, pid: 2 };
  a.push(hdrs('out-hdrs', [[':path', '/pkg.Svc/Watch']], c));
  a.push(ev({ ...c, kind: 'close', n: 8, endStream: true, count: 4 + 1 }));
  // Status unknown to BPF (count 0): the reset's mapping, as before.
  a.push(hdrs('out-hdrs', [[':path', '/pkg.Svc/Watch']], { ...c, streamId: 3 }));
  a.push(ev({ ...c, streamId: 3, kind: 'close', n: 8, endStream: true }));
  // Trailers came: their grpc-status, not closeStream's.
  a.push(hdrs('out-hdrs', [[':path', '/pkg.Svc/M']], { ...c, streamId: 5 }));
  a.push(hdrs('in-hdrs', [['grpc-status', '5']], { ...c, streamId: 5, endStream: true }));
  a.push(ev({ ...c, streamId: 5, kind: 'close', count: 0 + 1 }));
  // Closed without trailers or a reset (a connection error): closeStream's status, and the error.
  a.push(hdrs('out-hdrs', [[':path', '/pkg.Svc/M']], { ...c, streamId: 7 }));
  a.push(ev({ ...c, streamId: 7, kind: 'close', count: 14 + 1 }));
  assert.deepEqual(got.map((r) => [r.streamId, r.status, r.rstCode, r.error]), [[1, 4, 8, undefined], [3, 1, 8, undefined], [5, 5, undefined, undefined],
    [7, 14, undefined, 'the stream closed without trailers or a reset']]);
});

test('in progress: calls open longer than a second, oldest first, until they end', () => {
  const a = new CallAssembler(() => {});
  const c = { side: 0, conn: 0xd000, pid: 2 };
  a.push(hdrs('req-hdrs', [[':path', '/pkg.Svc/Watch']], { ts: 1_000_000_000n }));
  a.push(ev({ kind: 'msg-out', conn: T, n: 7 }));
  a.push(hdrs('out-hdrs', [[':path', '/pkg.Svc/Watch']], { ...c, ts: 2_000_000_000n }));
  assert.deepEqual(a.inProgress(2_500_000_000n), ['grpc server /pkg.Svc/Watch pid 1 stream 1, 1 responses, 1.5s']);
  assert.deepEqual(a.inProgress(3_000_000_000n), ['grpc server /pkg.Svc/Watch pid 1 stream 1, 1 responses, 2.0s', 'grpc client /pkg.Svc/Watch pid 2 stream 1, 0 responses, 1.0s']);
  a.push(ev({ kind: 'close', conn: T, n: 8, endStream: true }));
  a.push(ev({ ...c, kind: 'close', n: 8, endStream: true }));
  assert.deepEqual(a.inProgress(3_000_000_000n), []);
});

test('record fields keep their JSON order: rstCode before pid, error last', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r));
  a.push(hdrs('req-hdrs', [[':path', '/pkg.Svc/M']]));
  a.push(ev({ kind: 'close', conn: T, n: 8, endStream: true }));
  a.push(hdrs('req-hdrs', [[':path', '/pkg.Svc/M']], { streamId: 3 }));
  a.flush(2000n);
  const common = ['type', 'role', 'tls', 'method', 'authority', 'status', 'grpcMessage', 'streamId', 'reqHeaders', 'respHeaders', 'respTrailers',
    'reqMessages', 'respMessages', 'reqBytes', 'respBytes', 'latencyNs', 'local', 'remote', 'fd', 'reqTcpSeq', 'respTcpSeq'];
  assert.deepEqual(Object.keys(got[0]!), [...common, 'rstCode', 'pid', 'goid', 'exe', 'ts']);
  assert.deepEqual(Object.keys(got[1]!), [...common, 'pid', 'goid', 'exe', 'ts', 'error']);
});

test('server records by transport: two pids whose transports share an address stay apart, and a reused address keeps the new call', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r));
  a.push(hdrs('req-hdrs', [[':path', '/a']], { pid: 1 }));
  a.push(hdrs('req-hdrs', [[':path', '/b']], { pid: 2, conn: 0xc100 }));
  a.push(ev({ kind: 'data-in', conn: T, pid: 2, n: 5, count: 1 }));
  a.push(ev({ kind: 'msg-out', conn: T, pid: 1, n: 9 }));
  // The address of pid 1's transport is reused by a new transport (another conn) while the old call is open.
  a.push(hdrs('req-hdrs', [[':path', '/c']], { pid: 1, conn: 0xc200 }));
  a.push(hdrs('out-hdrs', [['grpc-status', '0']], { pid: 1, endStream: true, ts: 2000n })); // ends /a (by its conn)
  a.push(ev({ kind: 'data-in', conn: T, pid: 1, n: 3, count: 1 })); // /c's: its entry outlived /a's end
  a.push(hdrs('out-hdrs', [['grpc-status', '0']], { pid: 1, conn: 0xc200, endStream: true, ts: 3000n }));
  a.push(hdrs('out-hdrs', [['grpc-status', '0']], { pid: 2, conn: 0xc100, endStream: true, ts: 4000n }));
  assert.deepEqual(got.map((r) => [r.method, r.pid, r.reqBytes, r.reqMessages, r.respBytes]), [['/a', 1, 0, 0, 9], ['/c', 1, 3, 1, 0], ['/b', 2, 5, 1, 0]]);
  assert.equal(a.size, 0);
});
