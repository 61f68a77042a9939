// Address strings of records, built once per connection: every request on a
// connection carries the same struct go_conn_addrs, and formatting two
// addresses was most of what decoding an HTTP/2 or gRPC record cost after
// its fields.
import { connAddrs } from './socket-addr';
import { sameBytesAt } from './event-words';

/** Bytes of struct go_conn_addrs (bpf/include/go_conn.h). */
export const ADDRS_SIZE = 40;
const AF_INET = 2;
const AF_INET6 = 10;

interface Entry {
  readonly bytes: Uint8Array;
  readonly addrs: { readonly local: string | null; readonly remote: string | null };
}

export class ConnAddrCache {
  private readonly byConn = new Map<number, Entry>();

  /** At most `max` connections are remembered; past that the cache starts over. */
  constructor(private readonly max = 4096) {}

  /**
   * The addresses at `at` in b, for the connection key `conn` (a heap
   * pointer: http2's *Framer, grpc's net.Conn data word). The bytes are
   * compared, not trusted: a pointer can be reused by a later connection,
   * or be the same in another process.
   */
  get(conn: number, b: Buffer, at: number): { readonly local: string | null; readonly remote: string | null } {
    // No addresses (a response's block, an fd not known): nothing to format, and
    // caching them would evict the connection's own between its requests.
    if (b[at] !== AF_INET && b[at] !== AF_INET6) return connAddrs(b, at);
    const e = this.byConn.get(conn);
    if (e && sameBytesAt(e.bytes, b, at)) return e.addrs;
    const addrs = connAddrs(b, at);
    if (!e && this.byConn.size >= this.max) this.byConn.clear();
    this.byConn.set(conn, { bytes: Uint8Array.prototype.slice.call(b, at, at + ADDRS_SIZE), addrs });
    return addrs;
  }

  get size(): number {
    return this.byConn.size;
  }
}
