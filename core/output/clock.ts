// BPF stamps events with bpf_ktime_get_ns() (CLOCK_MONOTONIC); people read
// wall-clock time. process.hrtime.bigint() reads the same monotonic clock, so
// one offset taken at start converts every stamp.
import { u32 } from '../plugin-kit/event-words';

const offsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** A monotonic BPF timestamp → Unix epoch milliseconds (with microsecond fraction). */
export function monotonicToEpochMs(ns: bigint): number {
  return Number((ns + offsetNs) / 1000n) / 1000;
}

// The offset as whole µs plus the ns left over (0..999), for the number-only path below.
const offsetUs = Number(offsetNs / 1000n);
const offsetRestNs = Number(offsetNs % 1000n);

/**
 * The same conversion for the u64 stamp at b[at] (little-endian), without a
 * BigInt: reading one and dividing it cost ~0.4 µs per record, on paths that
 * decode tens of thousands a second. Exact: 2^32 ns = 4,294,967 µs + 296 ns,
 * so whole µs are hi·4294967 + ⌊(hi·296 + lo + rest)/1000⌋, every term an
 * integer far below 2^53.
 */
export function monotonicWordsToEpochMs(b: Buffer, at: number): number {
  const lo = u32(b, at), hi = u32(b, at + 4);
  const us = hi * 4294967 + Math.floor((hi * 296 + lo + offsetRestNs) / 1000) + offsetUs;
  return us / 1000;
}
