import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumberTable } from './number-table';

/** A small deterministic PRNG (xorshift32), so a failure replays. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

test('matches a Map under random adds, replaces and removes, across growth and wrap-around', () => {
  // Small pools keep the table at 8-16 slots, where clusters often wrap past the last slot.
  for (const [seed, poolSize] of [[1, 5], [7, 9], [42, 20], [1234, 300]] as const) {
    const r = rng(seed);
    const t = new NumberTable<string>(), oracle = new Map<number, string>();
    // Few distinct keys, so removes hit and clusters form; keys shaped like the assembler's:
    // pid * 2^31 + stream id, and 47-bit pointers that differ only above bit 32 or only in their low bits.
    const pool = Array.from({ length: poolSize }, (_, i) => [4242 * 2 ** 31 + 2 * i + 1, 0x7f00_0000_0000 + i * 2 ** 32, 0xc000_1000 + i * 64, i][i % 4]!);
    for (let op = 0; op < 60_000; op++) {
      const k = pool[Math.floor(r() * pool.length)]!;
      if (r() < 0.55) {
        const v = `v${op}`;
        t.set(k, v);
        oracle.set(k, v);
      } else {
        assert.equal(t.delete(k), oracle.delete(k), `delete ${k} at op ${op} (seed ${seed})`);
      }
      assert.equal(t.size, oracle.size);
      const probe = pool[Math.floor(r() * pool.length)]!;
      assert.equal(t.get(probe), oracle.get(probe), `get ${probe} at op ${op} (seed ${seed})`);
    }
    for (const k of pool) assert.equal(t.get(k), oracle.get(k));
    assert.deepEqual(t.values().sort(), [...oracle.values()].sort());
  }
});

test('keys that share their low 32 bits, or are 0, are told apart', () => {
  const t = new NumberTable<number>(2);
  const keys = [0, 2 ** 32, 2 ** 33, 2 ** 52, 2 ** 53 - 1, 1, 2 ** 32 + 1];
  keys.forEach((k, i) => t.set(k, i));
  keys.forEach((k, i) => assert.equal(t.get(k), i));
  assert.equal(t.get(2 ** 34), undefined);
  assert.equal(t.delete(2 ** 32), true);
  assert.equal(t.delete(2 ** 32), false);
  assert.equal(t.get(2 ** 32), undefined);
  assert.equal(t.get(2 ** 32 + 1), 6);
  assert.equal(t.size, keys.length - 1);
});

test('values() is a snapshot: deleting while walking it is safe', () => {
  const t = new NumberTable<number>();
  for (let i = 0; i < 50; i++) t.set(i * 7919, i);
  for (const v of t.values()) t.delete(v * 7919);
  assert.equal(t.size, 0);
  assert.deepEqual(t.values(), []);
});
