// A hash table from integer keys to values, for per-call state that is added
// and removed tens of thousands of times a second (gRPC calls by connection
// and stream).
//
// Why not a Map: V8's Map rehashes into a new backing table as entries come
// and go, and the old table keeps a pointer to its successor (for live
// iterators) and its entries. Once one table of a long-lived Map has been
// promoted to the old generation, it holds the next table alive through
// every scavenge, that one the next, and so on until a full GC: every table
// since, and every call its entries point at, is copied and promoted. In
// gotrace that was ~1.4 MB promoted per scavenge at 11k calls/s, a 9 ms
// scavenge instead of 1 ms, and full GCs (README, Benchmarks). Here the
// arrays are replaced only when the table grows, and a removed entry's slot
// is cleared, so nothing removed is held.
//
// Open addressing with linear probing; removal shifts the entries after it
// back (no tombstones), so lookups stay short however much churn there is.

const MIN_CAPACITY = 8;

/** Keys are integers (a pointer, or a pid and stream id packed below 2^53); values are never undefined. */
export class NumberTable<V> {
  private keys: Float64Array;
  private vals: (V | undefined)[];
  private mask: number;
  private count = 0;

  /** `capacity`: slots to start with, rounded up to a power of two. */
  constructor(capacity = MIN_CAPACITY) {
    let n = MIN_CAPACITY;
    while (n < capacity) n *= 2;
    this.keys = new Float64Array(n);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  get(key: number): V | undefined {
    const keys = this.keys, vals = this.vals, mask = this.mask;
    for (let i = slotOf(key) & mask; ; i = (i + 1) & mask) {
      const v = vals[i];
      if (v === undefined || keys[i] === key) return v;
    }
  }

  /** Adds or replaces key's value. */
  set(key: number, value: V): void {
    if ((this.count + 1) * 2 > this.vals.length) this.grow();
    const keys = this.keys, vals = this.vals, mask = this.mask;
    let i = slotOf(key) & mask;
    for (; vals[i] !== undefined; i = (i + 1) & mask) {
      if (keys[i] === key) {
        vals[i] = value;
        return;
      }
    }
    keys[i] = key;
    vals[i] = value;
    this.count++;
  }

  /** Removes key; false if it was not there. */
  delete(key: number): boolean {
    const keys = this.keys, vals = this.vals, mask = this.mask;
    let i = slotOf(key) & mask;
    for (; ; i = (i + 1) & mask) {
      if (vals[i] === undefined) return false;
      if (keys[i] === key) break;
    }
    // Backward shift: an entry after the hole moves into it unless its own
    // slot lies cyclically in (hole, entry], where a probe finds it already.
    for (let j = (i + 1) & mask; vals[j] !== undefined; j = (j + 1) & mask) {
      const home = slotOf(keys[j]!) & mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      keys[i] = keys[j]!;
      vals[i] = vals[j];
      i = j;
    }
    vals[i] = undefined;
    this.count--;
    return true;
  }

  /** A snapshot of the values (callers may delete while walking it). */
  values(): V[] {
    const out: V[] = [];
    for (const v of this.vals) if (v !== undefined) out.push(v);
    return out;
  }

  private grow(): void {
    const oldKeys = this.keys, oldVals = this.vals;
    const n = oldVals.length * 2;
    this.keys = new Float64Array(n);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.mask = n - 1;
    this.count = 0;
    for (let i = 0; i < oldVals.length; i++) if (oldVals[i] !== undefined) this.set(oldKeys[i]!, oldVals[i]!);
    // The old array may be in the old generation: cleared, it holds nothing young.
    oldVals.fill(undefined);
  }
}

/**
 * A slot from an integer key below 2^53: its low and high 32 bits mixed
 * (pointers differ in their low bits; a pid and stream id in both).
 */
function slotOf(key: number): number {
  const lo = key >>> 0, hi = (key / 4294967296) >>> 0;
  const h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  return h ^ (h >>> 15);
}
