// The plain-indexing word readers agree with Buffer's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s32, s64OrNull, u16, u32, u64 } from './event-words';

test('u16, u32, u64 and s64OrNull read what Buffer reads, at any offset', () => {
  const b = Buffer.alloc(19);
  for (const [v, goid] of [[0n, 0n], [0xffff_ffffn, 1n], [0xc000_1234_5678n, 123_456_789_012n], [(1n << 53n) - 1n, -1n], [1n << 40n, -(1n << 40n)]] as const) {
    for (const at of [0, 3]) {
      b.writeBigUInt64LE(v, at);
      b.writeBigInt64LE(goid, at + 8);
      assert.equal(u64(b, at), Number(v));
      assert.equal(u32(b, at), b.readUInt32LE(at));
      assert.equal(u16(b, at), b.readUInt16LE(at));
      assert.equal(s32(b, at + 8), b.readInt32LE(at + 8));
      assert.equal(s64OrNull(b, at + 8), goid < 0n ? null : Number(goid));
    }
  }
});
