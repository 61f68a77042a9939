// The connection offsets and the *net.TCPConn itab, from core (shared by every
// protocol plugin); kept here under the names this plugin's modules use.
import type { GoBinary } from '../../core/binary/go-binary';
import { findItab } from '../../core/binary/itab';
export { resolveConnOffsets, type ConnOffsets } from '../../core/offsets/conn-offsets';

/** The *net.TCPConn itab (net.Conn): only such conns lead to an fd. */
export function findTcpConnItab(bin: GoBinary): { symbol: string; address: number } | { why: string } {
  const r = findItab(bin, '*net.TCPConn', 'net.Conn');
  return 'why' in r ? { why: `${r.why}: fds (and addresses, seqs) are reported unknown` } : r;
}
