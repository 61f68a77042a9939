// HTTP/1.x decoder for the http1-tls plugin: captured Read/Write plaintext in,
// one Http1Record per exchange out. Pure: no kernel, no clock, no I/O.
// Memory is bounded: per connection by the head limit, maxBody and the
// pipelining depth; overall by an LRU of connections and idle expiry.
import { UsageError } from '../../../core/errors';
import { Http1Connection } from './connection';
import {
  DEFAULT_IDLE_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_PENDING,
  type CapturedChunk, type Http1DecoderOptions,
} from './types';

export class Http1Decoder {
  // TLS plaintext and raw socket bytes of one connection are kept apart, so
  // that a capture of both (ciphertext through internal/poll) cannot mix
  // them: a map for each, so a chunk's connKey is the key as it comes (a key
  // built per chunk was a string to hash per chunk). Insertion order is
  // recency order: a connection is re-inserted on every chunk.
  private readonly tlsConns = new Map<string, Http1Connection>();
  private readonly plainConns = new Map<string, Http1Connection>();
  private readonly maxConnections: number;
  private readonly idleMs: number;
  private readonly maxHead: number;
  private readonly maxPending: number;

  constructor(private readonly opts: Http1DecoderOptions) {
    this.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.maxHead = opts.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
    this.maxPending = opts.maxPending ?? DEFAULT_MAX_PENDING;
    for (const [name, v] of Object.entries({ maxBody: opts.maxBody, maxConnections: this.maxConnections, maxPending: this.maxPending })) {
      if (!Number.isSafeInteger(v) || v < (name === 'maxBody' ? 0 : 1)) {
        throw new UsageError('ERR_USAGE', `http1 decoder: ${name} must be a whole number${name === 'maxBody' ? ' >= 0' : ' >= 1'}, got ${v}`);
      }
    }
    if (!Number.isSafeInteger(this.maxHead) || this.maxHead < 256) {
      throw new UsageError('ERR_USAGE', `http1 decoder: maxHeadBytes must be a whole number >= 256, got ${this.maxHead}`);
    }
    if (!(this.idleMs > 0)) throw new UsageError('ERR_USAGE', `http1 decoder: idleMs must be > 0, got ${this.idleMs}`);
  }

  /** Connections whose state is held (ignored non-HTTP/1 ones included, so they are not re-sniffed). */
  get size(): number {
    return this.tlsConns.size + this.plainConns.size;
  }

  push(chunk: CapturedChunk): void {
    const conns = chunk.tls ? this.tlsConns : this.plainConns;
    const key = chunk.connKey;
    let conn = conns.get(key);
    if (conn) {
      conns.delete(key);
    } else {
      if (this.size >= this.maxConnections) this.evictOldest();
      conn = this.create(chunk);
    }
    conns.set(key, conn);
    conn.push(chunk);
  }

  /** The connection was closed: responses delimited by the close end; the rest is emitted with an error. */
  closeConnection(connKey: string, _ts: number): void {
    this.drop(this.tlsConns, connKey, 'connection closed');
    this.drop(this.plainConns, connKey, 'connection closed');
  }

  /** Tracing ends: every pending exchange is emitted, with an error. */
  flush(): void {
    for (const conns of [this.tlsConns, this.plainConns]) for (const key of [...conns.keys()]) this.drop(conns, key, 'tracing stopped');
  }

  /** Drops connections with no event for idleMs before nowMs (epoch ms, the clock of CapturedChunk.ts). */
  expire(nowMs: number): void {
    for (const conns of [this.tlsConns, this.plainConns]) {
      for (const [key, conn] of [...conns]) {
        if (nowMs - conn.lastTs > this.idleMs) this.drop(conns, key, 'connection idle; state expired');
      }
    }
  }

  private create(chunk: CapturedChunk): Http1Connection {
    const { connKey } = chunk;
    return new Http1Connection(chunk, {
      maxBody: this.opts.maxBody,
      maxHead: this.maxHead,
      maxPending: this.maxPending,
      redact: this.opts.redact,
      onRecord: this.opts.onRecord,
      onUnparsable: (why) => this.opts.onUnparsable?.(connKey, why),
    });
  }

  /** The least recently used connection of the two maps: the older of their first entries. */
  private evictOldest(): void {
    const t = this.tlsConns.entries().next(), p = this.plainConns.entries().next();
    const useTls = !t.done && (p.done || t.value[1].lastTs <= p.value[1].lastTs);
    const [conns, oldest] = useTls ? [this.tlsConns, t] : [this.plainConns, p];
    if (!oldest.done) this.drop(conns, oldest.value[0], 'connection state evicted (too many connections)');
  }

  private drop(conns: Map<string, Http1Connection>, key: string, cause: string): void {
    const conn = conns.get(key);
    if (!conn) return;
    conns.delete(key);
    conn.end(cause);
  }
}
