// Open per-stream (per-call) state that user space assembles from events,
// bounded: at most `max` entries (the oldest is evicted when more come) and
// none older than `maxAgeNs`. Entries are kept in insertion order, so the
// oldest is always first. Ages are looked at once per sweep interval (an
// eighth of the age limit, at most 1 s), not on every insert: walking the
// table allocates, and a busy assembler inserts tens of thousands of entries
// a second. So an entry may outlive its age by up to that interval.
//
// The order is a linked list of nodes, each removed through the node its
// adder keeps, not a Map's insertion order: a Map with this much churn is
// rehashed again and again, and V8 keeps each old backing table pointing at
// the next (number-table.ts says what that costs). A removed node lets go of
// its neighbours, so a dead node that was promoted holds no younger one
// alive. Find entries by key with a TwoLevelIndex beside it.

export type EvictReason = 'full' | 'expired';

export interface BoundedListOptions {
  /** Most open entries; 10 000 unless told. */
  readonly max?: number;
  /** Oldest an entry may get, in ns of the events' clock; 300 s unless told. */
  readonly maxAgeNs?: bigint;
}

/** An entry's place in a BoundedList; its adder keeps it to remove the entry. */
export interface BoundedNode<V> {
  readonly value: V;
  /** @internal */ prev: BoundedNode<V> | null;
  /** @internal */ next: BoundedNode<V> | null;
  /** @internal */ listed: boolean;
}

/** The bounded entries in insertion order, each removed through its node (no key lookup). */
export class BoundedList<V> {
  private head: BoundedNode<V> | null = null;
  private tail: BoundedNode<V> | null = null;
  private count = 0;
  private readonly max: number;
  private readonly maxAgeNs: bigint;
  private readonly sweepEveryNs: bigint;
  /** No entry can have expired before this (ns of the events' clock). */
  private nextSweepNs = 0n;

  /**
   * `startNs` is when an entry began; `onEvict` hears of every entry that
   * `bound` drops (it is already gone from the list).
   */
  constructor(
    private readonly startNs: (v: V) => bigint,
    private readonly onEvict: (v: V, nowNs: bigint, why: EvictReason) => void,
    opts: BoundedListOptions = {},
  ) {
    this.max = opts.max ?? 10_000;
    this.maxAgeNs = opts.maxAgeNs ?? 300_000_000_000n;
    const eighth = this.maxAgeNs / 8n;
    this.sweepEveryNs = eighth < 1_000_000_000n ? eighth : 1_000_000_000n;
  }

  get size(): number {
    return this.count;
  }

  /** Appends an entry, then evicts what no longer fits at `nowNs` (never this one). */
  add(value: V, nowNs: bigint): BoundedNode<V> {
    const node: BoundedNode<V> = { value, prev: this.tail, next: null, listed: true };
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.count++;
    this.bound(nowNs, node);
    return node;
  }

  /** Takes the node's entry out; nothing if it is out already. */
  remove(node: BoundedNode<V>): void {
    if (!node.listed) return;
    node.listed = false;
    const { prev, next } = node;
    if (prev) prev.next = next;
    else this.head = next;
    if (next) next.prev = prev;
    else this.tail = prev;
    node.prev = node.next = null;
    this.count--;
  }

  /** A snapshot, oldest first: callers may remove while walking it. */
  nodes(): BoundedNode<V>[] {
    const out: BoundedNode<V>[] = [];
    for (let n = this.head; n; n = n.next) out.push(n);
    return out;
  }

  private bound(nowNs: bigint, added: BoundedNode<V>): void {
    if (this.count <= this.max && nowNs < this.nextSweepNs) return;
    this.nextSweepNs = nowNs + this.sweepEveryNs;
    for (let n = this.head; n && n !== added; n = this.head) {
      const tooMany = this.count > this.max, tooOld = nowNs - this.startNs(n.value) > this.maxAgeNs;
      if (!tooMany && !tooOld) break; // insertion order: the rest are younger
      this.remove(n);
      this.onEvict(n.value, nowNs, tooMany ? 'full' : 'expired');
    }
  }
}
