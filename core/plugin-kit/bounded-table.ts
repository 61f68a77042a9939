// Open per-stream (per-call) state that user space assembles from events,
// bounded: at most `max` entries (the oldest is evicted when more come) and
// none older than `maxAgeNs`. Entries are kept in insertion order, so the
// oldest is always first. Ages are looked at once per sweep interval (an
// eighth of the age limit, at most 1 s), not on every insert: walking the
// table allocates, and a busy assembler inserts tens of thousands of entries
// a second. So an entry may outlive its age by up to that interval.

export type EvictReason = 'full' | 'expired';

export interface BoundedTableOptions {
  /** Most open entries; 10 000 unless told. */
  readonly max?: number;
  /** Oldest an entry may get, in ns of the events' clock; 300 s unless told. */
  readonly maxAgeNs?: bigint;
}

/** Keyed by K: a string, or the entry itself where nothing else names it (no key to build per entry). */
export class BoundedTable<V, K = string> {
  private readonly open = new Map<K, V>();
  private readonly max: number;
  private readonly maxAgeNs: bigint;
  private readonly sweepEveryNs: bigint;
  /** No entry can have expired before this (ns of the events' clock). */
  private nextSweepNs = 0n;

  /**
   * `startNs` is when an entry began; `onEvict` hears of every entry that
   * `bound` drops (it is already gone from the table).
   */
  constructor(
    private readonly startNs: (v: V) => bigint,
    private readonly onEvict: (key: K, v: V, nowNs: bigint, why: EvictReason) => void,
    opts: BoundedTableOptions = {},
  ) {
    this.max = opts.max ?? 10_000;
    this.maxAgeNs = opts.maxAgeNs ?? 300_000_000_000n;
    const eighth = this.maxAgeNs / 8n;
    this.sweepEveryNs = eighth < 1_000_000_000n ? eighth : 1_000_000_000n;
  }

  get(key: K): V | undefined {
    return this.open.get(key);
  }

  /** Adds (or replaces) an entry, then evicts what no longer fits at `nowNs`. */
  set(key: K, v: V, nowNs: bigint): void {
    this.open.set(key, v);
    this.bound(nowNs);
  }

  delete(key: K): void {
    this.open.delete(key);
  }

  /** A snapshot: callers may delete while walking it. */
  entries(): [K, V][] {
    return [...this.open];
  }

  get size(): number {
    return this.open.size;
  }

  private bound(nowNs: bigint): void {
    if (this.open.size <= this.max && nowNs < this.nextSweepNs) return;
    this.nextSweepNs = nowNs + this.sweepEveryNs;
    for (const [k, v] of this.open) {
      const tooMany = this.open.size > this.max, tooOld = nowNs - this.startNs(v) > this.maxAgeNs;
      if (!tooMany && !tooOld) break; // insertion order: the rest are younger
      this.open.delete(k);
      this.onEvict(k, v, nowNs, tooMany ? 'full' : 'expired');
    }
  }
}
