// Assembles HEADERS blocks, body sizes and resets into one record per HTTP/2
// stream and side. A stream is keyed by (pid, *Framer, stream id): the
// Framer is one per connection, on either side, and every probe of a side
// reaches the same one (serverConn.framer, ClientConn.fr, the receiver of
// Framer writes). Each HEADERS block arrives whole, in one record (the BPF
// side gathers a client's request fields per goroutine until writeHeaders
// gives their stream id). State is bounded: at most `maxStreams` open streams
// (the oldest is reported with an error when more come), and streams older
// than `maxAgeNs` expire.
import { BoundedList, type BoundedNode } from '../../core/plugin-kit/bounded-list';
import { streamKey, TwoLevelIndex } from '../../core/plugin-kit/two-level-index';
import { addField, DEFAULT_REDACT, shownValue } from '../../core/plugin-kit/headers';
export { addField, DEFAULT_REDACT, shownValue };
import type { BlockField } from '../../core/plugin-kit/header-block';
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
  /** A response's trailers (a HEADERS block after its headers, RFC 9113 §8.1): gRPC's grpc-status travels here. */
  readonly respTrailers: Record<string, string>;
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
  /** Placeholders the runtime's RecordQueue fills ('' and 0): the process's exe, and the request HEADERS' time in epoch ms. */
  exe: string;
  ts: number;
  readonly error?: string;
}

interface Stream {
  readonly role: 'server' | 'client';
  readonly begin: RawEvent;
  readonly req: Record<string, string>;
  resp: Record<string, string>;
  /** Empty until a HEADERS block follows the final response headers. */
  trailers: Record<string, string>;
  status: number | null;
  respSeq: number | null;
  reqBody: number;
  respBody: number;
  /** The request's END_STREAM was seen: a later HEADERS is a new request, not trailers. */
  reqEnded: boolean;
  headersDone: boolean;
  /** Its place among the open streams (set as it begins). */
  node: BoundedNode<Stream> | null;
}

export interface StreamOptions {
  readonly redact?: ReadonlySet<string>;
  readonly maxStreams?: number;
  readonly maxAgeNs?: bigint;
}

/** RFC 9113 §7 error codes. */
const ERR_CODES = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];
const errName = (code: number): string => ERR_CODES[code] ?? `0x${code.toString(16)}`;

export class StreamAssembler {
  /** Open streams in the order they began, bounded (the oldest is evicted); each stream keeps its node. */
  private readonly open: BoundedList<Stream>;
  /**
   * The same streams by framer, then pid and stream id: numbers, not a
   * string key built per event, and not a Map, whose churn made V8 promote
   * every stream (core/plugin-kit/number-table.ts).
   */
  private readonly byFramer = new TwoLevelIndex<Stream>();
  private readonly redact: ReadonlySet<string>;

  constructor(private readonly onRecord: (r: Http2Record, tsNs: bigint) => void, opts: StreamOptions = {}) {
    this.redact = opts.redact ?? new Set(DEFAULT_REDACT);
    this.open = new BoundedList<Stream>((s) => s.begin.ts, (s, nowNs, why) => {
      this.finish(s, nowNs, why === 'full' ? 'too many open streams: the oldest was dropped' : 'no response within the stream expiry');
    }, { max: opts.maxStreams, maxAgeNs: opts.maxAgeNs });
  }

