// Assembles per-field events into one record per gRPC call, reported when the
// server sends its trailers (END_STREAM). A call is keyed by (pid, the
// connection's net.Conn data word, stream id). State is bounded: at most
// `maxCalls` open calls (the oldest is reported with an error when more
// come), and calls older than `maxAgeNs` expire.
import { BoundedTable } from '../../core/plugin-kit/bounded-table';
import { addField, DEFAULT_REDACT, shownValue } from '../../core/plugin-kit/headers';
import type { RawEvent } from './layout';

const SERVER_SIDE = 1; // transport.serverSide (controlbuf.go: clientSide side = iota; serverSide)

export interface GrpcRecord {
  readonly type: 'grpc';
  readonly role: 'server';
  readonly tls: boolean | null;
  readonly method: string | null;
  readonly authority: string | null;
  readonly status: number | null;
  readonly grpcMessage: string | null;
  readonly streamId: number;
  readonly reqHeaders: Record<string, string>;
  readonly respHeaders: Record<string, string>;
  readonly respTrailers: Record<string, string>;
  readonly reqMessages: null;
  readonly respMessages: number;
  readonly reqBytes: number;
  readonly respBytes: number;
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

interface Call {
  readonly begin: RawEvent;
  readonly req: Record<string, string>;
  resp: Record<string, string>;
  block: Record<string, string>;
  headersSent: boolean;
  respMessages: number;
  reqBytes: number;
  respBytes: number;
}

export interface CallOptions {
  readonly redact?: ReadonlySet<string>;
  readonly maxCalls?: number;
  readonly maxAgeNs?: bigint;
}

/** grpc-message is percent-encoded on the wire (grpc PROTOCOL-HTTP2.md, encodeGrpcMessage). */
function decodeGrpcMessage(v: string | undefined): string | null {
  if (v === undefined) return null;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

export class CallAssembler {
  private readonly open: BoundedTable<Call>;
  private readonly redact: ReadonlySet<string>;

  constructor(private readonly onRecord: (r: GrpcRecord) => void, opts: CallOptions = {}) {
    this.redact = opts.redact ?? new Set(DEFAULT_REDACT);
    this.open = new BoundedTable<Call>((c) => c.begin.ts, (k, c, nowNs, why) => {
      this.finish(k, c, nowNs, why === 'full' ? 'too many open calls: the oldest was dropped' : 'no trailers within the call expiry');
    }, { max: opts.maxCalls, maxAgeNs: opts.maxAgeNs });
  }

  push(e: RawEvent): void {
    const key = `${e.pid}:${e.conn.toString(16)}:${e.streamId}`;
    if (e.kind === 'req-begin') {
      const old = this.open.get(key);
      if (old) this.finish(key, old, e.ts, 'the stream id was reused before the call ended');
      this.open.set(key, { begin: e, req: {}, resp: {}, block: {}, headersSent: false, respMessages: 0, reqBytes: 0, respBytes: 0 }, e.ts);
      return;
    }
    const c = this.open.get(key);
    if (!c) return; // a call begun before tracing, or a client's stream
    switch (e.kind) {
      case 'req-field': addField(c.req, e.name, shownValue(this.redact, e)); break;
      case 'data-in': c.reqBytes += e.n; break;
      case 'msg-out': c.respMessages += 1; c.respBytes += e.n; break;
      case 'out-field': if (e.side === SERVER_SIDE) addField(c.block, e.name, shownValue(this.redact, e)); break;
      case 'out-end': {
        if (e.side !== SERVER_SIDE) break;
        const block = c.block;
        c.block = {};
        if (e.endStream) this.finish(key, c, e.ts, undefined, block); // trailers (or trailers-only)
        else if (!c.headersSent) { c.resp = block; c.headersSent = true; }
        break;
      }
    }
  }

  /** Every open call, reported unanswered (tracing stops). */
  flush(nowNs: bigint): void {
    for (const [k, c] of this.open.entries()) this.finish(k, c, nowNs, 'no trailers seen before tracing stopped');
  }

  get size(): number {
    return this.open.size;
  }

  private finish(key: string, c: Call, endNs: bigint, error?: string, trailers: Record<string, string> = {}): void {
    this.open.delete(key);
    const b = c.begin, status = trailers['grpc-status'];
    this.onRecord({
      type: 'grpc', role: 'server', tls: b.wrapped && b.tls === null ? null : b.tls, method: c.req[':path'] ?? null, authority: c.req[':authority'] ?? null,
      status: status !== undefined && /^\d+$/.test(status) ? Number(status) : null, grpcMessage: decodeGrpcMessage(trailers['grpc-message']),
      streamId: b.streamId, reqHeaders: c.req, respHeaders: c.resp, respTrailers: trailers,
      reqMessages: null, respMessages: c.respMessages, reqBytes: c.reqBytes, respBytes: c.respBytes,
      latencyNs: error ? null : Number(endNs - b.ts), local: b.local, remote: b.remote, fd: b.fd >= 0 ? b.fd : null,
      reqTcpSeq: null, respTcpSeq: null, pid: b.pid, goid: b.goid, tsNs: b.ts, ...(error ? { error } : {}),
    });
  }
}
