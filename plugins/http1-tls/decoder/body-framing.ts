// Delimits one message body in a byte stream that may have holes: bytes the
// BPF side did not capture but whose count is known (a call longer than its
// per-call cap). Counted holes inside known-length regions keep the framing;
// a hole over framing bytes we need (a chunk-size line, trailers) loses it.
// Chunked coding: RFC 9112 §7.1.
import type { Framing } from './head';
import { MAX_CHUNK_LINE } from './types';

/** Receives the decoded body: bytes seen, and counts of bytes not captured. */
export interface BodySink {
  /** bytes[from, to) are body (a range, not a view: most bodies are only counted). */
  data(bytes: Buffer, from: number, to: number): void;
  missing(count: number): void;
}

export type FramerState = 'body' | 'done' | 'lost';

export interface BodyFramer {
  readonly state: FramerState;
  /** Why framing was lost: a hole over framing bytes, or malformed chunk syntax. */
  readonly why: string;
  /** Consumes from data[pos..]; returns the index after the last byte of this body. */
  feed(data: Buffer, pos: number, sink: BodySink): number;
  /** Consumes up to `count` missing bytes; returns how many belonged to this body. */
  skip(count: number, sink: BodySink): number;
}

class NoBody implements BodyFramer {
  readonly state = 'done';
  readonly why = '';
  feed(_data: Buffer, pos: number): number { return pos; }
  skip(): number { return 0; }
}

class LengthBody implements BodyFramer {
  state: FramerState;
  readonly why = '';
  constructor(private left: number) { this.state = left > 0 ? 'body' : 'done'; }
  feed(data: Buffer, pos: number, sink: BodySink): number {
    const n = Math.min(this.left, data.length - pos);
    if (n > 0) sink.data(data, pos, pos + n);
    this.take(n);
    return pos + n;
  }
  skip(count: number, sink: BodySink): number {
    const n = Math.min(this.left, count);
    if (n > 0) sink.missing(n);
    this.take(n);
    return n;
  }
  private take(n: number): void {
    this.left -= n;
    if (this.left === 0) this.state = 'done';
  }
}

/** Runs until the connection closes (the caller ends it). */
class CloseBody implements BodyFramer {
  readonly state = 'body';
  readonly why = '';
  feed(data: Buffer, pos: number, sink: BodySink): number {
    if (pos < data.length) sink.data(data, pos, data.length);
    return data.length;
  }
  skip(count: number, sink: BodySink): number {
    sink.missing(count);
    return count;
  }
}

const CR = 0x0d, LF = 0x0a;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,15})[ \t]*(?:;.*)?$/;

class ChunkedBody implements BodyFramer {
  state: FramerState = 'body';
  why = '';
  // size: reading a chunk-size line; data: in chunk data; crlf: the CRLF after
  // chunk data; trailer: reading trailer lines until an empty one.
  private phase: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private line = '';
  private trailerBytes = 0;
  private left = 0;

  constructor(private readonly maxTrailer: number) {}

  feed(data: Buffer, pos: number, sink: BodySink): number {
    while (pos < data.length && this.state === 'body') {
      if (this.phase === 'data') {
        const n = Math.min(this.left, data.length - pos);
        sink.data(data, pos, pos + n);
        pos += n;
        this.left -= n;
        if (this.left === 0) { this.phase = 'crlf'; this.left = 2; }
      } else if (this.phase === 'crlf') {
        const b = data[pos++]!;
        if (b === LF) this.phase = 'size';
        else if (b === CR && this.left === 2) this.left = 1;
        else this.lose('no CRLF after chunk data');
      } else {
        pos = this.readLine(data, pos);
      }
    }
    return pos;
  }

  skip(count: number, sink: BodySink): number {
    let used = 0;
    while (used < count && this.state === 'body') {
      if (this.phase === 'size' || this.phase === 'trailer') {
        this.lose('chunk framing bytes were not captured');
        break;
      }
      const n = Math.min(this.left, count - used);
      if (this.phase === 'data') sink.missing(n);
      used += n;
      this.left -= n;
      if (this.left === 0) {
        if (this.phase === 'data') { this.phase = 'crlf'; this.left = 2; } else this.phase = 'size';
      }
    }
    return used;
  }

  private readLine(data: Buffer, pos: number): number {
    const lf = data.indexOf(LF, pos);
    const end = lf < 0 ? data.length : lf;
    this.line += data.toString('latin1', pos, end);
    const limit = this.phase === 'size' ? MAX_CHUNK_LINE : this.maxTrailer - this.trailerBytes;
    if (this.line.length > limit) { this.lose(`${this.phase === 'size' ? 'chunk-size line' : 'trailer section'} too long`); return end; }
    if (lf < 0) return end;
    const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
    this.line = '';
    if (this.phase === 'trailer') {
      this.trailerBytes += line.length + 2;
      if (line === '') this.state = 'done';
    } else {
      const m = CHUNK_SIZE.exec(line);
      if (!m) this.lose(`bad chunk-size line ${JSON.stringify(line.slice(0, 32))}`);
      else if ((this.left = parseInt(m[1]!, 16)) === 0) this.phase = 'trailer';
      else this.phase = 'data';
    }
    return lf + 1;
  }

  private lose(why: string): void {
    this.state = 'lost';
    this.why = why;
  }
}

/** A framer for a body delimited as `framing` says. */
export function createFramer(framing: Framing, maxTrailer: number): BodyFramer {
  switch (framing.kind) {
    case 'none': return new NoBody();
    case 'length': return new LengthBody(framing.length);
    case 'close': return new CloseBody();
    case 'chunked': return new ChunkedBody(maxTrailer);
  }
}
