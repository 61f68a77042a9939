// Address strings of header records, built once per connection: every
// request on a connection carries the same struct go_conn_addrs, and
// formatting two addresses was most of what decoding one cost after the fields.
import { connAddrs } from '../../core/plugin-kit/socket-addr';

/** Bytes of struct go_conn_addrs (bpf/include/go_conn.h). */
export const ADDRS_SIZE = 40;
const WORDS = ADDRS_SIZE / 4;

interface Entry {
  readonly words: Uint32Array;
  readonly addrs: { readonly local: string | null; readonly remote: string | null };
}

export class ConnAddrCache {
  private readonly byConn = new Map<number, Entry>();

  /** At most `max` connections are remembered; past that the cache starts over. */
  constructor(private readonly max = 4096) {}

  /**
   * The addresses at `at` in b, for the connection `conn` (its *Framer). The
   * bytes are compared, not trusted: a Framer's address can be reused by a
   * later connection, or by another process.
   */
  get(conn: number, b: Buffer, at: number): { readonly local: string | null; readonly remote: string | null } {
    const e = this.byConn.get(conn);
    if (e && same(e.words, b, at)) return e.addrs;
    const words = new Uint32Array(WORDS);
    for (let i = 0; i < WORDS; i++) words[i] = b.readUInt32LE(at + 4 * i);
    const addrs = connAddrs(b, at);
    if (!e && this.byConn.size >= this.max) this.byConn.clear();
    this.byConn.set(conn, { words, addrs });
    return addrs;
  }

  get size(): number {
    return this.byConn.size;
  }
}

function same(words: Uint32Array, b: Buffer, at: number): boolean {
  for (let i = 0; i < WORDS; i++) if (words[i] !== b.readUInt32LE(at + 4 * i)) return false;
  return true;
}
