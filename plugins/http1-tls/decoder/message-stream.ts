// One direction of a connection as a sequence of HTTP/1.x messages: finds
// each head, frames its body, and carries on across any split of the bytes
// into calls and chunks. Bytes not captured arrive as counted holes (skip).
// After garbage or a hole where a head should be, it resyncs: it looks for a
// valid start line at the start of a later call and drops bytes until then.
import { createFramer, type BodyFramer } from './body-framing';
import { parseHead, type Framing } from './head';
import { Message, type CallPoint } from './message';
import { StartFinder, type StartKind } from './start-line';

/** The connection a stream reports to. */
export interface StreamHost {
  /** The first line says `kind`; false when this stream must not carry that kind. */
  started(stream: MessageStream, kind: StartKind): boolean;
  /** A head was parsed: returns its body framing (or why it cannot be framed) and keeps `msg`. */
  head(stream: MessageStream, msg: Message): Framing | string;
  /** `msg` ended: whole, with a lost framing (sizeAtLeast), or with an error. */
  ended(stream: MessageStream, msg: Message): void;
  /** A message's head was not captured. */
  lost(stream: MessageStream): void;
  /**
   * Bytes that should be HTTP/1 are not; the stream resyncs after. `inHead`:
   * where a message should have started (so that message is lost), rather
   * than inside a body that already ended as a message.
   */
  garbage(stream: MessageStream, why: string, inHead: boolean): void;
}

export interface StreamOptions {
  readonly maxBody: number;
  readonly maxHead: number;
  readonly tls: boolean;
}

type Mode = 'idle' | 'head' | 'body' | 'resync' | 'dead';
const CR = 0x0d, LF = 0x0a;

export class MessageStream {
  private mode: Mode = 'idle';
  /** The head being read began while resyncing: if it is not a start line, resync silently. */
  private tentative = false;
  private headBuf = Buffer.alloc(0);
  private headLen = 0;
  /** Head terminator scan: 0 in a line, 1 after LF, 2 after LF CR. */
  private nl = 0;
  private readonly finder = new StartFinder<CallPoint>();
  private headStart: CallPoint = { ts: 0, tcpSeq: null, goid: null };
  private msg: Message | null = null;
  private framer: BodyFramer | null = null;
  private framing: Framing['kind'] = 'none';
  private call = { ts: 0, tcpSeq: null as number | null, goid: null as number | null, pos: 0 };

  constructor(readonly direction: 'write' | 'read', private readonly host: StreamHost, private readonly opts: StreamOptions) {}

  /** A new Read/Write call begins. */
  startCall(ts: number, tcpSeq: number | null, goid: number | null): void {
    this.call = { ts, tcpSeq, goid, pos: 0 };
    if (this.mode === 'resync') { this.mode = 'idle'; this.tentative = true; }
    if (this.mode === 'head' && this.tentative) this.finder.addCandidate(this.headLen, this.pointAt(0));
  }

