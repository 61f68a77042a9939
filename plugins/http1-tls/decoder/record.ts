// Builds the Http1Record for one exchange from its two messages.
import { headerRecord } from './head';
import type { Message } from './message';
import type { Http1Record } from './types';

/** A request and its final response, paired in order (pipelining answers in order, RFC 9112 §9.3.2). */
export interface Exchange {
  /** Null: a request whose head was not captured or not parsable (its response is dropped). */
  readonly req: Message | null;
  resp: Message | null;
  /** The response's head was not captured or not parsable: the exchange gets no response. */
  respLost: boolean;
  error?: string;
}

export interface ConnFacts {
  readonly role: 'client' | 'server';
  readonly tls: boolean;
  readonly pid: number;
  readonly fd: number;
  readonly local: string | null;
  readonly remote: string | null;
}

export function exchangeComplete(ex: Exchange): boolean {
  return (ex.req === null || ex.req.done) && (ex.respLost || (ex.resp !== null && ex.resp.done));
}

/** The record for `ex`, or null when its request was not captured. */
export function buildRecord(conn: ConnFacts, ex: Exchange, maxBody: number, redact: ReadonlySet<string>): Http1Record | null {
  const req = ex.req;
  if (req === null) return null;
  const resp = ex.respLost ? null : ex.resp;
  // Server: time in the handler (last request byte → first response byte).
  // Client: time the caller waits (first request byte → first response byte).
  const from = conn.role === 'server' ? req.lastTs : req.start.ts;
  const r: Http1Record = {
    type: 'http1',
    role: conn.role,
    tls: conn.tls,
    method: req.head.method,
    path: req.head.target,
    status: resp ? resp.head.status : null,
    reqHeaders: headerRecord(req.head.headers, redact),
    respHeaders: resp ? headerRecord(resp.head.headers, redact) : {},
    reqBodySize: req.bodySize,
    respBodySize: resp ? resp.bodySize : 0,
    latencyNs: resp ? Math.round((resp.start.ts - from) * 1e6) : null,
    local: conn.local,
    remote: conn.remote,
    fd: conn.fd,
    reqTcpSeq: req.start.tcpSeq,
    respTcpSeq: resp ? resp.start.tcpSeq : null,
    pid: conn.pid,
    goid: conn.role === 'server' ? (resp?.start.goid ?? req.start.goid) : req.start.goid,
    ts: req.start.ts,
  };
  if (maxBody > 0) {
    r.reqBody = req.body();
    if (resp) r.respBody = resp.body();
  }
  if (req.truncated || resp?.truncated) r.truncated = flags(req.truncated, resp?.truncated);
  if (req.sizeAtLeast || resp?.sizeAtLeast) r.bodySizeAtLeast = flags(req.sizeAtLeast, resp?.sizeAtLeast);
  const error = ex.error ?? resp?.error ?? req.error;
  if (error !== undefined) r.error = error;
  return r;
}

function flags(req: boolean, resp: boolean | undefined): { req?: boolean; resp?: boolean } {
  return { ...(req ? { req: true } : {}), ...(resp ? { resp: true } : {}) };
}
