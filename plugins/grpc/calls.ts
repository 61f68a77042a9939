// Assembles header-block and data events into one record per gRPC call and side.
// Server calls begin at the request headers (operateHeaders) and end when the
// server sends trailers (END_STREAM) or the client resets the stream.
// Client calls begin at the first event of their stream: the request headers
// leave from grpc's loopy writer goroutine, so the caller's first message can
// be seen before them. They end at (*http2Client).closeStream, which follows
// the trailers or is the cancel that sends RST_STREAM. A call is keyed by
// (role, pid, the connection's net.Conn data word, stream id); a server's
// DATA_IN, MSG_OUT and CLOSE name its transport (*http2Server) instead, which
// its request headers tie to the call (the BPF side saves a read). State is
// bounded: at most `maxCalls` open calls (the oldest is reported with an
// error when more come), and calls older than `maxAgeNs` expire.
import { BoundedList, type BoundedNode } from '../../core/plugin-kit/bounded-list';
import type { NumberTable } from '../../core/plugin-kit/number-table';
import { streamKey, TwoLevelIndex } from '../../core/plugin-kit/two-level-index';
import { SERVER_SIDE, type RawEvent } from './layout';
import type { JsonBytes, OwnJsonBytes } from '../../core/output/json-bytes';
import { writeGrpcRecord } from './record-json';

export interface GrpcRecord {
  readonly type: 'grpc';
  readonly role: 'server' | 'client';
  readonly tls: boolean | null;
  readonly method: string | null;
  readonly authority: string | null;
  readonly status: number | null;
  readonly grpcMessage: string | null;
  readonly streamId: number;
  /** Frozen: a header block seen before is one map, shared by its records (block-headers.ts). */
  readonly reqHeaders: Readonly<Record<string, string>>;
  readonly respHeaders: Readonly<Record<string, string>>;
  readonly respTrailers: Readonly<Record<string, string>>;
  readonly reqMessages: number;
  readonly respMessages: number;
  readonly reqBytes: number;
  readonly respBytes: number;
  readonly latencyNs: number | null;
  readonly local: string | null;
  readonly remote: string | null;
  readonly fd: number | null;
  /** The wire seq of the request's / the first response block's HEADERS frame (docs/tcp-seqs.md); null when unknown. */
  readonly reqTcpSeq: number | null;
  readonly respTcpSeq: number | null;
  /** The RST_STREAM error code when the stream ended by a reset (the server received it, or the client sent it). */
  readonly rstCode?: number;
  readonly pid: number;
  readonly goid: number | null;
  /** Placeholders the runtime's RecordQueue fills ('' and 0): the process's exe, and the call's start in epoch ms. */
  exe: string;
  ts: number;
  readonly error?: string;
}

interface Call {
  readonly role: 'server' | 'client';
  /** A server's is its request headers, whose `transport` keys the records that carry no conn. */
  first: RawEvent;
  /** The event carrying the conn (server: request headers; client: request headers sent). */
  connEv: RawEvent | null;
  req: Readonly<Record<string, string>>;
  resp: Readonly<Record<string, string>>;
  trailers: Readonly<Record<string, string>> | null;
  /** Client: the goroutine that sent the first message (the request headers leave from grpc's loopy writer). */
  callerGoid: number | null;
  reqSeen: boolean;
  respSeen: boolean;
  /** The first header block back (headers, or trailers-only): its seq; undefined until seen. */
  respSeq: number | null | undefined;
  reqMessages: number;
  respMessages: number;
  reqBytes: number;
  respBytes: number;
  /** Its place among the open calls (set as it begins). */
  node: BoundedNode<Call> | null;
}

export interface CallOptions {
  readonly maxCalls?: number;
  readonly maxAgeNs?: bigint;
}

/** grpc-message is percent-encoded on the wire (grpc PROTOCOL-HTTP2.md, encodeGrpcMessage). */
function decodeGrpcMessage(v: string | undefined): string | null {
  if (v === undefined) return null;
  if (!v.includes('%')) return v; // most messages: nothing to decode
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * The gRPC status a stream reset means, as grpc-go maps it (http2ErrConvTab,
 * internal/transport/http_util.go): CANCEL is CANCELLED (1).
 */
export function rstStatus(code: number): number {
  const tab: Record<number, number> = { 3: 8, 7: 14, 8: 1, 11: 8, 12: 7 }; // FLOW_CONTROL, REFUSED_STREAM, CANCEL, ENHANCE_YOUR_CALM, INADEQUATE_SECURITY
  return tab[code] ?? 13; // every other code is INTERNAL
}

/** The record with rstCode before pid and error last, where the JSON has them. */
function withOptional(r: GrpcRecord, rstCode: number | undefined, error: string | undefined): GrpcRecord {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'pid' && rstCode !== undefined) out.rstCode = rstCode;
    out[k] = v;
  }
  if (error) out.error = error;
  return out as unknown as GrpcRecord;
}

