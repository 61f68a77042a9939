// The offsets from a Go net.Conn to its socket fd, which every protocol plugin
// follows: the iface's data pointer → net.conn.fd (*netFD) → pfd (poll.FD) →
// Sysfd. Resolved like every offset (DWARF, rule pin, table) with provenance.
import { findItab } from '../binary/itab';
import type { GoBinary } from '../binary/go-binary';
import { GO_STD_TABLE } from './tables';
import { resolveStructOffset, type ResolvedOffset } from './struct-offset';

export interface ConnOffsets {
  readonly goid: ResolvedOffset;
  /** crypto/tls.Conn.conn: the net.Conn inside a *tls.Conn. */
  readonly ifaceOff: ResolvedOffset;
  readonly connFd: ResolvedOffset;
  readonly netfdPfd: ResolvedOffset;
  readonly pfdSysfd: ResolvedOffset;
}

/** The fields resolveConnOffsets reads, in its order: goid, then tls.Conn → fd. */
export const CONN_FIELDS = ['runtime.g.goid', 'crypto/tls.Conn.conn', 'net.conn.fd', 'net.netFD.pfd', 'internal/poll.FD.Sysfd'] as const;

export function resolveConnOffsets(bin: GoBinary, pins: Readonly<Record<string, number>> | undefined): ConnOffsets {
  const r = (f: string): ResolvedOffset => resolveStructOffset(bin, f, { pins, tables: [GO_STD_TABLE] });
  return {
    goid: r(CONN_FIELDS[0]),
    ifaceOff: r(CONN_FIELDS[1]),
    connFd: r(CONN_FIELDS[2]),
    netfdPfd: r(CONN_FIELDS[3]),
    pfdSysfd: r(CONN_FIELDS[4]),
  };
}

/** The *net.TCPConn itab (net.Conn): only such conns lead to an fd. */
export function findTcpConnItab(bin: GoBinary): { symbol: string; address: number } | { why: string } {
  const r = findItab(bin, '*net.TCPConn', 'net.Conn');
  return 'why' in r ? { why: `${r.why}: fds (and addresses, seqs) are reported unknown` } : r;
}

/**
 * The std fields bpf/include/go_tls_seq.h's reader side needs (a frame's place
 * in a bufio.Reader, a tls.Conn's record state), by the names plugins give
 * their config slots. Optional: a plugin without them reports read seqs null.
 */
export const TLS_SEQ_STD_FIELDS = {
  brR: 'bufio.Reader.r',
  brW: 'bufio.Reader.w',
  tlsRawInput: 'crypto/tls.Conn.rawInput',
  tlsInput: 'crypto/tls.Conn.input',
  readerI: 'bytes.Reader.i',
} as const;

/** Where a TLS write's records fall (struct go_tls_write_offsets, bpf/include/go_tls_seq.h), in its order. */
export const TLS_WRITE_STD_FIELDS = {
  tlsVers: 'crypto/tls.Conn.vers',
  tlsBytesSent: 'crypto/tls.Conn.bytesSent',
  tlsPacketsSent: 'crypto/tls.Conn.packetsSent',
  tlsConfig: 'crypto/tls.Conn.config',
  tlsDynOff: 'crypto/tls.Config.DynamicRecordSizingDisabled',
} as const;
