// Decides, byte by byte, whether a message starts with an HTTP/1.x request
// line (`METHOD SP target SP HTTP/1.d CRLF`) or status line (`HTTP/1.d SP ddd`),
// so that non-HTTP/1 bytes (the HTTP/2 preface, TLS records, other protocols)
// are turned away after a few bytes instead of after a whole header buffer.
// Grammar: RFC 9112 §3 and §4. It is resumable: a line may come one byte per call.
import { MAX_START_LINE } from './types';

export type StartKind = 'request' | 'response';
export type SniffResult = StartKind | 'no' | 'more';

/** tchar from RFC 9110 §5.6.2: the characters a method token (or a field name) may hold. */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
const MAX_METHOD = 32;
const VERSION = Buffer.from('HTTP/1.', 'latin1');
const SP = 0x20, CR = 0x0d, LF = 0x0a;
const DEAD = -1;

export function isDigit(b: number): boolean { return b >= 0x30 && b <= 0x39; }

export class StartLineSniffer {
  private result: SniffResult = 'more';
  private seen = 0;
  // Request branch: 0 method, 1 target, 2 "HTTP/1." + digit, 3 after digit, 4 after CR.
  private req = 0;
  private reqN = 0;
  // Response branch: position in `HTTP/1.d SP ddd (SP|CR|LF)`, 0..12.
  private resp = 0;

  get decided(): SniffResult { return this.result; }

  /** Feeds data[start, end); returns the verdict once the bytes decide it. */
  feed(data: Buffer, start = 0, end = data.length): SniffResult {
    for (let i = start; i < end && this.result === 'more'; i++) this.step(data[i]!);
    return this.result;
  }

  private step(b: number): void {
    if (++this.seen > MAX_START_LINE) { this.result = 'no'; return; }
    if (this.req !== DEAD) this.req = this.stepRequest(b);
    if (this.result !== 'more') return;
    if (this.resp !== DEAD) this.resp = this.stepResponse(b);
    if (this.result === 'more' && this.req === DEAD && this.resp === DEAD) this.result = 'no';
  }

  private stepRequest(b: number): number {
    switch (this.req) {
      case 0:
        if (b === SP) return this.reqN > 0 ? (this.reqN = 0, 1) : DEAD;
        return TCHAR[b] && ++this.reqN <= MAX_METHOD ? 0 : DEAD;
      case 1:
        // Visible ASCII, plus raw bytes >= 0x80 that lenient servers accept.
        if (b === SP) return this.reqN > 0 ? (this.reqN = 0, 2) : DEAD;
        this.reqN++;
        return (b > SP && b < 0x7f) || b >= 0x80 ? 1 : DEAD;
      case 2:
        if (this.reqN < VERSION.length) return b === VERSION[this.reqN++] ? 2 : DEAD;
        return isDigit(b) ? 3 : DEAD;
      case 3:
        if (b === CR) return 4;
        if (b === LF) this.result = 'request';
        return b === LF ? 3 : DEAD;
      case 4:
        if (b === LF) this.result = 'request';
        return b === LF ? 4 : DEAD;
      default:
        return DEAD;
    }
  }

  private stepResponse(b: number): number {
    const p = this.resp;
    let ok: boolean;
    if (p < VERSION.length) ok = b === VERSION[p];
    else if (p === 7 || (p >= 9 && p <= 11)) ok = isDigit(b);
    else if (p === 8) ok = b === SP;
    else {
      ok = b === SP || b === CR || b === LF;
      if (ok) this.result = 'response';
    }
    return ok ? p + 1 : DEAD;
  }
}

/** Verdict for a whole buffer at once (tests, resync probes). */
export function sniffStartLine(data: Buffer): SniffResult {
  return new StartLineSniffer().feed(data);
}

interface Candidate<P> {
  readonly sniffer: StartLineSniffer;
  /** Where the candidate starts, in bytes since the first candidate of this search. */
  at: number;
  readonly point: P;
}

export type FindResult<P> =
  | { readonly verdict: 'more' | 'no' }
  | { readonly verdict: StartKind; readonly at: number; readonly point: P };

/**
 * Sniffs several possible message starts at once: after garbage or a hole,
 * the next message may begin at any later call boundary, including inside
 * bytes still undecided for an earlier boundary (net/http's background read
 * takes one byte, the next call the rest). The earliest start that turns out
 * to be a start line wins.
 */
export class StartFinder<P> {
  /** Bounds the work per byte while many short calls stay undecided; the oldest gives way. */
  static readonly MAX_CANDIDATES = 16;
  private cands: Array<Candidate<P>> = [];

  /** Begins a search with one candidate at byte 0. */
  reset(point: P): void {
    this.cands = [{ sniffer: new StartLineSniffer(), at: 0, point }];
  }

  get undecided(): boolean {
    return this.cands.length > 0 && this.cands.every((c) => c.sniffer.decided === 'more');
  }

  /** A call boundary at byte `at` may also be where the message starts. */
  addCandidate(at: number, point: P): void {
    if (!this.undecided) return;
    if (this.cands.length >= StartFinder.MAX_CANDIDATES) this.cands.shift();
    this.cands.push({ sniffer: new StartLineSniffer(), at, point });
  }

  /** Feeds data[start, end) to every candidate. */
  feed(data: Buffer, start: number, end: number): FindResult<P> {
    let alive = 0;
    for (const c of this.cands) {
      const v = c.sniffer.feed(data, start, end);
      if (v === 'request' || v === 'response') {
        this.cands = [c];
        return { verdict: v, at: c.at, point: c.point };
      }
      if (v === 'more') this.cands[alive++] = c;
    }
    this.cands.length = alive;
    return { verdict: alive === 0 ? 'no' : 'more' };
  }

  /** Bytes before this offset belong to no live candidate. */
  get firstAt(): number {
    return this.cands[0]?.at ?? 0;
  }

  /** The caller dropped the first `n` bytes. */
  shift(n: number): void {
    for (const c of this.cands) c.at -= n;
  }
}
