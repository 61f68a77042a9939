// Address strings of header records, formatted once per connection: every
// request block of a connection carries the same struct go_conn_addrs, and
// formatting two addresses cost about as much as the rest of its decoding.
import { connAddrs } from '../../core/plugin-kit/socket-addr';
import { u32 } from './bytes';

/** Bytes of struct go_conn_addrs (bpf/include/go_conn.h). */
export const ADDRS_SIZE = 40;

type Addrs = ReturnType<typeof connAddrs>;

const WORDS = ADDRS_SIZE / 4;

interface Entry {
  readonly words: Uint32Array;
  readonly addrs: Addrs;
}

export class ConnAddrs {
  private readonly byConn = new Map<number, Entry>();

  /** At most `max` connections are remembered; past that the table starts over. */
  constructor(private readonly max = 4096) {}

  /**
   * The addresses at `at` in b, for the conn key `conn`. The bytes are
   * compared, not trusted: a conn's key (a heap pointer) can be reused by a
   * later connection, or be the same in another process.
   */
  get(conn: number, b: Buffer, at: number): Addrs {
    const e = this.byConn.get(conn);
    if (e && same(e.words, b, at)) return e.addrs;
    const words = new Uint32Array(WORDS);
    for (let i = 0; i < WORDS; i++) words[i] = u32(b, at + 4 * i);
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
  for (let i = 0; i < WORDS; i++) if (words[i] !== u32(b, at + 4 * i)) return false;
  return true;
}
