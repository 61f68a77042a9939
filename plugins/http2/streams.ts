// Assembles per-field events into one record per HTTP/2 stream and side. A
// stream is keyed by (pid, *Framer, stream id): the Framer is one per
// connection, on either side, and every probe of a side reaches the same one
// (serverConn.framer, ClientConn.fr, the receiver of Framer writes). A
// client's request fields come before its stream id is known (writeHeader,
// then writeHeaders on the same goroutine): they wait per (pid, goid).
// State is bounded: at most `maxStreams` open streams (the oldest is reported
// with an error when more come), streams older than `maxAgeNs` expire, and
// so do unclaimed client fields.
import { BoundedTable } from '../../core/plugin-kit/bounded-table';
import { addField, DEFAULT_REDACT, shownValue } from '../../core/plugin-kit/headers';
export { addField, DEFAULT_REDACT, shownValue };
import type { RawEvent } from './layout';

export interface Http2Record {
  readonly type: 'http2';
  readonly role: 'server' | 'client';
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
  /** The wire seq of the request's / response's HEADERS frame (docs/tcp-seqs.md); null when unknown. */
  readonly reqTcpSeq: number | null;
  readonly respTcpSeq: number | null;
  readonly pid: number;
  readonly goid: number | null;
  /** Monotonic ns of the request HEADERS; the runtime turns it into epoch ms. */
  readonly tsNs: bigint;
  readonly error?: string;
}

interface Stream {
  readonly role: 'server' | 'client';
  readonly begin: RawEvent;
  readonly req: Record<string, string>;
  resp: Record<string, string>;
  status: number | null;
  respSeq: number | null;
  reqBody: number;
  respBody: number;
  /** The request's END_STREAM was seen: a later HEADERS is a new request, not trailers. */
  reqEnded: boolean;
  headersDone: boolean;
  /** Client: fields of the response HEADERS still to come, and whether that HEADERS ends the stream. */
  fieldsLeft: number;
  endAfterFields: boolean;
}

interface Pending { readonly ts: bigint; readonly fields: RawEvent[] }

export interface StreamOptions {
  readonly redact?: ReadonlySet<string>;
  readonly maxStreams?: number;
  readonly maxAgeNs?: bigint;
}

/** RFC 9113 §7 error codes. */
const ERR_CODES = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];
const errName = (code: number): string => ERR_CODES[code] ?? `0x${code.toString(16)}`;
/** Client fields per HEADERS kept while waiting for their stream id; the BPF side sends at most this many per request anyway. */
const MAX_PENDING_FIELDS = 256;

export class StreamAssembler {
  private readonly open: BoundedTable<Stream>;
  private readonly pending: BoundedTable<Pending>;
  private readonly redact: ReadonlySet<string>;

  constructor(private readonly onRecord: (r: Http2Record) => void, opts: StreamOptions = {}) {
    this.redact = opts.redact ?? new Set(DEFAULT_REDACT);
    this.open = new BoundedTable<Stream>((s) => s.begin.ts, (k, s, nowNs, why) => {
      this.finish(k, s, nowNs, why === 'full' ? 'too many open streams: the oldest was dropped' : 'no response within the stream expiry');
    }, { max: opts.maxStreams, maxAgeNs: opts.maxAgeNs });
    // Fields whose writeHeaders never came (encodeHeaders failed): dropped, there is no stream to report.
    this.pending = new BoundedTable<Pending>((p) => p.ts, () => {}, { max: opts.maxStreams, maxAgeNs: 10_000_000_000n });
  }

