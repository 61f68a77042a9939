// Plans the http1-tls probes for one binary: crypto/tls.(*Conn).Write at
// entry, crypto/tls.(*Conn).Read at entry and every RET, and (for the wire
// seq of decrypted bytes) internal/poll.(*FD).Read the same way; plus the
// offsets and the itab address that lead from a *tls.Conn to its fd.
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import { findEntrySite } from '../../core/binary/prologue';
import type { GoLocation } from '../../core/bpf/go-location';
import type { Hooker, HookerContext, ProbePlan, ProbeSpec, ResolvedValue } from '../../core/engine/plugin';
import { GotraceError } from '../../core/errors';
import { argsAtReturn, methodWords, type ArgsAtReturn } from './locations';
import { findTcpConnItab, resolveConnOffsets } from './offsets';

export const TLS_WRITE = 'crypto/tls.(*Conn).Write';
export const TLS_READ = 'crypto/tls.(*Conn).Read';
export const FD_READ = 'internal/poll.(*FD).Read';
export const TLS_DECRYPT = 'crypto/tls.(*halfConn).decrypt';

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
  readonly fdRead: { fd: GoLocation; n: GoLocation; buf: GoLocation } | null;
  /** Where (*halfConn).decrypt's record pointer is: read seqs per TLS record. */
  readonly decrypt: { record: GoLocation } | null;
}

export function entryProbe(bin: GoBinary, fn: ResolvedFunction, program: string, why: string): ProbeSpec {
  const e = findEntrySite(bin.elf, fn.entry, fn.end, fn.name);
  return { symbol: fn.name, kind: 'entry', address: e.address, fileOffset: e.fileOffset, program,
    why: `${why}${e.afterStackCheck ? ', after the stack-growth check so morestack re-entry is not counted twice' : ''}` };
}

export function retProbes(bin: GoBinary, fn: ResolvedFunction, program: string, why: string): ProbeSpec[] {
  const rets = bin.returnSites(fn);
  if (!rets.length) throw new GotraceError('ERR_OFFSET_UNKNOWN', `${fn.name} has no RET instruction; the binary is unusual, report it`, { file: bin.path });
  return rets.map((r) => ({ symbol: fn.name, kind: 'return' as const, address: r.address, fileOffset: r.fileOffset, program, why: `${why} (Go cannot use uretprobes)` }));
}

export function required(ctx: HookerContext, name: string): ResolvedFunction {
  const fn = ctx.functions.get(name) ?? ctx.binary.findFunction(name);
  if (!fn) throw new GotraceError('ERR_SYMBOL_NOT_FOUND', `${name} is not in the binary; the rule's checker should have required it`, { file: ctx.binary.path });
  return fn;
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
      const f = methodWords(bin, fdRead, values);
      fdWords = { fd: f.recv, n: f.n!, buf: f.bufPtr };
      probes.push(entryProbe(bin, fdRead, 'uprobe_poll_fd_read', 'copied_seq before a socket read'),
        ...retProbes(bin, fdRead, 'uprobe_poll_fd_read_ret', 'copied_seq after it: the wire seq of what TLS decrypts'));
    }
    // Optional too: with it, a TLS Read's tcpSeq is its record's, exact even when one
    // read(2) brought the handshake's last record and the first request together.
    const decrypt = fdRead ? bin.findFunction(TLS_DECRYPT) : undefined;
    let decryptWords: Http1TlsConfig['decrypt'] = null;
    if (decrypt) {
      decryptWords = { record: methodWords(bin, decrypt, values, false).bufPtr };
      probes.push(entryProbe(bin, decrypt, 'uprobe_crypto_tls_halfconn_decrypt', 'where the TLS record being decrypted starts in the raw input'));
    }
    for (const fn of [write, read, ...(fdRead ? [fdRead] : []), ...(decrypt ? [decrypt] : [])]) values.push({ name: `${fn.name} entry`, value: fn.entry, source: fn.source });
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
    };
    return { probes, values, config };
  },
};
