// Bounded memory, ends of connections and tracing, options, and the fields
// whose meaning is a choice (latency, tcpSeq, goid).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GotraceError } from '../../../core/errors';
import { Http1Decoder } from './decoder';
import { call, chunksFor, conv, decode, mirror } from './testing/calls';
import type { CapturedChunk, Http1Record } from './types';

const GET = (p: string) => `GET ${p} HTTP/1.1\r\nHost: h\r\n\r\n`;
const OK = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

function collect(opts: Partial<ConstructorParameters<typeof Http1Decoder>[0]> = {}): { dec: Http1Decoder; records: Http1Record[]; bad: string[] } {
  const records: Http1Record[] = [];
  const bad: string[] = [];
  const dec = new Http1Decoder({ maxBody: 16, redact: new Set(), onRecord: (r) => records.push(r), onUnparsable: (k, w) => bad.push(`${k}: ${w}`), ...opts });
  return { dec, records, bad };
}

test('100k connections: state stays at maxConnections; evicted exchanges are emitted with an error', () => {
  const { dec, records } = collect();
  const [req] = chunksFor([call('write', GET('/x'), 1)]);
  for (let i = 0; i < 100_000; i++) dec.push({ ...req!, connKey: `c${i}`, ts: i });
  assert.equal(dec.size, 10_000);
  assert.equal(records.length, 90_000);
  assert.deepEqual([records[0]!.path, records[0]!.error], ['/x', 'connection state evicted (too many connections) before response']);
  dec.flush();
  assert.equal(dec.size, 0);
  assert.equal(records.length, 100_000);
  assert.equal(records[99_999]!.error, 'tracing stopped before response');
});

test('a 100 MB body streams through without being held: memory stays flat, size is exact', () => {
  const { dec, records } = collect({ maxBody: 1024 });
  const [req] = chunksFor([call('write', GET('/big'), 1)]);
  dec.push(req!);
  const head = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n');
  const slab = Buffer.alloc(64 * 1024, 0x61);
  const base = { ...req!, direction: 'read' as const, ts: 2, callLen: head.length + 100 * 1024 * 1024 };
  dec.push({ ...base, offset: 0, data: head });
  const before = process.memoryUsage().arrayBuffers;
  for (let off = 0; off < 100 * 1024 * 1024; off += slab.length) dec.push({ ...base, offset: head.length + off, data: slab });
  assert.ok(process.memoryUsage().arrayBuffers - before < 4 * 1024 * 1024, 'decoder retained body bytes');
  assert.deepEqual(records.map((r) => [r.respBodySize, r.respBody?.length, r.truncated]), [[100 * 1024 * 1024, 1024, undefined]]);
});

test('the least recently used connection is the one evicted', () => {
  const { dec, records } = collect({ maxConnections: 2 });
  const [req] = chunksFor([call('write', GET('/x'), 1)]);
  const [resp] = chunksFor([call('read', OK('a'), 2)]);
  dec.push({ ...req!, connKey: 'a' });
  dec.push({ ...req!, connKey: 'b' });
  dec.push({ ...resp!, connKey: 'a' }); // a is now the most recent, with its exchange done
  dec.push({ ...req!, connKey: 'c' }); // evicts b
  assert.deepEqual(records.map((r) => [r.status, r.error]), [[200, undefined], [null, 'connection state evicted (too many connections) before response']]);
});

test('expire drops idle connections and emits their pending exchanges', () => {
  const { dec, records } = collect({ idleMs: 1000 });
  const [req] = chunksFor([call('write', GET('/x'), 1)]);
  dec.push({ ...req!, connKey: 'old', ts: 1000 });
  dec.push({ ...req!, connKey: 'new', ts: 5000 });
  dec.expire(5500);
  assert.equal(dec.size, 1);
  assert.deepEqual(records.map((r) => r.error), ['connection idle; state expired before response']);
});

