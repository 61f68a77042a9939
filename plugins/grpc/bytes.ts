// Little-endian words of a record whose length the caller has checked.
// Buffer's readUInt32LE validates its offset through a wrapped validator on
// every call, which showed as a tenth of the decoder's time at ~40 reads per
// gRPC call; these are plain indexing.

export function u32(b: Buffer, at: number): number {
  return b[at]! + b[at + 1]! * 0x100 + b[at + 2]! * 0x10000 + b[at + 3]! * 0x1000000;
}

export function u16(b: Buffer, at: number): number {
  return b[at]! + b[at + 1]! * 0x100;
}

/** A u64 as a number: exact below 2^53 (user-space pointers, byte counts). */
export function u64(b: Buffer, at: number): number {
  return u32(b, at) + u32(b, at + 4) * 0x1_0000_0000;
}

/** An s64 that is a count or id when not negative (a goid, -1 when unknown): null when negative. */
export function s64OrNull(b: Buffer, at: number): number | null {
  const hi = b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24); // signed
  return hi < 0 ? null : hi * 0x1_0000_0000 + u32(b, at);
}