const newCall = (role: Call['role'], e: RawEvent): Call => ({ role, first: e, connEv: role === 'server' ? e : null, req: {}, resp: {}, trailers: null, callerGoid: null,
  reqSeen: role === 'server', respSeen: false, respSeq: undefined, reqMessages: 0, respMessages: 0, reqBytes: 0, respBytes: 0, node: null });

export class CallAssembler {
  /** Open calls in the order they began, bounded (the oldest is evicted); each call keeps its node. */
  private readonly open: BoundedList<Call>;
  /**
   * The same calls by side, conn and pid/stream, for the events' lookups:
   * numbers, not a string per event (writing a 47-bit conn pointer in
   * decimal and hashing the string was a quarter of the assembler's time).
   * Not Maps: a call is added and removed at every call, and a Map with
   * that churn made V8 promote every call (number-table.ts).
   */
  private readonly spares: NumberTable<Call>[] = [];
  private readonly byConn = { server: new TwoLevelIndex<Call>(this.spares), client: new TwoLevelIndex<Call>(this.spares) };
  /** The server's calls again, by transport, for the records that name it instead of the conn. */
  private readonly byTransport = new TwoLevelIndex<Call>(this.spares);

  /** `onRecord` gets each call's record and the monotonic ns the call began at. */
  constructor(private readonly onRecord: (r: GrpcRecord, tsNs: bigint) => void, opts: CallOptions = {}) {
    this.open = new BoundedList<Call>((c) => c.first.ts, (c, nowNs, why) => {
      this.finish(c, nowNs, why === 'full' ? 'too many open calls: the oldest was dropped' : 'the call did not end within the call expiry');
    }, { max: opts.maxCalls, maxAgeNs: opts.maxAgeNs });
  }

  private find(role: Call['role'], e: RawEvent): Call | undefined {
    return this.byConn[role].get(e.conn, streamKey(e.pid, e.streamId));
  }

  /** A server call by the transport a DATA_IN, MSG_OUT or CLOSE record names in its conn word. */
  private findByTransport(e: RawEvent): Call | undefined {
    return this.byTransport.get(e.conn, streamKey(e.pid, e.streamId));
  }

  /**
   * A server's DATA_IN ('data-in') or MSG_OUT, from the record's words: two
   * of a unary call's five records only add to its counts, and the runtime
   * gives them here without decoding a RawEvent (layout.ts serverCountsOf).
   */
  countServer(kind: 'data-in' | 'msg-out', pid: number, transport: number, streamId: number, count: number, n: number): void {
    const c = this.byTransport.get(transport, streamKey(pid, streamId));
    if (!c) return; // a call begun before tracing
    if (kind === 'data-in') { c.reqBytes += n; c.reqMessages += count; } else { c.respMessages += 1; c.respBytes += n; }
  }

  private begin(role: Call['role'], e: RawEvent): Call {
    const c = newCall(role, e);
    this.byConn[role].add(e.conn, streamKey(e.pid, e.streamId), c);
    if (role === 'server') this.byTransport.add(e.transport, streamKey(e.pid, e.streamId), c);
    c.node = this.open.add(c, e.ts); // may evict the oldest, never c
    return c;
  }

  private end(c: Call): void {
    if (c.node) this.open.remove(c.node);
    this.byConn[c.role].remove(c.first.conn, streamKey(c.first.pid, c.first.streamId), c);
    if (c.role === 'server') this.byTransport.remove(c.first.transport, streamKey(c.first.pid, c.first.streamId), c);
  }

  push(e: RawEvent): void {
    const client = e.kind === 'in-hdrs' || (e.kind !== 'req-hdrs' && e.side !== SERVER_SIDE);
    if (client) this.pushClient(e);
    else this.pushServer(e);
  }

  private pushServer(e: RawEvent): void {
    if (e.kind === 'req-hdrs') {
      const old = this.find('server', e);
      if (old) this.finish(old, e.ts, 'the stream id was reused before the call ended');
      this.begin('server', e).req = e.headers;
      return;
    }
    if (e.kind === 'data-in' || e.kind === 'msg-out') { this.countServer(e.kind, e.pid, e.conn, e.streamId, e.count, e.n); return; }
    const c = e.kind === 'out-hdrs' ? this.find('server', e) : this.findByTransport(e);
    if (!c) return; // a call begun before tracing
    switch (e.kind) {
      case 'out-hdrs': {
        const block = e.headers;
        if (c.respSeq === undefined) c.respSeq = e.tcpSeq;
        if (e.endStream) { c.trailers = block; this.finish(c, e.ts); } // trailers (or trailers-only)
        else if (!c.respSeen) { c.resp = block; c.respSeen = true; }
        break;
      }
      case 'close': this.finish(c, e.ts, undefined, e.n); break; // the client reset the stream
      default: break;
    }
  }

