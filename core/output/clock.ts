// BPF stamps events with bpf_ktime_get_ns() (CLOCK_MONOTONIC); people read
// wall-clock time. process.hrtime.bigint() reads the same monotonic clock, so
// one offset taken at start converts every stamp.
const offsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** A monotonic BPF timestamp → Unix epoch milliseconds (with microsecond fraction). */
export function monotonicToEpochMs(ns: bigint): number {
  return Number((ns + offsetNs) / 1000n) / 1000;
}
