// Records a plugin assembled, queued as trace events until the runtime hands
// them out: each gets its process's exe and an epoch-ms timestamp.
import type { TraceEvent } from '../engine/plugin';
import { monotonicToEpochMs } from '../output/clock';

/**
 * What an assembler reports: the event's fields, with `exe` and `ts` as
 * placeholders ('' and 0) in the places the JSON shows them. The queue fills
 * them in place: copying a ~25-field record to add two was a tenth of what
 * decoding a gRPC call cost.
 */
export interface AssembledRecord {
  readonly type: string;
  readonly pid: number;
  readonly goid: number | null;
  exe: string;
  /** Epoch ms, from the monotonic ns the record is pushed with. */
  ts: number;
}

const NONE: TraceEvent[] = [];

export class RecordQueue {
  private out: TraceEvent[] = [];
  private readonly exes = new Map<number, string>();
  private last = 0n;

  /** Remembers a pid's exe (kept after detach: its last events may still be in the ring). */
  setExe(pid: number, exe: string): void {
    this.exes.set(pid, exe);
  }

  /** Notes an event's monotonic ns; `lastTs` is the latest seen. */
  saw(ts: bigint): void {
    if (ts > this.last) this.last = ts;
  }

  get lastTs(): bigint {
    return this.last;
  }

  /** Queues `record`, begun at monotonic `tsNs`, with its exe and epoch-ms ts filled in. */
  readonly push = (record: AssembledRecord, tsNs: bigint): void => {
    record.exe = this.exes.get(record.pid) ?? '';
    record.ts = monotonicToEpochMs(tsNs);
    this.out.push(record as unknown as TraceEvent);
  };

  /** The queued events, and an empty queue (a shared empty array when nothing was queued: most ring records finish no record). */
  take(): TraceEvent[] {
    if (!this.out.length) return NONE;
    const got = this.out;
    this.out = [];
    return got;
  }
}
