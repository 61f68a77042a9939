// The event decoder against records laid out as grpc.h says (hooker.test.ts
// checks the sizes against the BPF object's BTF): a header block record with
// its conn and packed fields, a small record, and records it must refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockHeaders } from './block-headers';
import { ConnAddrCache } from '../../core/plugin-kit/conn-addr-cache';
import { decodeEvent as decodeWith, EVENT_SIZE, HDR_EVENT_HEAD, serverCountsOf, type ServerCounts } from './layout';
import { packBlock as block } from '../../core/plugin-kit/header-block-testing';

const decodeEvent = (b: Buffer) => decodeWith(b, new BlockHeaders(new Set(['authorization'])), new ConnAddrCache());

function head(size: number, kind: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeBigUInt64LE(123456789n, 0);
  b.writeBigInt64LE(42n, 8);
  b.writeBigUInt64LE(0xc000123400n, 16);
  b.writeUInt32LE(77, 24);
  b.writeUInt32LE(5, 28);
  b.writeUInt8(kind, 32);
  b.writeUInt8(1, 33);
  return b;
}

test('a request block: the conn (TLS, fd, IPv4 addresses, seq) and its fields in order', () => {
  const h = head(HDR_EVENT_HEAD, 0);
  h.writeUInt8(1, 35); // tls
  h.writeInt32LE(9, 36);
  h.writeUInt8(1, 42); // seq_ok
  h.writeUInt32LE(0xfffffff0, 44);
  h.writeBigUInt64LE(0xc000abcd00n, 48); // transport
  h.writeUInt8(2, 56); // AF_INET
  h.writeUInt16LE(50051, 58);
  h.writeUInt16LE(40000, 60);
  Buffer.from([127, 0, 0, 1]).copy(h, 64);
  Buffer.from([10, 0, 0, 2]).copy(h, 80);
  const e = decodeEvent(Buffer.concat([h, block([[':path', '/pkg.Svc/M'], ['authorization', 'Bearer x'], ['te', 'trailers']])]))!;
  assert.deepEqual([e.kind, e.ts, e.goid, e.conn, e.transport, e.pid, e.streamId, e.side, e.endStream], ['req-hdrs', 123456789n, 42, 0xc000123400, 0xc000abcd00, 77, 5, 1, false]);
  assert.deepEqual([e.tls, e.fd, e.wrapped, e.tcpSeq, e.local, e.remote], [true, 9, false, 0xfffffff0, '127.0.0.1:50051', '10.0.0.2:40000']);
  assert.deepEqual(e.headers, { ':path': '/pkg.Svc/M', authorization: '[redacted]', te: 'trailers' });
});

test('a block sent with END_STREAM and no conn: tls unknown, no addresses, seq unknown', () => {
  const h = head(HDR_EVENT_HEAD, 1);
  h.writeUInt8(1, 34);
  h.writeUInt8(2, 35);
  h.writeInt32LE(-1, 36);
  const e = decodeEvent(Buffer.concat([h, block([['grpc-status', '0']])]))!;
  assert.deepEqual([e.kind, e.endStream, e.tls, e.fd, e.tcpSeq, e.local, e.remote], ['out-hdrs', true, null, -1, null, null, null]);
  assert.deepEqual(e.headers, { 'grpc-status': '0' });
});

test('a DATA_IN record: bytes and messages, no fields', () => {
  const b = head(EVENT_SIZE, 3);
  b.writeUInt8(1, 34);
  b.writeUInt32LE(2, 36);
  b.writeBigUInt64LE(1n << 40n, 40);
  const e = decodeEvent(b)!;
  assert.deepEqual([e.kind, e.endStream, e.count, e.n, e.headers, e.tls, e.fd], ['data-in', true, 2, 2 ** 40, {}, null, -1]);
});

