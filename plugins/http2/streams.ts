// Assembles per-field events into one record per HTTP/2 stream. A stream is
// keyed by (pid, *Framer, stream id): the Framer is one per connection. State
// is bounded: at most `maxStreams` open streams (the oldest is reported with
// an error when more come), and streams older than `maxAgeNs` expire.
import { BoundedTable } from '../../core/plugin-kit/bounded-table';
import { addField, DEFAULT_REDACT, shownValue } from '../../core/plugin-kit/headers';
export { addField, DEFAULT_REDACT, shownValue };
import type { RawEvent } from './layout';


export interface Http2Record {
  readonly type: 'http2';
  readonly role: 'server';
  readonly tls: boolean | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly authority: string | null;
  readonly scheme: string | null;
  readonly status: number | null;
  readonly streamId: number;
  readonly reqHeaders: Record<string, string>;
  readonly respHeaders: Record<string, string>;
  readonly reqBodySize: number;
  readonly respBodySize: number;
  readonly latencyNs: number | null;
  readonly local: string | null;
  readonly remote: string | null;
  readonly fd: number | null;
  readonly reqTcpSeq: null;
  readonly respTcpSeq: null;
  readonly pid: number;
  readonly goid: number | null;
  /** Monotonic ns of the request HEADERS; the runtime turns it into epoch ms. */
  readonly tsNs: bigint;
  readonly error?: string;
}

interface Stream {
  readonly begin: RawEvent;
  readonly req: Record<string, string>;
  readonly resp: Record<string, string>;
  status: number | null;
  reqBody: number;
  respBody: number;
  headersDone: boolean;
}

export interface StreamOptions {
  readonly redact?: ReadonlySet<string>;
  readonly maxStreams?: number;
  readonly maxAgeNs?: bigint;
}

/** A header field into `h`; a repeated name's values are joined with ", ". */

export class StreamAssembler {
  private readonly open: BoundedTable<Stream>;
  private readonly redact: ReadonlySet<string>;

  constructor(private readonly onRecord: (r: Http2Record) => void, opts: StreamOptions = {}) {
    this.redact = opts.redact ?? new Set(DEFAULT_REDACT);
    this.open = new BoundedTable<Stream>((s) => s.begin.ts, (k, s, nowNs, why) => {
      this.finish(k, s, nowNs, why === 'full' ? 'too many open streams: the oldest was dropped' : 'no response within the stream expiry');
    }, { max: opts.maxStreams, maxAgeNs: opts.maxAgeNs });
  }

  push(e: RawEvent): void {
    const key = `${e.pid}:${e.framer.toString(16)}:${e.streamId}`;
    if (e.kind === 'req-begin') {
      const old = this.open.get(key);
      if (old) this.finish(key, old, e.ts, 'the connection was replaced before the stream was answered');
      this.open.set(key, { begin: e, req: {}, resp: {}, status: null, reqBody: 0, respBody: 0, headersDone: false }, e.ts);
      return;
    }
    const s = this.open.get(key);
    if (!s) return; // a stream begun before tracing, or a client's frames
    switch (e.kind) {
      case 'req-field': addField(s.req, e.name, shownValue(this.redact, e)); break;
      case 'resp-field': if (!s.headersDone) addField(s.resp, e.name, shownValue(this.redact, e)); break;
      case 'resp-end':
        // httpResCode 0 is a trailers-only HEADERS: it can end the stream but carries no status.
        if (e.n !== 0 && !s.headersDone) { s.status = e.n; s.headersDone = true; }
        if (e.endStream) this.finish(key, s, e.ts);
        break;
      case 'data-out':
        s.respBody += e.n;
        if (e.endStream) this.finish(key, s, e.ts);
        break;
      case 'data-in': s.reqBody += e.n; break;
    }
  }

  /** Every open stream, reported unanswered (tracing stops). */
  flush(nowNs: bigint): void {
    for (const [k, s] of this.open.entries()) this.finish(k, s, nowNs, 'no response seen before tracing stopped');
  }

  /** A process is gone: its open streams are reported. */
  forgetPid(pid: number, nowNs: bigint): void {
    for (const [k, s] of this.open.entries()) if (s.begin.pid === pid) this.finish(k, s, nowNs, 'the process stopped being traced before the stream was answered');
  }

  get size(): number {
    return this.open.size;
  }

  private finish(key: string, s: Stream, endNs: bigint, error?: string): void {
    this.open.delete(key);
    const b = s.begin, r = s.req;
    this.onRecord({
      type: 'http2', role: 'server', tls: b.tls, method: r[':method'] ?? null, path: r[':path'] ?? null, authority: r[':authority'] ?? null,
      scheme: r[':scheme'] ?? null, status: s.status, streamId: b.streamId, reqHeaders: r, respHeaders: s.resp,
      reqBodySize: s.reqBody, respBodySize: s.respBody, latencyNs: error ? null : Number(endNs - b.ts),
      local: b.local, remote: b.remote, fd: b.fd >= 0 ? b.fd : null, reqTcpSeq: null, respTcpSeq: null, pid: b.pid, goid: b.goid, tsNs: b.ts,
      ...(error ? { error } : {}),
    });
  }
}
