// One HTTP message as it is being read from a stream: its head, where and
// when it started and ended, and what is known of its body.
import { BodyCapture } from './body-capture';
import type { BodySink } from './body-framing';
import type { ParsedHead } from './head';

/** Where the current call stands; set by the stream for every call. */
export interface CallPoint {
  readonly ts: number;
  /** TCP sequence number of the message's first byte (see Http1Record.reqTcpSeq). */
  readonly tcpSeq: number | null;
  readonly goid: number | null;
}

export class Message implements BodySink {
  bodySize = 0;
  /** ts of the call that carried the last byte seen so far. */
  lastTs: number;
  /** Body bytes were not captured (counted holes). */
  truncated = false;
  /** The body's framing was lost: bodySize is a lower bound. */
  sizeAtLeast = false;
  done = false;
  /** Set when the message ended abnormally (connection closed mid-body, ...). */
  error: string | undefined;
  private readonly capture: BodyCapture;

  constructor(readonly head: ParsedHead, readonly start: CallPoint, maxBody: number) {
    this.lastTs = start.ts;
    this.capture = new BodyCapture(maxBody);
  }

  data(bytes: Buffer, from: number, to: number): void {
    this.bodySize += to - from;
    this.capture.add(bytes, from, to);
  }

  missing(count: number): void {
    this.bodySize += count;
    this.truncated = true;
    this.capture.hole();
  }

  body(): string | undefined {
    return this.capture.render(this.bodySize);
  }
}
