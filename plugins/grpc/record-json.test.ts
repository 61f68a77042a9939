// The hand-written JSON line of a call record against JSON.stringify of the
// same record, over calls with awkward strings and numbers, header maps
// shared between calls (as BlockHeaders shares them) and strings repeating
// past the string cache's bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { CallAssembler, type GrpcRecord } from './calls';
import { writeGrpcRecord } from './record-json';
import type { RawEvent } from './layout';
import { hasOwnJsonBytes, jsonLineOf } from '../../core/output/json-bytes';
import { jsonLinesSink } from '../../core/output/sinks';
import type { TraceEvent } from '../../core/engine/plugin';

const base: RawEvent = { ts: 1000n, goid: 7, conn: 0xc000, transport: 0xe000, pid: 1, streamId: 1, kind: 'req-hdrs', side: 1, endStream: false, count: 0, n: 0, headers: {},
  tls: false, fd: 5, wrapped: false, tcpSeq: null, local: '127.0.0.1:1', remote: '127.0.0.1:2' };
const ev = (e: Partial<RawEvent>): RawEvent => ({ ...base, ...e });

/** Strings JSON escapes in every way: quotes, backslashes, control characters, lone surrogates, non-ASCII. */
const AWKWARD = ['', 'plain', 'say "hi"', 'back\\slash', 'tab\tnew\nline\u0000\u001f', '\u007f\u0080é中', '\ud83d\ude00', 'lone \ud800 high', 'lone \udfff low', '</script>'];

/** The record's own line; fails when it has none. */
function ownLine(r: GrpcRecord): string {
  if (!hasOwnJsonBytes(r)) assert.fail(`no writeJson: ${JSON.stringify(r)}`);
  return jsonLineOf(r);
}

function pick<T>(xs: readonly T[], i: number): T {
  return xs[i % xs.length]!;
}

test('the written line equals JSON.stringify for every record, whatever its strings and numbers', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r));
  const shared = Object.freeze({ ':path': '/pkg.Svc/M', 'x-q': 'a"b' }), shared2 = Object.freeze({ ':path': '/pkg.Svc/N' });
  const trailers = Object.freeze({ 'grpc-status': '0', 'grpc-message': '' }), trailers2 = Object.freeze({ 'grpc-status': '0', 'grpc-message': 'other' });
  const respA = Object.freeze({ ':status': '200', 'content-type': 'application/grpc' }), respB = Object.freeze({});
  for (let i = 0; i < 3000; i++) {
    const s = pick(AWKWARD, i), stream = 2 * i + 1, t0 = BigInt(1000 + i);
    // Every third call has its own maps (not frozen); the rest share one, as repeated header blocks do.
    // Values repeat in different combinations (a local address with other remotes), as the run caches key them.
    const req = i % 3 === 1 ? shared : i % 3 === 2 ? shared2 : { ':path': `/p${s}/M${i}`, ':authority': pick(AWKWARD, i + 3), [s || 'k']: s };
    a.push(ev({ kind: 'req-hdrs', streamId: stream, ts: t0, headers: req, tls: i % 5 === 0 ? null : i % 2 === 0, wrapped: i % 7 === 0,
      goid: i % 4 ? i : null, fd: i % 6 ? i : -1, tcpSeq: i % 3 ? 4294967295 - i : null, local: i % 9 ? `10.0.0.${i % 3}:1` : null, remote: pick(AWKWARD, i + 1),
      pid: 1 + (i % 4) }));
    a.push(ev({ kind: 'data-in', conn: 0xe000, streamId: stream, n: i * 1000, count: i % 3, pid: 1 + (i % 4) }));
    a.push(ev({ kind: 'out-hdrs', streamId: stream, headers: i % 5 === 0 ? Object.freeze({ ':status': '200' }) : i % 2 ? respA : respB, tcpSeq: i, pid: 1 + (i % 4) }));
    a.push(ev({ kind: 'msg-out', conn: 0xe000, streamId: stream, n: 2 ** 40 + i, pid: 1 + (i % 4) }));
    a.push(ev({ kind: 'out-hdrs', streamId: stream, endStream: true, ts: t0 + BigInt(i * 997), pid: 1 + (i % 4),
      headers: i % 4 === 3 ? trailers2 : i % 4 ? trailers : { 'grpc-status': String(i % 17), 'grpc-message': s } }));
  }
  assert.equal(got.length, 3000);
  for (const [i, r] of got.entries()) {
    // As the RecordQueue fills them in: the exe (some repeat, some not), and epoch ms with a fraction.
    r.exe = i % 2 ? '/usr/bin/svc' : `/opt/${pick(AWKWARD, i)}/${i}`;
    r.ts = 1795399910582.313 + i / 7;
    assert.equal(ownLine(r), JSON.stringify(r), `record ${i}`);
  }
});

