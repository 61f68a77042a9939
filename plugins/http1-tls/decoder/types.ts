// Shapes shared by the HTTP/1.x decoder and its callers: what the BPF side
// captures (one CapturedChunk per ring-buffer event) and what the decoder
// emits (one Http1Record per request/response exchange).

/** One captured piece of a Read or Write call on a connection. */
export interface CapturedChunk {
  /** Identifies one connection of one process (e.g. `${pid}:${fd}:${generation}`). */
  readonly connKey: string;
  readonly pid: number;
  readonly fd: number;
  readonly goid: number | null;
  /** write = the traced process sends; read = it receives. */
  readonly direction: 'write' | 'read';
  readonly tls: boolean;
  /** Epoch ms (float) when the call happened. */
  readonly ts: number;
  /** TCP sequence number of the first byte of this call's data on the wire, when known. */
  readonly tcpSeq: number | null;
  /** Total bytes of the Read/Write call. */
  readonly callLen: number;
  /** Offset of this chunk within the call (calls larger than the BPF chunk size come as several chunks). */
  readonly offset: number;
  /**
   * The bytes captured. Shorter than `callLen - offset` on the last chunk of a
   * call when BPF hit its per-call cap: the missing bytes are known by count only.
   */
  readonly data: Buffer;
  /** "ip:port" */
  readonly local: string | null;
  readonly remote: string | null;
}

/** One exchange (request and its final response) as seen from the traced process's side. */
export interface Http1Record {
  type: 'http1';
  /** server: the process read the request; client: it wrote the request. */
  role: 'server' | 'client';
  tls: boolean;
  method: string;
  /** The request-target as sent (origin-form `/a?b`, or absolute-form through proxies). */
  path: string;
  /** Status of the final (non-1xx) response; null when no response was captured. */
  status: number | null;
  /** Lowercased names; repeated fields joined with ", "; redacted ones read "[redacted]". */
  reqHeaders: Record<string, string>;
  respHeaders: Record<string, string>;
  /** Body sizes after de-chunking, from the framing (also when bytes were not captured). */
  reqBodySize: number;
  respBodySize: number;
  /**
   * The first maxBody bytes of the body (set when maxBody > 0): UTF-8 text when
   * those bytes are valid UTF-8 (a multi-byte character cut by the limit is
   * dropped), else `base64:` followed by their base64. Content codings (gzip)
   * are not undone. Capture stops at the first byte that was not captured.
   */
  reqBody?: string;
  respBody?: string;
  /**
   * Nanoseconds. Server: first byte of the final response − last byte of the
   * request (time spent in the handler). Client: first byte of the final
   * response − first byte of the request (what the caller waits, minus the
   * local queueing before the write). Resolution is that of CapturedChunk.ts.
   * Null when no response was captured.
   */
  latencyNs: number | null;
  local: string | null;
  remote: string | null;
  fd: number;
  /**
   * TCP sequence number of the message's first byte. For plain TCP this is the
   * call's tcpSeq plus the message's offset within the call (exact, so both
   * ends of a connection agree even when messages share a call); for TLS it is
   * the tcpSeq of the call carrying the first plaintext byte.
   */
  reqTcpSeq: number | null;
  respTcpSeq: number | null;
  pid: number;
  /**
   * Server: the goroutine that wrote the response (the handler's: net/http runs
   * the handler on the connection's goroutine). Client: the goroutine that
   * wrote the request (net/http's persistConn.writeLoop, not the caller).
   */
  goid: number | null;
  /** Epoch ms of the request's first byte. */
  ts: number;
  /** Body bytes were not all captured (BPF cap or lost events); sizes still come from framing. */
  truncated?: { req?: boolean; resp?: boolean };
  /**
   * The body's framing was lost (a chunk header was not captured, or was
   * malformed): its size is at least the one given, not exact.
   */
  bodySizeAtLeast?: { req?: boolean; resp?: boolean };
  /** Why the exchange is incomplete, e.g. 'connection closed before response'. */
  error?: string;
}

export interface Http1DecoderOptions {
  /** Body bytes kept per message; 0 = no bodies. */
  readonly maxBody: number;
  /** Lowercase header names whose values are replaced by "[redacted]". */
  readonly redact: ReadonlySet<string>;
  /** Connections tracked at once; the least recently used one is dropped beyond. Default 10,000. */
  readonly maxConnections?: number;
  /** A connection with no event for this long is dropped by expire(). Default 300,000 (5 min). */
  readonly idleMs?: number;
  /** Largest request/status line plus header section buffered. Default 64 KiB. */
  readonly maxHeadBytes?: number;
  /** Exchanges awaiting a response per connection (pipelining depth). Default 100. */
  readonly maxPending?: number;
  readonly onRecord: (r: Http1Record) => void;
  /** A connection that spoke HTTP/1 sent something that is not; reported once per connection. */
  readonly onUnparsable?: (connKey: string, why: string) => void;
}

export const DEFAULT_REDACT: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

export const DEFAULT_MAX_CONNECTIONS = 10_000;
export const DEFAULT_IDLE_MS = 300_000;
export const DEFAULT_MAX_HEAD_BYTES = 64 * 1024;
export const DEFAULT_MAX_PENDING = 100;
/** Longest request or status line; nginx and Go default to about this for the whole head. */
export const MAX_START_LINE = 8 * 1024;
/** Longest chunk-size line (size plus extensions). */
export const MAX_CHUNK_LINE = 4 * 1024;
