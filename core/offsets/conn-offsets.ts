// The offsets from a Go net.Conn to its socket fd, which every protocol plugin
// follows: the iface's data pointer → net.conn.fd (*netFD) → pfd (poll.FD) →
// Sysfd. Resolved like every offset (DWARF, rule pin, table) with provenance.
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

export function resolveConnOffsets(bin: GoBinary, pins: Readonly<Record<string, number>> | undefined): ConnOffsets {
  const r = (f: string): ResolvedOffset => resolveStructOffset(bin, f, { pins, tables: [GO_STD_TABLE] });
  return {
    goid: r('runtime.g.goid'),
    ifaceOff: r('crypto/tls.Conn.conn'),
    connFd: r('net.conn.fd'),
    netfdPfd: r('net.netFD.pfd'),
    pfdSysfd: r('internal/poll.FD.Sysfd'),
  };
}