  push(e: RawEvent): void {
    const key = `${e.pid}:${e.framer}:${e.streamId}`;
    if (e.kind === 'creq-field') {
      if (e.goid === null) return;
      const gk = `${e.pid}:${e.goid}`;
      const p = this.pending.get(gk) ?? { ts: e.ts, fields: [] };
      if (p.fields.length < MAX_PENDING_FIELDS) p.fields.push(e);
      this.pending.set(gk, p, e.ts);
      return;
    }
    if (e.kind === 'req-begin' || e.kind === 'creq-begin') {
      this.begin(key, e);
      return;
    }
    if (e.kind === 'conn-closed') {
      const prefix = `${e.pid}:${e.framer}:`;
      for (const [k, s] of this.open.entries()) if (k.startsWith(prefix)) this.finish(k, s, e.ts, 'the connection closed before the stream was answered');
      return;
    }
    const s = this.open.get(key);
    if (!s) return; // a stream begun before tracing, or already reported
    switch (e.kind) {
      case 'req-field': addField(s.req, e.name, shownValue(this.redact, e)); break;
      case 'resp-field': if (!s.headersDone) addField(s.resp, e.name, shownValue(this.redact, e)); break;
      case 'resp-end':
        // httpResCode 0 is a trailers-only HEADERS: it can end the stream but carries no status.
        if (e.n !== 0 && !s.headersDone) { s.status = e.n; s.respSeq = e.tcpSeq; s.headersDone = true; }
        if (e.endStream) this.finish(key, s, e.ts);
        break;
      case 'cresp-begin':
        // A final response replaces a 1xx one; its fields follow this event (at most 32, the BPF side's bound).
        // After the final response this is its trailers (processTrailers): they only end the stream, as on the server side.
        if (!s.headersDone) { s.resp = {}; s.respSeq = e.tcpSeq; }
        s.fieldsLeft = Math.min(e.count, 32);
        s.endAfterFields = e.endStream;
        if (s.fieldsLeft === 0) this.headersEnd(key, s, e.ts);
        break;
      case 'cresp-field':
        if (s.fieldsLeft <= 0) break;
        if (!s.headersDone) {
          addField(s.resp, e.name, shownValue(this.redact, e));
          if (e.name === ':status') s.status = Number(e.value) || null;
        }
        if (--s.fieldsLeft === 0) this.headersEnd(key, s, e.ts);
        break;
      case 'data-out':
        if (s.role === 'client') {
          s.reqBody += e.n;
          if (e.endStream) s.reqEnded = true;
        } else {
          s.respBody += e.n;
          if (e.endStream) this.finish(key, s, e.ts);
        }
        break;
      case 'data-in':
        s.reqBody += e.n;
        if (e.endStream) s.reqEnded = true;
        break;
      case 'cdata-in':
        s.respBody += e.n;
        if (e.endStream) this.finish(key, s, e.ts);
        break;
      case 'rst-out': this.finish(key, s, e.ts, `reset by this side: RST_STREAM ${errName(e.n)}`, true); break;
      case 'rst-in': this.finish(key, s, e.ts, `reset by the peer: RST_STREAM ${errName(e.n)}`, true); break;
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
    return this.open.size + this.pending.size;
  }

  /**
   * A request HEADERS. On a stream already open whose request has not ended,
   * with END_STREAM and no pseudo-headers, it is the request's trailers
   * (RFC 9113 §8.1): its
   * fields join the request's. Otherwise a new stream, and an open one under
   * the same key belonged to a connection gone (its *Framer reused).
   */
  private begin(key: string, e: RawEvent): void {
    const role = e.kind === 'creq-begin' ? 'client' : 'server';
    let fields: RawEvent[] = [];
    if (role === 'client' && e.goid !== null) {
      const gk = `${e.pid}:${e.goid}`;
      const p = this.pending.get(gk);
      this.pending.delete(gk);
      // Only fields written for this connection: the goroutine holds cc.wmu from encodeHeaders to writeHeaders.
      fields = (p?.fields ?? []).filter((f) => f.framer === e.framer);
    }
    const old = this.open.get(key);
    const isNew = role === 'client' ? fields.some((f) => f.name === ':method') : true;
    if (old && !old.reqEnded && e.endStream && (role === 'server' || !isNew)) {
      for (const f of fields) addField(old.req, f.name, shownValue(this.redact, f));
      if (e.endStream) old.reqEnded = true;
      return;
    }
    if (old) this.finish(key, old, e.ts, 'the connection was replaced before the stream was answered');
    const s: Stream = { role, begin: e, req: {}, resp: {}, status: null, respSeq: null, reqBody: 0, respBody: 0, reqEnded: e.endStream, headersDone: false, fieldsLeft: 0, endAfterFields: false };
    for (const f of fields) addField(s.req, f.name, shownValue(this.redact, f));
    this.open.set(key, s, e.ts);
  }

  /** Client: a response HEADERS block is complete; a 1xx one leaves the final response to come. */
  private headersEnd(key: string, s: Stream, ts: bigint): void {
    if (s.status !== null && s.status >= 200) s.headersDone = true;
    if (s.endAfterFields) this.finish(key, s, ts);
  }

  private finish(key: string, s: Stream, endNs: bigint, error?: string, reset = false): void {
    this.open.delete(key);
    const b = s.begin, r = s.req;
    this.onRecord({
      type: 'http2', role: s.role, tls: b.tls, method: r[':method'] ?? null, path: r[':path'] ?? null, authority: r[':authority'] ?? null,
      scheme: r[':scheme'] ?? null, status: error ? null : s.status, streamId: b.streamId, reqHeaders: r, respHeaders: s.resp,
      reqBodySize: s.reqBody, respBodySize: s.respBody, latencyNs: error && !reset ? null : Number(endNs - b.ts),
      local: b.local, remote: b.remote, fd: b.fd >= 0 ? b.fd : null, reqTcpSeq: b.tcpSeq, respTcpSeq: s.respSeq, pid: b.pid, goid: b.goid, tsNs: b.ts,
      ...(error ? { error } : {}),
    });
  }
}
