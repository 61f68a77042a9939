// Plans the probes for one Go function: an entry probe after the stack check,
// a probe on every RET, and where each argument and result lives, with the
// provenance of every location (DWARF, or the Go signature under the ABI rules).
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import { findEntrySite } from '../../core/binary/prologue';
import { assignLocations } from '../../core/binary/abi/assign';
import { parseSignature, parseType } from '../../core/binary/abi/signature';
import type { GoSignature } from '../../core/binary/abi/signature';
import type { GoType, TypeResolver } from '../../core/binary/abi/types';
import type { Hooker, HookerContext, ProbePlan, ProbeSpec, ResolvedValue } from '../../core/engine/plugin';
import { GotraceError } from '../../core/errors';
import { tracedValue, type TracedValue } from './values';
import { GO_RUNTIME_TABLE, resolveStructOffset } from '../../core/offsets/struct-offset';

export interface FunctionPlanConfig {
  readonly function: string;
  readonly params: readonly TracedValue[];
  readonly results: readonly TracedValue[];
}

export interface FuncTraceConfig {
  readonly goidOffset: number;
  readonly functions: readonly FunctionPlanConfig[];
}

export const ENTRY_PROGRAM = 'uprobe_any_func';
export const RETURN_PROGRAM = 'uprobe_any_func_ret';

/** Named struct types laid out from DWARF, so the ABI rules can place them. */
function dwarfResolver(bin: GoBinary): TypeResolver {
  return (name) => {
    // Predeclared names (error, any, byte…) are the type model's own; DWARF names their runtime representation.
    if (!name.includes('.')) return undefined;
    const s = bin.dwarf?.struct(name);
    if (!s) return undefined;
    return { kind: 'struct', fields: s.fields.map((f) => ({ name: f.name, type: safeType(f.type) })) };
  };
}

function safeType(name: string): GoType {
  try {
    return parseType(name);
  } catch {
    return { kind: 'named', name };
  }
}

/** The signature: from DWARF's parameter types when present, else the one the rule gives. */
function signatureFor(bin: GoBinary, fn: ResolvedFunction, given: string | undefined): { sig: GoSignature; from: 'dwarf' | 'given' } {
  const dw = bin.dwarf?.function(fn.name);
  if (dw && dw.params.length) {
    const params = dw.params.filter((p) => !p.isResult).map((p) => ({ name: p.name, type: safeType(p.type) }));
    const results = dw.params.filter((p) => p.isResult).map((p) => ({ name: p.name, type: safeType(p.type) }));
    return { sig: { params, results }, from: 'dwarf' };
  }
  // Prefixed with the linker name, so a method's receiver is inferred from it (`os.(*File).Write` → f *os.File).
  if (given) return { sig: parseSignature(given.startsWith('func') ? given : `${fn.name}${given}`), from: 'given' };
  throw new GotraceError('ERR_OFFSET_UNKNOWN',
    `${fn.name}: the binary has no DWARF for it, so argument locations are unknown; give its signature, e.g. --func '${fn.name}(a int, b string) (int, error)'`,
    { file: bin.path });
}

export function planFunction(bin: GoBinary, fn: ResolvedFunction, givenSignature?: string): { probes: ProbeSpec[]; values: ResolvedValue[]; config: FunctionPlanConfig } {
  const { sig, from } = signatureFor(bin, fn, givenSignature);
  const resolve = bin.hasDwarf ? dwarfResolver(bin) : undefined;
  const assigned = assignLocations(sig, bin.abi, resolve);
  const dwParams = from === 'dwarf' ? bin.dwarf!.function(fn.name)!.params.filter((p) => !p.isResult) : [];
  const values: ResolvedValue[] = [];
  const all = [...(sig.receiver ? [sig.receiver] : []), ...sig.params, ...sig.results];
  const traced = assigned.map((a, i) => {
    // Params: DWARF's own location at entry wins; results are read at RET, where only the ABI says where they are.
    const dw = !a.isResult ? dwParams.find((p) => p.name === a.name) : undefined;
    const loc = dw?.location ?? a.location;
    const source = dw?.location ? 'dwarf' : 'signature/abi';
    values.push({ name: `${fn.name} ${a.isResult ? 'result' : 'param'} ${a.name}`, value: loc ?? null, source,
      detail: source === 'signature/abi' ? `${bin.abi} ABI, types from ${from === 'dwarf' ? 'DWARF' : 'the given signature'}` : 'location at entry PC' });
    return { v: tracedValue(a.name, a.type, all[i]!.type, loc, resolve), isResult: a.isResult };
  });
  const entry = findEntrySite(bin.elf, fn.entry, fn.end, fn.name);
  const rets = bin.returnSites(fn);
  if (rets.length === 0) {
    throw new GotraceError('ERR_OFFSET_UNKNOWN', `${fn.name} has no RET instruction (it never returns normally); trace a function that returns`, { file: bin.path });
  }
  const probes: ProbeSpec[] = [
    { symbol: fn.name, kind: 'entry', address: entry.address, fileOffset: entry.fileOffset, program: ENTRY_PROGRAM,
      why: entry.afterStackCheck ? 'arguments, after the stack-growth check so morestack re-entry is not counted twice' : 'arguments, at the entry (its prologue has no stack check, so it is never re-run by morestack)' },
    ...rets.map((r) => ({ symbol: fn.name, kind: 'return' as const, address: r.address, fileOffset: r.fileOffset, program: RETURN_PROGRAM,
      why: 'results and latency at a RET (Go cannot use uretprobes)' })),
  ];
  values.push({ name: `${fn.name} entry`, value: fn.entry, source: fn.source });
  return {
    probes, values,
    config: { function: fn.name, params: traced.filter((t) => !t.isResult).map((t) => t.v), results: traced.filter((t) => t.isResult).map((t) => t.v) },
  };
}

export const functionHooker: Hooker = {
  name: 'function',
  description: 'arguments at entry and results at every RET of any Go function',
  fieldsRead: ['runtime.g.goid'],
  plan(ctx: HookerContext): ProbePlan {
    const probes: ProbeSpec[] = [];
    const goid = resolveStructOffset(ctx.binary, 'runtime.g.goid', { pins: ctx.selector.offsets, tables: [GO_RUNTIME_TABLE] });
    const values: ResolvedValue[] = [{ name: goid.field, value: goid.value, source: goid.source, detail: goid.detail }];
    const functions: FunctionPlanConfig[] = [];
    const seen = new Set<number>();
    for (const fn of ctx.functions.values()) {
      if (seen.has(fn.entry)) continue;
      seen.add(fn.entry);
      const p = planFunction(ctx.binary, fn, ctx.selector.signatures?.[fn.name]);
      probes.push(...p.probes);
      values.push(...p.values);
      functions.push(p.config);
    }
    const config: FuncTraceConfig = { goidOffset: goid.value, functions };
    return { probes, values, config };
  },
};
