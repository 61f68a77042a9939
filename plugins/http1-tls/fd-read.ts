// internal/poll.(*FD).Read as both http1-tls rules probe it: the TLS rule for
// the wire seq of the bytes TLS decrypts, the TCP rule for plain bytes. Both
// plan it with this, so a binary both rules pick gets one set of probes.
//
// Where DWARF's location lists prove that fd and p.ptr sit in their spill
// slots at every RET, the RET reads them there and the entry probe goes: two
// uprobe hits fewer per HTTP/1 exchange (FD.Read runs twice per request on a
// net/http server: the request, and the background read that a deadline
// aborts), each ~5 µs of kernel time on this VM. The seq before the read is
// then copied_seq - n at the RET: FD.Read is one read(2) under the FD's read
// lock, so no other reader moved copied_seq during it.
import type { ResolvedFunction } from '../../core/binary/go-binary';
import type { GoLocation } from '../../core/bpf/go-location';
import type { HookerContext, ProbeSpec, ResolvedValue } from '../../core/engine/plugin';
import { resolveStructOffset } from '../../core/offsets/struct-offset';
import { GO_STD_TABLE } from '../../core/offsets/tables';
import { argsAtReturn, methodWords, type ArgsAtReturn } from './locations';
import { entryProbe, retProbes } from './probe-sites';

/** Fields the RET-only FD.Read reads besides Sysfd: only with DWARF, so never needed from a table. */
export const FD_READ_AT_RET_FIELDS = ['internal/poll.FD.fdmu', 'internal/poll.fdMutex.state'] as const;

export interface FdReadWords {
  readonly fd: GoLocation;
  readonly n: GoLocation;
  readonly buf: GoLocation;
  /** fd and p.ptr at every RET, and where FD.fdmu.state is; null: FD.Read has an entry probe. */
  readonly atReturn: (ArgsAtReturn & { readonly fdmuState: number }) | null;
}

export function planFdRead(ctx: HookerContext, fn: ResolvedFunction, values: ResolvedValue[], retWhy: string): { words: FdReadWords; probes: ProbeSpec[] } {
  const bin = ctx.binary;
  const w = methodWords(bin, fn, values);
  const rets = retProbes(bin, fn, 'uprobe_poll_fd_read_ret', retWhy);
  const at = argsAtReturn(bin, fn, rets.map((p) => p.address), values);
  let atReturn: FdReadWords['atReturn'] = null;
  if (at) {
    // The RET runs after the read lock is dropped, so a Close may have begun:
    // FD.fdmu.state's mutexClosed bit says so (internal/poll/fd_mutex.go).
    const [mu, state] = FD_READ_AT_RET_FIELDS.map((f) => {
      const o = resolveStructOffset(bin, f, { pins: ctx.selector.offsets, tables: [GO_STD_TABLE] });
      values.push({ name: o.field, value: o.value, source: o.source, detail: o.detail });
      return o.value;
    });
    atReturn = { ...at, fdmuState: mu! + state! };
  }
  return {
    words: { fd: w.recv, n: w.n!, buf: w.bufPtr, atReturn },
    probes: [
      ...(atReturn ? [] : [entryProbe(bin, fn, 'uprobe_poll_fd_read', 'the fd, buffer and copied_seq before a socket read')]),
      ...rets,
    ],
  };
}
