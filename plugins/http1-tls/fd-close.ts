// internal/poll.(*FD).Close at entry, for both http1-tls rules: the moment a
// connection ends. Without it a connection's end is seen only when its fd
// comes back for another connection or tracing stops, so a response that
// the connection's close delimits (HTTP/1.0, `Connection: close` without a
// length) and a request left unanswered were reported late.
import type { GoLocation } from '../../core/bpf/go-location';
import type { HookerContext, ProbeSpec, ResolvedValue } from '../../core/engine/plugin';
import { receiverWord } from './locations';
import { entryProbe } from './probe-sites';

export const FD_CLOSE = 'internal/poll.(*FD).Close';

/** Where FD.Close's receiver is; null when the binary has no FD.Close (then ends are seen late, as before). */
export function planFdClose(ctx: HookerContext, values: ResolvedValue[]): { fd: GoLocation | null; probes: ProbeSpec[] } {
  const fn = ctx.functions.get(FD_CLOSE) ?? ctx.binary.findFunction(FD_CLOSE);
  if (!fn) {
    values.push({ name: `${FD_CLOSE} entry`, value: null, source: 'symtab', detail: 'not in the binary: a connection is known to have ended only when its fd is reused' });
    return { fd: null, probes: [] };
  }
  values.push({ name: `${FD_CLOSE} entry`, value: fn.entry, source: fn.source });
  return { fd: receiverWord(ctx.binary, fn, values), probes: [entryProbe(ctx.binary, fn, 'uprobe_poll_fd_close', 'a socket closing: its connection ended')] };
}
