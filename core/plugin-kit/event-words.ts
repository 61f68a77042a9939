// Numbers out of BPF event records.

/**
 * A little-endian u64 at `at` as a number: exact for user-space pointers
 * (below 2^47) and byte counts, and cheaper to compare and key on than a BigInt.
 */
export function u64Number(b: Buffer, at: number): number {
  return b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 0x1_0000_0000;
}
