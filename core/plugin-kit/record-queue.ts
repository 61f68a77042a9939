// Records a plugin assembled, queued as trace events until the runtime hands
// them out: each gets its process's exe and an epoch-ms timestamp.
import type { TraceEvent } from '../engine/plugin';
import { monotonicToEpochMs } from '../output/clock';

/** What an assembler reports: the event's fields, with the monotonic ns it began at. */
export interface AssembledRecord {
  readonly type: string;
  readonly pid: number;
  readonly goid: number | null;
  /** Monotonic ns; becomes the event's epoch-ms `ts`. */
  readonly tsNs: bigint;
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

  readonly push = (record: AssembledRecord): void => {
    // One copy (the rest) per record, then fields added in place: this runs once per traced exchange.
    const { tsNs, ...r } = record;
    const e = r as Record<string, unknown>;
    e.exe = this.exes.get(r.pid) ?? '';
    e.ts = monotonicToEpochMs(tsNs);
    this.out.push(e as unknown as TraceEvent);
  };

  /** The queued events, and an empty queue (a shared empty array when nothing was queued: most ring records finish no record). */
  take(): TraceEvent[] {
    if (!this.out.length) return NONE;
    const got = this.out;
    this.out = [];
    return got;
  }
}