test('closeConnection: pending requests get an error; a request cut mid-body says so', () => {
  const d = decode(chunksFor(conv([['write', 'POST /p HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc']])));
  assert.deepEqual(d.records.map((r) => [r.path, r.reqBodySize, r.error]), [['/p', 3, 'connection closed before response']]);
  const e = decode(chunksFor(conv([['write', GET('/a')], ['read', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc']])));
  assert.deepEqual(e.records.map((r) => [r.status, r.respBodySize, r.error]), [[200, 3, 'connection closed before the response completed']]);
});

test('a head larger than maxHeadBytes is unparsable; the connection recovers at the next message', () => {
  const big = `GET /a HTTP/1.1\r\nX-Big: ${'b'.repeat(70_000)}\r\n\r\n`;
  const d = decode(chunksFor(conv([['read', GET('/0')], ['write', OK('0')], ['read', big], ['write', 'HTTP/1.1 431 Too Large\r\nContent-Length: 0\r\n\r\n'], ['read', GET('/c')], ['write', OK('c')]]), { chunkSize: 4096 }));
  assert.deepEqual(d.records.map((r) => [r.path, r.status]), [['/0', 200], ['/c', 200]]);
  assert.deepEqual(d.unparsable, ['c1: read: header section larger than 65536 bytes']);
});

test('pipelining depth is bounded by maxPending', () => {
  const calls = conv(Array.from({ length: 150 }, (_, i) => ['write', GET(`/${i}`)] as const));
  const d = decode(chunksFor(calls), 'none', { maxPending: 100 });
  assert.equal(d.records.length, 50);
  assert.deepEqual([d.records[0]!.path, d.records[0]!.error], ['/0', 'no response within 100 pipelined requests']);
});

test('bodies: off with maxBody 0, cut at maxBody, UTF-8 kept whole, else base64', () => {
  const text = 'héllo wörld, ünïcode';
  const off = decode(chunksFor(conv([['write', GET('/')], ['read', OK(text)]])), 'close', { maxBody: 0 });
  assert.equal('respBody' in off.records[0]!, false);
  assert.equal('reqBody' in off.records[0]!, false);
  const cut = decode(chunksFor(conv([['write', GET('/')], ['read', Buffer.from(OK(text), 'utf8')]])), 'close', { maxBody: 2 });
  assert.deepEqual([cut.records[0]!.respBody, cut.records[0]!.respBodySize], ['h', Buffer.byteLength(text)]);
  const bin = decode(chunksFor(conv([['write', GET('/')], ['read', Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n'), Buffer.from([0x1f, 0x8b, 0x08])])]])));
  assert.equal(bin.records[0]!.respBody, 'base64:H4sI');
});

test('latency, tcpSeq and goid: server from the last request byte, client from the first', () => {
  const calls = [
    call('write', 'POST /p HTTP/1.1\r\nContent-Length: 2\r\n\r\n', 100, { goid: 7 }), call('write', 'hi', 130, { goid: 7 }),
    call('read', OK('ok'), 175.5, { goid: 9 }),
  ];
  const [client] = decode(chunksFor(calls)).records;
  assert.deepEqual([client!.role, client!.latencyNs, client!.ts, client!.goid, client!.reqTcpSeq, client!.respTcpSeq], ['client', 75_500_000, 100, 7, 1000, 500_000]);
  const [server] = decode(chunksFor(mirror(calls))).records;
  assert.deepEqual([server!.role, server!.latencyNs, server!.ts, server!.goid, server!.reqTcpSeq, server!.respTcpSeq], ['server', 45_500_000, 100, 9, 500_000, 1000]);
  // Messages sharing a call: plain TCP gets the exact sequence number, TLS the call's.
  const two = conv([['write', GET('/a') + GET('/b')], ['read', OK('a') + OK('b')]]);
  assert.deepEqual(decode(chunksFor(two)).records.map((r) => [r.reqTcpSeq, r.respTcpSeq]), [[1000, 500_000], [1000 + GET('/a').length, 500_000 + OK('a').length]]);
  assert.deepEqual(decode(chunksFor(two, { tls: true })).records.map((r) => [r.tls, r.reqTcpSeq, r.respTcpSeq]), [[true, 1000, 500_000], [true, 1000, 500_000]]);
});

test('TLS plaintext and raw bytes under one connKey are decoded apart', () => {
  const plain = chunksFor(conv([['write', GET('/tls')], ['read', OK('t')]]), { tls: true });
  const cipher = chunksFor(conv([['write', '\x17\x03\x03\x00\x20ciphertext'], ['read', '\x17\x03\x03\x00\x10more']]));
  const mixed: CapturedChunk[] = [plain[0]!, cipher[0]!, cipher[1]!, plain[1]!];
  const d = decode(mixed);
  assert.deepEqual(d.records.map((r) => [r.path, r.status, r.tls]), [['/tls', 200, true]]);
  assert.deepEqual(d.unparsable, []);
});

test('unparsable is reported once per connection however much garbage follows', () => {
  const e400 = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n';
  const calls = conv([
    ['read', GET('/a')], ['write', OK('a')], ['read', 'BAD\x01\r\n\r\n'], ['write', e400], ['read', GET('/b')], ['write', OK('b')],
    ['read', 'X\x00\r\n'], ['write', e400], ['read', GET('/c')], ['write', OK('c')],
  ]);
  const d = decode(chunksFor(calls));
  assert.equal(d.unparsable.length, 1);
  assert.deepEqual(d.records.map((r) => [r.path, r.status]), [['/a', 200], ['/b', 200], ['/c', 200]]);
});

test('invalid options are refused with ERR_USAGE', () => {
  for (const bad of [{ maxBody: -1 }, { maxBody: 1.5 }, { maxConnections: 0 }, { idleMs: 0 }, { maxHeadBytes: 10 }]) {
    assert.throws(() => collect(bad), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_USAGE', JSON.stringify(bad));
  }
});
