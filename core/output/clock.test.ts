import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monotonicToEpochMs, monotonicWordsToEpochMs } from './clock';

test('monotonicWordsToEpochMs agrees with the BigInt conversion on every word boundary and at random', () => {
  const b = Buffer.alloc(8);
  const now = process.hrtime.bigint();
  const samples = [0n, 1n, 999n, 1000n, 0xffff_ffffn, 0x1_0000_0000n, 0x1_0000_0128n, now, now + 1n, (1n << 52n) + 12345n, (1n << 63n) - 1n];
  for (let i = 0; i < 2000; i++) samples.push(BigInt(Math.floor(Math.random() * 2 ** 32)) * 0x1_0000_0000n + BigInt(Math.floor(Math.random() * 2 ** 32)) >> BigInt(i % 24));
  for (const ns of samples) {
    b.writeBigUInt64LE(ns);
    // Past 2^53 µs neither is exact; below it (285 years of uptime) both must be.
    if (ns / 1000n > 1n << 52n) continue;
    assert.equal(monotonicWordsToEpochMs(b, 0), monotonicToEpochMs(ns), `ns ${ns}`);
  }
});