  private pushClient(e: RawEvent): void {
    let c = this.find('client', e);
    if (!c) {
      if (e.kind === 'close') return; // a stream that began before tracing, or closed twice
      c = this.begin('client', e);
    }
    switch (e.kind) {
      case 'out-hdrs':
        if (!c.reqSeen) { c.req = e.headers; c.reqSeen = true; c.connEv = e; }
        break;
      case 'msg-out': c.reqMessages += 1; c.reqBytes += e.n; c.callerGoid ??= e.goid; break;
      case 'data-in': c.respBytes += e.n; c.respMessages += e.count; break;
      case 'in-hdrs': {
        const block = e.headers;
        if (c.respSeq === undefined) c.respSeq = e.tcpSeq;
        // Trailers are the block with grpc-status (a trailers-only response too); the first other block is the headers.
        if (block['grpc-status'] !== undefined) c.trailers = block;
        else if (!c.respSeen) { c.resp = block; c.respSeen = true; }
        break;
      }
      case 'close':
        // Without trailers, the status is the one closeStream was given (a deadline's 4 where the reset says CANCEL), when BPF could read it.
        this.finish(c, e.ts, c.trailers || e.endStream ? undefined : 'the stream closed without trailers or a reset', c.trailers ? undefined : e.endStream ? e.n : undefined,
          c.trailers || !e.count ? undefined : e.count - 1);
        break;
      default: break;
    }
  }

  /** Every open call, reported unanswered (tracing stops). */
  flush(nowNs: bigint): void {
    for (const n of this.open.nodes()) this.finish(n.value, nowNs, 'the call had not ended when tracing stopped');
  }

  get size(): number {
    return this.open.size;
  }

  /** Calls open longer than `minAgeNs` (streams, slow calls), oldest first: "grpc client /pkg.Svc/M pid 7 stream 1, 3 responses, 2.0s". */
  inProgress(nowNs: bigint, minAgeNs = 1_000_000_000n): string[] {
    const open = this.open.nodes().map((n) => n.value).filter((c) => nowNs - c.first.ts >= minAgeNs && c.reqSeen); // a server call has seen its request
    return open.sort((a, b) => (a.first.ts < b.first.ts ? -1 : 1)).map((c) =>
      `grpc ${c.role} ${c.req[':path'] ?? '?'} pid ${c.first.pid} stream ${c.first.streamId}, ${c.respMessages} responses, ${(Number(nowNs - c.first.ts) / 1e9).toFixed(1)}s`);
  }

  /** closeStatus: the status a client's closeStream was given; else a reset's is what grpc-go maps its code to. */
  private finish(c: Call, endNs: bigint, error?: string, rstCode?: number, closeStatus?: number): void {
    this.end(c);
    // A client stream whose request headers were never seen began before tracing (or is a late frame of one
    // that ended): not a call to report, as a server's without its request is not one either.
    if (!c.reqSeen) return;
    const t = c.trailers ?? NO_TRAILERS, status = t['grpc-status'];
    const code = status !== undefined && /^\d+$/.test(status) ? Number(status) : closeStatus ?? (rstCode !== undefined ? rstStatus(rstCode) : null);
    const r = new CallRecord(c, t, code, error ? null : Number(endNs - c.first.ts));
    this.onRecord(rstCode === undefined && !error ? r : withOptional(r, rstCode, error), c.first.ts);
  }
}

const NO_TRAILERS: Readonly<Record<string, string>> = Object.freeze({});

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A call's record. A class, not a literal, for its writeJson: the sink has
 * the line written by hand into its buffer (record-json.ts) instead of
 * JSON.stringify, which spent most of its time on the three header maps
 * each record shares with the calls before it. The fields are assigned in
 * GrpcRecord's order, which is the JSON's (the optional ones, rstCode and
 * error, only withOptional adds).
 */
// The interface gives the class GrpcRecord's fields (declaration merging) without declaring them again.
// The constructor assigns them as this.x: V8 sizes an instance by counting those (an alias gave each
// record a separate, reallocated property array, a third of what decoding a call allocated).
interface CallRecord extends Mutable<GrpcRecord> {}
class CallRecord implements OwnJsonBytes {
  constructor(c: Call, t: Readonly<Record<string, string>>, status: number | null, latencyNs: number | null) {
    const b = c.connEv;
    this.type = 'grpc';
    this.role = c.role;
    this.tls = !b || (b.wrapped && b.tls === null) ? null : b.tls;
    this.method = c.req[':path'] ?? null;
    this.authority = c.req[':authority'] ?? null;
    this.status = status;
    this.grpcMessage = decodeGrpcMessage(t['grpc-message']);
    this.streamId = c.first.streamId;
    this.reqHeaders = c.req;
    this.respHeaders = c.resp;
    this.respTrailers = t;
    this.reqMessages = c.reqMessages;
    this.respMessages = c.respMessages;
    this.reqBytes = c.reqBytes;
    this.respBytes = c.respBytes;
    this.latencyNs = latencyNs;
    this.local = b?.local ?? null;
    this.remote = b?.remote ?? null;
    this.fd = b && b.fd >= 0 ? b.fd : null;
    this.reqTcpSeq = b?.tcpSeq ?? null;
    this.respTcpSeq = c.respSeq ?? null;
    this.pid = c.first.pid;
    this.goid = c.role === 'server' ? c.first.goid : c.callerGoid;
    this.exe = '';
    this.ts = 0;
  }

  writeJson(w: JsonBytes): void {
    writeGrpcRecord(w, this);
  }
}
