// The connection offsets and the *net.TCPConn itab, from core (shared by every
// protocol plugin); kept here under the names this plugin's modules use.
export { findTcpConnItab, resolveConnOffsets, type ConnOffsets } from '../../core/offsets/conn-offsets';