  /** Captured bytes of the current call. */
  data(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      if (this.mode === 'idle') pos = this.idle(buf, pos);
      else if (this.mode === 'head') pos = this.readHead(buf, pos);
      else if (this.mode === 'body') pos = this.readBody(buf, pos);
      else pos = buf.length;
    }
    this.call.pos += buf.length;
  }

  /** `count` bytes of the current call were not captured. */
  skip(count: number): void {
    this.call.pos += count;
    while (count > 0) {
      if (this.mode === 'body') {
        const used = this.framer!.skip(count, this.msg!);
        this.msg!.lastTs = this.call.ts;
        count -= used;
        if (this.framer!.state === 'done') this.finish();
        else if (this.framer!.state === 'lost') {
          this.msg!.sizeAtLeast = true;
          this.finish();
          if ((this.mode as Mode) !== 'dead') this.mode = 'resync';
          count = 0;
        }
        continue;
      }
      if ((this.mode === 'idle' || this.mode === 'head') && !this.tentative) this.host.lost(this);
      if (this.mode !== 'dead') this.mode = 'resync';
      count = 0;
    }
  }

  /** The connection or the tracing ends: an open message ends with `cause`. The stream is dead after. */
  end(cause: string): void {
    if (this.mode === 'body' && this.msg) {
      if (!(this.framing === 'close' && cause === 'connection closed')) {
        this.msg.error = `${cause} before the ${this.msg.head.kind} completed`;
      }
      this.finish();
    }
    this.kill();
  }

  /** The connection stopped speaking HTTP/1 (101 Switching Protocols, CONNECT). */
  kill(): void {
    this.mode = 'dead';
    this.msg = null;
    this.headBuf = Buffer.alloc(0);
  }

  private idle(buf: Buffer, pos: number): number {
    // RFC 9112 §2.2: empty lines before a start line are ignored.
    while (pos < buf.length && (buf[pos] === CR || buf[pos] === LF)) pos++;
    if (pos < buf.length) {
      this.headStart = this.pointAt(pos);
      this.headLen = 0;
      this.nl = 0;
      this.finder.reset(this.headStart);
      this.mode = 'head';
    }
    return pos;
  }

  /** Where byte `pos` of the current call's data is (see Http1Record.reqTcpSeq for the sequence number). */
  private pointAt(pos: number): CallPoint {
    const { ts, tcpSeq, goid } = this.call;
    const seq = tcpSeq === null ? null : this.opts.tls ? tcpSeq : (tcpSeq + this.call.pos + pos) >>> 0;
    return { ts, tcpSeq: seq, goid };
  }

  private readHead(buf: Buffer, pos: number): number {
    const end = Math.min(buf.length, pos + this.opts.maxHead - this.headLen);
    if (this.finder.undecided) {
      const found = this.finder.feed(buf, pos, end);
      if (found.verdict === 'no') return this.fail('not an HTTP/1 start line', buf);
      if (!('at' in found)) this.dropHead(this.finder.firstAt);
      else {
        this.dropHead(found.at);
        this.headStart = found.point;
        if (!this.host.started(this, found.verdict)) return this.fail(`unexpected ${found.verdict} on this side`, buf);
      }
    }
    const stop = this.scanTerminator(buf, pos, end);
    let head: ReturnType<typeof parseHead>;
    if (stop >= 0 && this.headLen === 0) {
      // The whole head is in this call's bytes (the usual case): parsed where it lies, not copied first.
      head = parseHead(buf, pos, stop);
    } else {
      this.append(buf, pos, stop < 0 ? end : stop);
      if (stop < 0) {
        return this.headLen >= this.opts.maxHead ? this.fail(`header section larger than ${this.opts.maxHead} bytes`, buf) : end;
      }
      head = parseHead(this.headBuf, 0, this.headLen);
    }
    this.releaseHead();
    if (typeof head === 'string') return this.fail(head, buf);
    const msg = new Message(head, this.headStart, this.opts.maxBody);
    msg.lastTs = this.call.ts;
    const framing = this.host.head(this, msg);
    if (typeof framing === 'string') return this.fail(framing, buf);
    this.tentative = false;
    this.msg = msg;
    this.framing = framing.kind;
    this.framer = createFramer(framing, this.opts.maxHead);
    this.mode = 'body';
    if (this.framer.state === 'done') this.finish();
    return stop;
  }

  private readBody(buf: Buffer, pos: number): number {
    const msg = this.msg!, framer = this.framer!;
    const next = framer.feed(buf, pos, msg);
    if (next > pos) msg.lastTs = this.call.ts;
    if (framer.state === 'done') this.finish();
    else if (framer.state === 'lost') {
      msg.sizeAtLeast = true;
      msg.error = `bad chunked body: ${framer.why}`;
      this.finish();
      return this.fail(framer.why, buf, false);
    }
    return next;
  }

  /** Index after the empty line ending the head in buf[pos, end), or -1. Resumable across calls. */
  private scanTerminator(buf: Buffer, pos: number, end: number): number {
    let i = pos;
    while (i < end) {
      if (this.nl === 0) {
        const lf = buf.indexOf(LF, i);
        if (lf < 0 || lf >= end) return -1;
        this.nl = 1;
        i = lf + 1;
        continue;
      }
      const b = buf[i++];
      if (b === LF) return i;
      this.nl = b === CR && this.nl === 1 ? 2 : 0;
    }
    return -1;
  }

  /** Forgets the first n head bytes (garbage before the start line a resync found). */
  private dropHead(n: number): void {
    if (n <= 0) return;
    this.headBuf.copyWithin(0, n, this.headLen);
    this.headLen -= n;
    this.finder.shift(n);
  }

  private append(buf: Buffer, from: number, to: number): void {
    const need = this.headLen + (to - from);
    if (need > this.headBuf.length) {
      const grown = Buffer.alloc(Math.min(this.opts.maxHead, Math.max(256, need, this.headBuf.length * 2)));
      this.headBuf.copy(grown, 0, 0, this.headLen);
      this.headBuf = grown;
    }
    buf.copy(this.headBuf, this.headLen, from, to);
    this.headLen = need;
  }

  private finish(): void {
    const msg = this.msg!;
    msg.done = true;
    this.msg = null;
    this.framer = null;
    this.mode = 'idle';
    this.host.ended(this, msg);
  }

  /** Not HTTP/1 where it should be: report (unless probing after a resync) and resync. */
  private fail(why: string, buf: Buffer, inHead = true): number {
    this.releaseHead();
    if (this.mode !== 'dead') {
      const silent = this.tentative;
      this.mode = 'resync';
      if (!silent) this.host.garbage(this, why, inHead);
    }
    return buf.length;
  }

  /** Heads are small; a buffer grown for a big one is not kept per connection. */
  private releaseHead(): void {
    this.headLen = 0;
    if (this.headBuf.length > 4096) this.headBuf = Buffer.alloc(0);
  }
}
