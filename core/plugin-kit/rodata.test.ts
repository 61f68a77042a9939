import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GoBinary } from '../binary/go-binary';
import { allFixtures, requireBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';
import { NO_RODATA, rodataOf } from './rodata';

// readelf -SW: [Nr] Name Type Address Off Size ...
function readelfRodata(path: string): { addr: bigint; off: number; size: number } {
  for (const line of run('readelf', ['-SW', path]).split('\n')) {
    const m = /^\s*\[\s*\d+\]\s+\.rodata\s+\S+\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line);
    if (m) return { addr: BigInt('0x' + m[1]!), off: parseInt(m[2]!, 16), size: parseInt(m[3]!, 16) };
  }
  throw new Error(`readelf shows no .rodata in ${path}`);
}

for (const b of allFixtures().filter((x) => /^(grpc|http2)/.test(x.label))) {
  test(`.rodata of ${b.label}: where readelf puts it, moved by the bias, and holding HPACK's static names`, () => {
    const file = readFileSync(requireBinary(b));
    const want = readelfRodata(b.path);
    const ro = rodataOf(new GoBinary(b.path, file), 0x10000n);
    assert.equal(ro.lo, want.addr + 0x10000n);
    assert.equal(ro.hi - ro.lo, BigInt(want.size));
    assert.ok(ro.bytes.equals(file.subarray(want.off, want.off + want.size)));
    // The literals BPF sends as references: HPACK's static table names are Go literals.
    assert.notEqual(ro.bytes.indexOf(':authority'), -1);
  });
}

test('no bias known (a PIE before its exec): no range, so BPF copies every string', () => {
  const b = allFixtures().find((x) => x.label === 'grpc-pie')!;
  assert.equal(rodataOf(new GoBinary(b.path, readFileSync(requireBinary(b))), null), NO_RODATA);
});