  push(e: RawEvent): void {
    if (e.kind === 'req-headers' || e.kind === 'creq-headers') {
      this.begin(e);
      return;
    }
    if (e.kind === 'conn-closed') {
      for (const n of this.open.nodes()) {
        const b = n.value.begin;
        if (b.pid === e.pid && b.framer === e.framer) this.finish(n.value, e.ts, 'the connection closed before the stream was answered');
      }
      return;
    }
    const s = this.byFramer.get(e.framer, streamKey(e.pid, e.streamId));
    if (!s) return; // a stream begun before tracing, or already reported
    switch (e.kind) {
      case 'resp-headers':
        // httpResCode 0 is a trailers-only HEADERS: it can end the stream but carries no status.
        if (!s.headersDone) {
          this.addFields(s.resp, e.fields);
          if (e.n !== 0) { s.status = e.n; s.respSeq = e.tcpSeq; s.headersDone = true; }
        } else {
          this.addFields(s.trailers, e.fields); // after the headers: trailers
        }
        if (e.endStream) this.finish(s, e.ts);
        break;
      case 'cresp-headers':
        // A final response replaces a 1xx one. After the final response this is
        // its trailers (processTrailers), which end the stream.
        if (s.headersDone) this.addFields(s.trailers, e.fields);
        else {
          s.resp = {};
          s.respSeq = e.tcpSeq;
          this.addFields(s.resp, e.fields);
          const status = e.fields.find((f) => f.name === ':status');
          if (status) s.status = Number(status.value) || null;
          if (s.status !== null && s.status >= 200) s.headersDone = true;
        }
        if (e.endStream) this.finish(s, e.ts);
        break;
      case 'data-out':
        if (s.role === 'client') {
          s.reqBody += e.n;
          if (e.endStream) s.reqEnded = true;
        } else {
          s.respBody += e.n;
          if (e.endStream) this.finish(s, e.ts);
        }
        break;
      case 'data-in':
        s.reqBody += e.n;
        if (e.endStream) s.reqEnded = true;
        break;
      case 'cdata-in':
        s.respBody += e.n;
        if (e.endStream) this.finish(s, e.ts);
        break;
      case 'rst-out': this.finish(s, e.ts, `reset by this side: RST_STREAM ${errName(e.n)}`, true); break;
      case 'rst-in': this.finish(s, e.ts, `reset by the peer: RST_STREAM ${errName(e.n)}`, true); break;
    }
  }

  /** Every open stream, reported unanswered (tracing stops). */
  flush(nowNs: bigint): void {
    for (const n of this.open.nodes()) this.finish(n.value, nowNs, 'no response seen before tracing stopped');
  }

  /** A process is gone: its open streams are reported. */
  forgetPid(pid: number, nowNs: bigint): void {
    for (const n of this.open.nodes()) if (n.value.begin.pid === pid) this.finish(n.value, nowNs, 'the process stopped being traced before the stream was answered');
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * A request HEADERS. On a stream already open whose request has not ended,
   * with END_STREAM and no pseudo-headers, it is the request's trailers
   * (RFC 9113 §8.1): its
   * fields join the request's. Otherwise a new stream, and an open one under
   * the same key belonged to a connection gone (its *Framer reused).
   */
  private begin(e: RawEvent): void {
    const role = e.kind === 'creq-headers' ? 'client' : 'server';
    const old = this.byFramer.get(e.framer, streamKey(e.pid, e.streamId));
    const isNew = role === 'client' ? e.fields.some((f) => f.name === ':method') : true;
    if (old && !old.reqEnded && e.endStream && (role === 'server' || !isNew)) {
      this.addFields(old.req, e.fields);
      old.reqEnded = true;
      return;
    }
    if (old) this.finish(old, e.ts, 'the connection was replaced before the stream was answered');
    const s: Stream = { role, begin: e, req: {}, resp: {}, trailers: {}, status: null, respSeq: null, reqBody: 0, respBody: 0, reqEnded: e.endStream, headersDone: false, node: null };
    this.addFields(s.req, e.fields);
    this.byFramer.add(e.framer, streamKey(e.pid, e.streamId), s);
    s.node = this.open.add(s, e.ts); // may evict the oldest, never s
  }

  private addFields(h: Record<string, string>, fields: readonly BlockField[]): void {
    for (const f of fields) addField(h, f.name, shownValue(this.redact, f));
  }

  private finish(s: Stream, endNs: bigint, error?: string, reset = false): void {
    const b = s.begin, r = s.req;
    if (s.node) this.open.remove(s.node);
    this.byFramer.remove(b.framer, streamKey(b.pid, b.streamId), s);
    const rec: Http2Record = {
      type: 'http2', role: s.role, tls: b.tls, method: r[':method'] ?? null, path: r[':path'] ?? null, authority: r[':authority'] ?? null,
      scheme: r[':scheme'] ?? null, status: error ? null : s.status, streamId: b.streamId, reqHeaders: r, respHeaders: s.resp, respTrailers: s.trailers,
      reqBodySize: s.reqBody, respBodySize: s.respBody, latencyNs: error && !reset ? null : Number(endNs - b.ts),
      local: b.local, remote: b.remote, fd: b.fd >= 0 ? b.fd : null, reqTcpSeq: b.tcpSeq, respTcpSeq: s.respSeq, pid: b.pid, goid: b.goid, exe: '', ts: 0,
    };
    // Most streams end without one: they are not copied to add it.
    this.onRecord(error ? { ...rec, error } : rec, b.ts);
  }
}