test('records with an error or reset code are plain objects, which the sink writes with JSON.stringify', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r));
  a.push(ev({ kind: 'req-hdrs', streamId: 1 }));
  a.push(ev({ kind: 'close', conn: 0xe000, streamId: 1, n: 8, ts: 2000n }));
  a.push(ev({ kind: 'req-hdrs', streamId: 3 }));
  a.flush(3000n);
  let out = '';
  const sink = jsonLinesSink(new Writable({ write(c, _e, cb) { out += c; cb(); } }));
  for (const r of got) sink.write(r as unknown as TraceEvent);
  sink.close();
  const lines = out.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.deepEqual(lines.map((l) => JSON.parse(l)), got.map((r) => JSON.parse(JSON.stringify(r))));
  assert.equal(JSON.parse(lines[0]!).rstCode, 8);
  assert.match(JSON.parse(lines[1]!).error, /had not ended/);
});

test('the sink has a record write its own bytes', () => {
  const got: GrpcRecord[] = [];
  const a = new CallAssembler((r) => got.push(r));
  a.push(ev({ kind: 'req-hdrs', headers: Object.freeze({ ':path': '/a.B/C' }) }));
  a.push(ev({ kind: 'out-hdrs', endStream: true, headers: Object.freeze({ 'grpc-status': '0' }), ts: 1500n }));
  const r = got[0]!;
  let calls = 0;
  if (!hasOwnJsonBytes(r)) assert.fail('no writeJson');
  const own = r.writeJson.bind(r);
  Object.defineProperty(r, 'writeJson', { value: (w: Parameters<typeof own>[0]) => { calls++; own(w); }, enumerable: false });
  let out = '';
  const sink = jsonLinesSink(new Writable({ write(c, _e, cb) { out += c; cb(); } }));
  sink.write(r as unknown as TraceEvent);
  sink.close();
  assert.equal(calls, 1);
  assert.equal(out, `${JSON.stringify(r)}\n`);
});

test('a record that differs from the one before in one field only is written with that field, whichever field it is', () => {
  const base: GrpcRecord = { type: 'grpc', role: 'server', tls: false, method: '/a.B/C', authority: 'h:1', status: 0, grpcMessage: null, streamId: 1,
    reqHeaders: Object.freeze({ ':path': '/a.B/C' }), respHeaders: Object.freeze({ ':status': '200' }), respTrailers: Object.freeze({ 'grpc-status': '0' }),
    reqMessages: 1, respMessages: 1, reqBytes: 5, respBytes: 7, latencyNs: 1000, local: '127.0.0.1:1', remote: '127.0.0.1:2', fd: 3,
    reqTcpSeq: 10, respTcpSeq: 20, pid: 4, goid: 5, exe: '/x', ts: 1795399910582.313 };
  const other: Partial<Record<keyof GrpcRecord, unknown>> = { role: 'client', tls: true, method: '/a.B/D', authority: null, status: 5, grpcMessage: 'gone',
    streamId: 3, reqHeaders: Object.freeze({ ':path': '/a.B/C' }), respHeaders: Object.freeze({}), respTrailers: Object.freeze({ 'grpc-status': '0' }),
    reqMessages: 2, respMessages: 0, reqBytes: 6, respBytes: 8, latencyNs: null, local: null, remote: '127.0.0.1:3', fd: null, reqTcpSeq: null,
    respTcpSeq: 21, pid: 6, goid: null, exe: '/y', ts: 1795399910583 };
  const line = (r: GrpcRecord): string => jsonLineOf({ writeJson: (w) => writeGrpcRecord(w, r) });
  for (const [field, value] of Object.entries(other)) {
    const changed = { ...base, [field]: value } as GrpcRecord;
    for (const r of [base, changed, base, changed]) assert.equal(line(r), JSON.stringify(r), field);
  }
});
