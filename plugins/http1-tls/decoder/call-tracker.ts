// Turns the chunks of one direction back into calls: where each call starts,
// and how many of its bytes were never captured. A call larger than the BPF
// per-call cap ends early: its last chunk has fewer bytes than the call had
// left. Whether a chunk is the last is only known when something else
// follows, so the missing tail is counted when the next call starts (in
// either direction: the BPF side emits all chunks of a call from one probe
// run, so a later call's chunk means the earlier call is complete) or when
// the connection ends.
import type { CapturedChunk } from './types';

/** What a tracker drives: a MessageStream. */
export interface CallSink {
  startCall(ts: number, tcpSeq: number | null, goid: number | null): void;
  data(bytes: Buffer): void;
  skip(count: number): void;
}

export class CallTracker {
  private open = false;
  private callLen = 0;
  /** Bytes of the open call accounted for: captured or counted missing. */
  private pos = 0;

  constructor(private readonly sink: CallSink) {}

  /** Whether `c` begins a new call (rather than continuing the open one, or being a late chunk of a closed one). */
  startsCall(c: CapturedChunk): boolean {
    return !this.continues(c) && !this.isLate(c);
  }

  /** Feeds one chunk. */
  push(c: CapturedChunk): void {
    // A late chunk's bytes were already counted as missing when its call was closed.
    if (this.isLate(c)) return;
    if (!this.continues(c)) {
      this.close();
      this.open = true;
      this.callLen = c.callLen;
      this.pos = 0;
      this.sink.startCall(c.ts, c.tcpSeq, c.goid);
    }
    if (c.offset > this.pos) {
      // Chunks in between were lost (ring buffer full): their size is known.
      this.sink.skip(c.offset - this.pos);
      this.pos = c.offset;
    }
    const n = Math.min(c.data.length, this.callLen - this.pos);
    if (n > 0) this.sink.data(n === c.data.length ? c.data : c.data.subarray(0, n));
    this.pos += n;
    if (this.pos >= this.callLen) this.open = false;
  }

  private continues(c: CapturedChunk): boolean {
    return this.open && c.offset > 0 && c.callLen === this.callLen && c.offset >= this.pos;
  }

  /**
   * A chunk of the last call that comes after later chunks of it, or after
   * the call was closed. (A new call of the same length whose first chunks
   * were lost looks the same; that is rarer, and dropping it only loses bytes
   * a resync then skips.)
   */
  private isLate(c: CapturedChunk): boolean {
    return c.offset > 0 && c.callLen === this.callLen && !this.continues(c);
  }

  /** No more chunks of the open call will come: count its missing tail. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    if (this.pos < this.callLen) {
      const missing = this.callLen - this.pos;
      this.pos = this.callLen;
      this.sink.skip(missing);
    }
  }
}
