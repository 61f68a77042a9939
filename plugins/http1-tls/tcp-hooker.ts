// Plans the plain-TCP probes of http1-tls for one binary:
// internal/poll.(*FD).Write at entry (the bytes about to be sent) and
// internal/poll.(*FD).Read at entry and every RET (the bytes received). The
// BPF side keeps TCP sockets only and skips those carrying TLS; the programs
// for FD.Read are the ones the TLS rule uses for read seqs, so a binary both
// rules plan gets them once (runtime.ts merges the plans).
import type { Hooker, HookerContext, ProbePlan, ResolvedValue } from '../../core/engine/plugin';
import { resolveStructOffset } from '../../core/offsets/struct-offset';
import { GO_STD_TABLE } from '../../core/offsets/tables';
import type { GoLocation } from '../../core/bpf/go-location';
import { FD_READ, entryProbe, required } from './hooker';
import { methodWords } from './locations';
import { planFdRead, type FdReadWords } from './fd-read';
import { planFdClose } from './fd-close';

export const FD_WRITE = 'internal/poll.(*FD).Write';

export interface Http1TcpConfig {
  readonly kind: 'tcp';
  readonly goidOffset: number;
  readonly pfdSysfd: number;
  readonly fdRead: FdReadWords;
  readonly fdWrite: { fd: GoLocation; buf: GoLocation; len: GoLocation };
  readonly fdClose: GoLocation | null;
}

export const tcpHooker: Hooker = {
  name: 'go-tcp',
  description: 'plain HTTP/1 bytes of internal/poll.(*FD).Write and Read on TCP sockets that carry no TLS',
  plan(ctx: HookerContext): ProbePlan {
    const bin = ctx.binary;
    const values: ResolvedValue[] = [];
    const off = (f: string): number => {
      const o = resolveStructOffset(bin, f, { pins: ctx.selector.offsets, tables: [GO_STD_TABLE] });
      values.push({ name: o.field, value: o.value, source: o.source, detail: o.detail });
      return o.value;
    };
    const goidOffset = off('runtime.g.goid'), pfdSysfd = off('internal/poll.FD.Sysfd');
    const write = required(ctx, FD_WRITE), read = required(ctx, FD_READ);
    const w = methodWords(bin, write, values, false), r = planFdRead(ctx, read, values, 'the bytes received, n of them');
    for (const fn of [write, read]) values.push({ name: `${fn.name} entry`, value: fn.entry, source: fn.source });
    const close = planFdClose(ctx, values);
    const config: Http1TcpConfig = {
      kind: 'tcp', goidOffset, pfdSysfd,
      fdRead: r.words,
      fdWrite: { fd: w.recv, buf: w.bufPtr, len: w.bufLen },
      fdClose: close.fd,
    };
    return {
      probes: [
        entryProbe(bin, write, 'uprobe_poll_fd_write', 'bytes about to be sent on a socket'),
        ...r.probes,
        ...close.probes,
      ],
      values,
      config,
    };
  },
};
