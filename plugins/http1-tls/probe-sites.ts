// Probe sites of one function, as the http1-tls hookers plan them: its entry
// (after the stack-growth check) and every RET (Go cannot use uretprobes).
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import { findEntrySite } from '../../core/binary/prologue';
import type { HookerContext, ProbeSpec } from '../../core/engine/plugin';
import { GotraceError } from '../../core/errors';

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