test("a server's DATA_IN and MSG_OUT read without a RawEvent give what decodeEvent gives; other records are not counts", () => {
  const into: ServerCounts = { kind: 'data-in', pid: 0, transport: 0, streamId: 0, count: 0, n: 0 };
  for (const kind of [3, 4]) {
    const b = head(EVENT_SIZE, kind);
    b.writeUInt32LE(3, 36);
    b.writeBigUInt64LE((1n << 40n) + 5n, 40);
    const e = decodeEvent(b)!;
    assert.equal(serverCountsOf(b, into), true);
    assert.deepEqual(into, { kind: e.kind, pid: e.pid, transport: e.conn, streamId: e.streamId, count: e.count, n: e.n });
  }
  const client = head(EVENT_SIZE, 3);
  client.writeUInt8(0, 33);
  assert.equal(serverCountsOf(client, into), false, "a client's DATA_IN is keyed by its conn");
  assert.equal(serverCountsOf(head(EVENT_SIZE, 5), into), false, 'CLOSE ends a call');
  assert.equal(serverCountsOf(head(HDR_EVENT_HEAD, 1), into), false);
  assert.equal(serverCountsOf(head(EVENT_SIZE - 1, 4), into), false);
});

test('short records and unknown kinds are refused', () => {
  assert.equal(decodeEvent(head(EVENT_SIZE - 1, 3)), undefined);
  assert.equal(decodeEvent(head(EVENT_SIZE, 6)), undefined);
  assert.equal(decodeEvent(head(HDR_EVENT_HEAD - 1, 0)), undefined, 'a block record cut before its block');
});

test('records read in place in a batch give what each record alone gives, a cut block stopping at its record\'s end', () => {
  const req = head(HDR_EVENT_HEAD, 0);
  req.writeUInt8(2, 56); // AF_INET
  req.writeUInt16LE(50051, 58);
  Buffer.from([127, 0, 0, 1]).copy(req, 64);
  const full = Buffer.concat([req, block([[':path', '/pkg.Svc/M'], ['x-k', 'v'.repeat(40)], ['te', 'trailers']])]);
  const cut = full.subarray(0, full.length - 20); // BPF sent fewer bytes than the block says
  const data = head(EVENT_SIZE, 4);
  data.writeBigUInt64LE(99n, 40);
  const trailers = Buffer.concat([head(HDR_EVENT_HEAD, 1), block([['grpc-status', '5']])]);
  const records = [full, data, cut, trailers, head(EVENT_SIZE - 1, 3), data];
  // The batch as the ring gives it: records end to end, and bytes after the last that belong to no record.
  const batch = Buffer.concat([...records, Buffer.alloc(64, 0x41)]);
  const into: ServerCounts = { kind: 'data-in', pid: 0, transport: 0, streamId: 0, count: 0, n: 0 };
  const alone: ServerCounts = { ...into };
  let start = 0;
  for (const r of records) {
    const end = start + r.length;
    const inBatch = decodeEvent(r) === undefined ? undefined : decodeWith(batch, new BlockHeaders(new Set(['authorization'])), new ConnAddrCache(), undefined, start, end);
    assert.deepEqual(inBatch, decodeEvent(r));
    assert.equal(serverCountsOf(batch, into, start, end), serverCountsOf(r, alone));
    assert.deepEqual(into, alone);
    start = end;
  }
  // The cut record followed by the very bytes it lacks (as the next record could hold them): they are not read.
  const cutThenRest = Buffer.concat([cut, full.subarray(cut.length)]);
  const cutEvent = decodeWith(cutThenRest, new BlockHeaders(new Set()), new ConnAddrCache(), undefined, 0, cut.length)!;
  assert.deepEqual(Object.keys(cutEvent.headers), [':path', 'x-k'], 'the cut field is not read from the next record');
  assert.equal(decodeWith(batch, new BlockHeaders(new Set()), new ConnAddrCache(), undefined, batch.length - 64 - data.length - (EVENT_SIZE - 1), batch.length - 64 - data.length), undefined, 'a short record stays short in a batch');
});
