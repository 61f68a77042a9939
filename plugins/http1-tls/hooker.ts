// Plans the http1-tls probes for one binary: crypto/tls.(*Conn).Write at
// entry, crypto/tls.(*Conn).Read at entry and every RET, and (for the wire
// seq of decrypted bytes) internal/poll.(*FD).Read the same way; plus the
// offsets and the itab address that lead from a *tls.Conn to its fd.
import type { GoLocation } from '../../core/bpf/go-location';
import type { Hooker, HookerContext, ProbePlan, ProbeSpec, ResolvedValue } from '../../core/engine/plugin';
import { entryProbe, required, retProbes } from './probe-sites';
import { resolveOptionalOffsets } from '../../core/offsets/struct-offset';
import { GO_STD_TABLE } from '../../core/offsets/tables';
import { argsAtReturn, methodWords, type ArgsAtReturn } from './locations';
export { entryProbe, required, retProbes } from './probe-sites';
import { findTcpConnItab, resolveConnOffsets } from './offsets';
import { planFdRead, type FdReadWords } from './fd-read';
import { planFdClose } from './fd-close';

export const TLS_WRITE = 'crypto/tls.(*Conn).Write';
export const TLS_READ = 'crypto/tls.(*Conn).Read';
export const FD_READ = 'internal/poll.(*FD).Read';
export const TLS_DECRYPT = 'crypto/tls.(*halfConn).decrypt';
/** Optional (a shortcut, not a need): resolved from DWARF, a table or a pin when there is one. */
export const TLS_CONN_IN = 'crypto/tls.Conn.in';

export interface Http1TlsConfig {
  readonly kind: 'tls';
  readonly goidOffset: number;
  readonly ifaceOff: number;
  readonly connFd: number;
  readonly netfdPfd: number;
  readonly pfdSysfd: number;
  /** Link-time address of the *net.TCPConn itab; null when unknown (fds are then reported unknown). */
  readonly tcpConnItab: number | null;
  readonly itabWhy?: string;
  /** PIE: the itab address moves with the load address, per process. */
  readonly pie: boolean;
  readonly write: { conn: GoLocation; buf: GoLocation; len: GoLocation };
  readonly read: { conn: GoLocation; buf: GoLocation; n: GoLocation };
  /** Read's c and b.ptr at its RETs (DWARF-proven spill slots): then Read has no entry probe. */
  readonly readAtReturn: ArgsAtReturn | null;
  readonly fdRead: FdReadWords | null;
  /**
   * Where (*halfConn).decrypt's record pointer is: read seqs per TLS record.
   * connIn: offset of crypto/tls.Conn.in, the halfConn decrypt runs on; when
   * known, a TLS Read or Write on the Conn this goroutine last decrypted for
   * takes its fd and socket from that read instead of walking to them again.
   */
  readonly decrypt: { record: GoLocation; hc: GoLocation; connIn: number | null } | null;
  /** internal/poll.(*FD).Close's receiver: connection ends (fd-close.ts). */
  readonly fdClose: GoLocation | null;
}

export const tlsHooker: Hooker = {
  name: 'go-tls',
  description: 'plaintext of crypto/tls.(*Conn).Write and Read, with the fd, addresses and TCP seqs of the connection',
  plan(ctx: HookerContext): ProbePlan {
    const bin = ctx.binary;
    const values: ResolvedValue[] = [];
    const off = resolveConnOffsets(bin, ctx.selector.offsets);
    for (const o of Object.values(off)) values.push({ name: o.field, value: o.value, source: o.source, detail: o.detail });
    const itab = findTcpConnItab(bin);
    if ('address' in itab) values.push({ name: itab.symbol, value: `0x${itab.address.toString(16)}`, source: 'symtab', detail: 'the net.Conn itab of *net.TCPConn: only these conns give an fd' });
    else values.push({ name: '*net.TCPConn itab', value: null, source: 'symtab', detail: itab.why });

    const write = required(ctx, TLS_WRITE), read = required(ctx, TLS_READ);
    const w = methodWords(bin, write, values, false), r = methodWords(bin, read, values);
    // Read's RETs read c and b.ptr themselves where DWARF proves them in their
    // spill slots there: two uprobe hits fewer per request (Read runs twice per
    // HTTP/1 server exchange), each ~5 µs of kernel time on this VM.
    const readRets = retProbes(bin, read, 'uprobe_crypto_tls_conn_read_ret', 'the decrypted bytes, n of them');
    const readAtReturn = argsAtReturn(bin, read, readRets.map((p) => p.address), values);
    const probes: ProbeSpec[] = [
      entryProbe(bin, write, 'uprobe_crypto_tls_conn_write', 'plaintext about to be encrypted'),
      ...(readAtReturn ? [] : [entryProbe(bin, read, 'uprobe_crypto_tls_conn_read', 'the conn and buffer of a Read')]),
      ...readRets,
    ];
    // Optional: without it a TLS Read's tcpSeq is reported unknown.
    const fdRead = bin.findFunction(FD_READ);
    let fdWords: Http1TlsConfig['fdRead'] = null;
    if (fdRead) {
      const f = planFdRead(ctx, fdRead, values, 'the wire seq of what TLS decrypts');
      fdWords = f.words;
      probes.push(...f.probes);
    }
    // Optional too: with it, a TLS Read's tcpSeq is its record's, exact even when one
    // read(2) brought the handshake's last record and the first request together.
    const decrypt = fdRead ? bin.findFunction(TLS_DECRYPT) : undefined;
    let decryptWords: Http1TlsConfig['decrypt'] = null;
    if (decrypt) {
      const inOff = resolveOptionalOffsets(bin, { connIn: TLS_CONN_IN }, 'the halfConn decrypt runs on',
        'TLS Reads and Writes walk from their Conn to the socket every time', { pins: ctx.selector.offsets, tables: [GO_STD_TABLE] });
      values.push(...inOff.values);
      const d = methodWords(bin, decrypt, values, false);
      decryptWords = { record: d.bufPtr, hc: d.recv, connIn: inOff.offsets.connIn ?? null };
      probes.push(entryProbe(bin, decrypt, 'uprobe_crypto_tls_halfconn_decrypt', 'where the TLS record being decrypted starts in the raw input'));
    }
    for (const fn of [write, read, ...(fdRead ? [fdRead] : []), ...(decrypt ? [decrypt] : [])]) values.push({ name: `${fn.name} entry`, value: fn.entry, source: fn.source });
    const close = planFdClose(ctx, values);
    probes.push(...close.probes);
    const config: Http1TlsConfig = {
      kind: 'tls',
      goidOffset: off.goid.value, ifaceOff: off.ifaceOff.value, connFd: off.connFd.value, netfdPfd: off.netfdPfd.value, pfdSysfd: off.pfdSysfd.value,
      tcpConnItab: 'address' in itab ? itab.address : null, ...('why' in itab ? { itabWhy: itab.why } : {}),
      pie: bin.elf.elfType === 3,
      write: { conn: w.recv, buf: w.bufPtr, len: w.bufLen },
      read: { conn: r.recv, buf: r.bufPtr, n: r.n! },
      readAtReturn,
      fdRead: fdWords,
      decrypt: decryptWords,
      fdClose: close.fd,
    };
    return { probes, values, config };
  },
};
