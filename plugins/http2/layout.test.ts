// The record decoder against what clang laid out (the BPF object's BTF, read
// with bpftool) and against http2.h's enum: a record written at the BTF's
// offsets must decode to what was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bpfObjectPath } from '../../core/bpf/paths';
import { ROOT } from '../../test/support/binaries';
import { run } from '../../test/support/exec';
import { ConnAddrCache } from '../../core/plugin-kit/conn-addr-cache';
import { decodeEvent as decodeWith, EVENT_SIZE, HDRS_BLOCK_AT, KINDS } from './layout';

const decodeEvent = (b: Buffer) => decodeWith(b, new ConnAddrCache());

interface Member { readonly name: string; readonly at: number }
interface Struct { readonly size: number; readonly members: Map<string, number> }

let btfText: string | undefined;
function btfStruct(name: string): Struct {
  const btf = (btfText ??= run('bpftool', ['btf', 'dump', 'file', bpfObjectPath('http2'), 'format', 'raw']));
  const m = new RegExp(`STRUCT '${name}' size=(\\d+) vlen=\\d+\\n((?:\\t.*\\n)*)`).exec(btf);
  assert.ok(m, `struct ${name} is in http2.bpf.o's BTF`);
  const members: Member[] = [...m[2]!.matchAll(/'(\w+)' type_id=\d+ bits_offset=(\d+)/g)].map((x) => ({ name: x[1]!, at: Number(x[2]) / 8 }));
  return { size: Number(m[1]), members: new Map(members.map((x) => [x.name, x.at])) };
}

const kindOf = (name: string): number => KINDS.indexOf(name as (typeof KINDS)[number]);

/** A record as BPF sends it, every head field written at the BTF's offset. */
function record(kind: string, size: number): Buffer {
  const h = btfStruct('h2_event').members, at = (f: string): number => h.get(f)!;
  const b = Buffer.alloc(size);
  b.writeBigUInt64LE(123_456_789n, at('ts'));
  b.writeBigInt64LE(77n, at('goid'));
  b.writeBigUInt64LE(0xc000_1234_5678n, at('framer'));
  b.writeUInt32LE(4242, at('pid'));
  b.writeUInt32LE(9, at('stream_id'));
  b.writeUInt8(kindOf(kind), at('kind'));
  b.writeUInt8(1, at('tls'));
  b.writeInt32LE(6, at('fd'));
  b.writeBigUInt64LE(200n, at('n'));
  b.writeUInt8(1, at('end_stream'));
  b.writeUInt8(1, at('seq_ok'));
  b.writeUInt32LE(0xfeed_beef, at('tcp_seq'));
  return b;
}

test('struct h2_event and h2_hdrs_event: sizes and offsets as layout.ts reads them', () => {
  assert.equal(btfStruct('h2_event').size, EVENT_SIZE);
  const hdrs = btfStruct('h2_hdrs_event');
  assert.equal(hdrs.members.get('addrs'), EVENT_SIZE);
  assert.equal(hdrs.members.get('b'), HDRS_BLOCK_AT);
});

test('enum h2_kind: KINDS names every value of http2.h in order', () => {
  const h = readFileSync(join(ROOT, 'plugins', 'http2', 'http2.h'), 'utf8');
  const body = /enum h2_kind \{([\s\S]*?)\};/.exec(h)![1]!;
  const kinds = [...body.matchAll(/H2_(\w+) = (\d+)/g)].map((m) => [Number(m[2]), m[1]!.toLowerCase().replace(/_/g, '-')] as const);
  assert.deepEqual(kinds.map(([v]) => v), kinds.map((_, i) => i), 'values are 0..n-1');
  assert.deepEqual(kinds.map(([, n]) => n), [...KINDS]);
});

test('a plain record decodes from its head alone; goid -1 is unknown', () => {
  const b = record('data-out', EVENT_SIZE);
  const e = decodeEvent(b)!;
  assert.deepEqual([e.kind, e.ts, e.goid, e.framer, e.pid, e.streamId, e.fd, e.n, e.endStream, e.tcpSeq], ['data-out', 123_456_789n, 77, 0xc000_1234_5678, 4242, 9, 6, 200, true, 0xfeed_beef]);
  assert.deepEqual([e.fields, e.local, e.remote], [[], null, null]);
  b.writeBigInt64LE(-1n, btfStruct('h2_event').members.get('goid')!);
  assert.equal(decodeEvent(b)!.goid, null);
  assert.equal(decodeEvent(b.subarray(0, EVENT_SIZE - 1)), undefined, 'short');
  b.writeUInt8(KINDS.length, btfStruct('h2_event').members.get('kind')!);
  assert.equal(decodeEvent(b), undefined, 'unknown kind');
});

test('a header record carries the conn addresses and its block of fields', () => {
  const entry = (n: string, v: string): Buffer => {
    const e = Buffer.alloc((8 + n.length + v.length + 3) & ~3);
    e.writeUInt32LE(n.length, 0);
    e.writeUInt32LE(v.length, 4);
    e.write(n + v, 8, 'latin1');
    return e;
  };
  const data = Buffer.concat([entry(':method', 'GET'), entry(':path', '/hello')]);
  const b = Buffer.concat([record('req-headers', HDRS_BLOCK_AT + 8), data]);
  b.writeUInt8(2, EVENT_SIZE); // struct go_conn_addrs: AF_INET, ports, addresses
  b.writeUInt16LE(8443, EVENT_SIZE + 2);
  b.writeUInt16LE(50000, EVENT_SIZE + 4);
  b.set([10, 0, 0, 1], EVENT_SIZE + 8);
  b.set([10, 0, 0, 2], EVENT_SIZE + 24);
  b.writeUInt16LE(2, HDRS_BLOCK_AT);
  b.writeUInt16LE(2, HDRS_BLOCK_AT + 2);
  b.writeUInt16LE(data.length, HDRS_BLOCK_AT + 4);
  const e = decodeEvent(b)!;
  assert.deepEqual([e.kind, e.tls, e.local, e.remote], ['req-headers', true, '10.0.0.1:8443', '10.0.0.2:50000']);
  assert.deepEqual(e.fields.map((f) => [f.name, f.value]), [[':method', 'GET'], [':path', '/hello']]);
  assert.equal(decodeEvent(b.subarray(0, HDRS_BLOCK_AT - 1)), undefined, 'a header record without its block');
});
