// Where the fd of a crypto/tls.Conn is, for binaries without DWARF. Every
// field below has been at the same offset since Go 1.13; the table still
// names the versions it was checked for, so a future layout change is an
// ERR_OFFSET_UNKNOWN instead of a wrong fd.
import type { GoBinary } from '../../core/binary/go-binary';
import { GO_RUNTIME_TABLE, resolveStructOffset, type OffsetTable, type ResolvedOffset } from '../../core/offsets/struct-offset';

const CHECKED = '>=1.13.0 <1.28.0-0';

export const TLS_CONN_TABLE: OffsetTable = {
  fields: {
    // type Conn struct { conn net.Conn; ... } https://github.com/golang/go/blob/go1.19/src/crypto/tls/conn.go
    'crypto/tls.Conn.conn': [{ go: CHECKED, value: 0, source: 'derived: conn is the first field of crypto/tls.Conn' }],
    // type conn struct { fd *netFD } https://github.com/golang/go/blob/go1.19/src/net/net.go
    'net.conn.fd': [{ go: CHECKED, value: 0, source: 'derived: fd is the only field of net.conn' }],
    // type netFD struct { pfd poll.FD; ... } https://github.com/golang/go/blob/go1.19/src/net/fd_posix.go
    'net.netFD.pfd': [{ go: CHECKED, value: 0, source: 'derived: pfd is the first field of net.netFD' }],
    // type FD struct { fdmu fdMutex (uint64 + 2×uint32); Sysfd int; ... } https://github.com/golang/go/blob/go1.19/src/internal/poll/fd_unix.go
    'internal/poll.FD.Sysfd': [{ go: CHECKED, value: 16, source: 'derived: Sysfd follows the 16-byte fdMutex' }],
  },
};

export interface ConnOffsets {
  readonly goid: ResolvedOffset;
  readonly ifaceOff: ResolvedOffset;
  readonly connFd: ResolvedOffset;
  readonly netfdPfd: ResolvedOffset;
  readonly pfdSysfd: ResolvedOffset;
}

export function resolveConnOffsets(bin: GoBinary, pins: Readonly<Record<string, number>> | undefined): ConnOffsets {
  const r = (f: string, t: OffsetTable): ResolvedOffset => resolveStructOffset(bin, f, { pins, tables: [t] });
  return {
    goid: r('runtime.g.goid', GO_RUNTIME_TABLE),
    ifaceOff: r('crypto/tls.Conn.conn', TLS_CONN_TABLE),
    connFd: r('net.conn.fd', TLS_CONN_TABLE),
    netfdPfd: r('net.netFD.pfd', TLS_CONN_TABLE),
    pfdSysfd: r('internal/poll.FD.Sysfd', TLS_CONN_TABLE),
  };
}

/** The *net.TCPConn itab (net.Conn) from .symtab; renamed go:itab. in Go 1.20. */
export function findTcpConnItab(bin: GoBinary): { symbol: string; address: number } | { why: string } {
  const names = ['go.itab.*net.TCPConn,net.Conn', 'go:itab.*net.TCPConn,net.Conn'];
  if (!bin.elf.section('.symtab')) {
    return { why: 'the binary has no .symtab, so the *net.TCPConn itab is unknown: fds (and addresses, seqs) are reported unknown' };
  }
  const s = bin.elf.symbols().find((x) => names.includes(x.name));
  if (!s) return { why: 'no *net.TCPConn itab in .symtab (the program never converts a *net.TCPConn to net.Conn): fds are reported unknown' };
  return { symbol: s.name, address: s.value };
}
