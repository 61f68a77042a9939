// Open calls or streams by two integer keys: an outer one (a connection's
// pointer, a server transport's, an HTTP/2 framer's) and an inner one (a pid
// and stream id packed below 2^53). NumberTables, not Maps, for the reason
// number-table.ts gives. An outer key's table goes when its last entry does
// (connections come and go), into a pool of spares: a connection's entries
// often all end at once between two bursts, and a new table each time,
// grown again to the burst's size, was 2% of gotrace's CPU under gRPC load.
import { NumberTable } from './number-table';

/** Emptied inner tables kept for reuse, at most: enough for a few connections' bursts. */
const MAX_SPARES = 8;

/** pid * STREAMS + stream id is exact: pids are below 2^22 (PID_MAX_LIMIT), stream ids below 2^31. */
const STREAMS = 2 ** 31;

/** A pid and an HTTP/2 stream id as one inner key. */
export const streamKey = (pid: number, streamId: number): number => pid * STREAMS + streamId;

export class TwoLevelIndex<V> {
  private readonly byOuter = new NumberTable<NumberTable<V>>();

  /** `spares`: a pool shared with other indexes of the same kind of entry. */
  constructor(private readonly spares: NumberTable<V>[] = []) {}

  get(outer: number, inner: number): V | undefined {
    return this.byOuter.get(outer)?.get(inner);
  }

  /** Files v under outer → inner (replacing what was there). */
  add(outer: number, inner: number, v: V): void {
    let m = this.byOuter.get(outer);
    if (!m) this.byOuter.set(outer, (m = this.spares.pop() ?? new NumberTable(32)));
    m.set(inner, v);
  }

  /**
   * Takes v out, and its outer key once empty. Only when filed there still:
   * a connection's address may be reused by a new one while an entry of the
   * old is open, and the new entry must stay.
   */
  remove(outer: number, inner: number, v: V): void {
    const m = this.byOuter.get(outer);
    if (m?.get(inner) !== v) return;
    m.delete(inner);
    if (m.size) return;
    this.byOuter.delete(outer);
    if (this.spares.length < MAX_SPARES) this.spares.push(m);
  }

  /** Outer keys with entries. */
  get size(): number {
    return this.byOuter.size;
  }
}
