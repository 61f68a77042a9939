// Where each argument and result of a Go function lives at entry (and results
// at RET), computed from its signature alone, so probes work without DWARF.
//
// 'register' is ABIInternal on amd64 (Go 1.17+), implementing the assignment
// algorithm of https://github.com/golang/go/blob/go1.19/src/cmd/compile/abi-internal.md
// as cmd/compile/internal/abi/abiutils.go does (assignParamOrReturn, regassign).
// 'stack' is ABI0, every Go function before Go 1.17: the same algorithm with
// zero registers ("equivalent to Go's stack-based ABI0 calling convention if
// there are zero architecture registers", abi-internal.md).
//
// Stack offsets are relative to SP at entry, where the return address sits, so
// the stack argument area starts at SP+8 (see ../location.ts). At a RET, SP
// has the same value again, so results' stack offsets hold there too.
import type { LocationPiece, ValueLocation } from '../location';
import type { GoSignature, GoParam } from './signature';
import { formatType, layoutOf, roundUp, structLayout, underlying, type GoType, type TypeResolver } from './types';

export type Abi = 'register' | 'stack';

type StackSlot = Extract<ValueLocation, { kind: 'stack' }>;

export interface AssignedValue {
  readonly name: string;
  readonly type: string;
  readonly isResult: boolean;
  readonly isReceiver: boolean;
  readonly size: number;
  /**
   * Params and the receiver: where the value is at function entry. Results:
   * where it is at a RET. undefined for zero-sized values.
   */
  readonly location: ValueLocation | undefined;
  /**
   * Register ABI only, for register-assigned receiver and params: the spill
   * slot the caller reserves. The callee may store the value there (in its
   * memory layout) when it needs it in memory; it is uninitialized at entry.
   */
  readonly spill?: StackSlot;
}

/** amd64's argument registers, in assignment order (abi-internal.md, "amd64 architecture"). */
export const INT_REGS: readonly string[] = ['rax', 'rbx', 'rcx', 'rdi', 'rsi', 'r8', 'r9', 'r10', 'r11'];
export const FLOAT_REGS: readonly string[] = Array.from({ length: 15 }, (_, i) => `xmm${i}`);

const PTR = 8;
/** The return address pushed by CALL sits at SP; the argument area starts above it. */
const ARGS_BASE = 8;

interface Leaf { readonly offset: number; readonly size: number; readonly float: boolean }

/**
 * The base values a value of type `t` decomposes into for register
 * assignment, at their memory offsets; undefined when it holds an array of
 * more than one element (such values always go on the stack).
 */
function leaves(t: GoType, resolve: TypeResolver | undefined, base: number, out: Leaf[]): boolean {
  const u = underlying(t, resolve);
  const int = (offset: number, size = PTR): void => { out.push({ offset, size, float: false }); };
  switch (u.kind) {
    case 'basic':
      switch (u.name) {
        case 'float32': case 'float64': out.push({ offset: base, size: u.name === 'float32' ? 4 : 8, float: true }); return true;
        case 'complex64': case 'complex128': {
          // Real then imaginary part, each in its own float register.
          const half = u.name === 'complex64' ? 4 : 8;
          out.push({ offset: base, size: half, float: true }, { offset: base + half, size: half, float: true });
          return true;
        }
        case 'string': int(base); int(base + PTR); return true;
        default: int(base, layoutOf(u).size); return true;
      }
    case 'pointer': case 'map': case 'chan': case 'func': int(base); return true;
    case 'slice': int(base); int(base + PTR); int(base + 2 * PTR); return true;
    case 'interface': int(base); int(base + PTR); return true;
    case 'array':
      if (u.length === 0) return true;
      return u.length === 1 && leaves(u.elem, resolve, base, out);
    case 'struct': {
      const { offsets } = structLayout(u.fields, resolve);
      return u.fields.every((f, i) => leaves(f.type, resolve, base + offsets[i]!, out));
    }
  }
}

/** Registers as a location: one register when the value is one base value, else DW_OP_piece-style pieces with padding gaps. */
function registerLocation(ls: readonly Leaf[], regs: readonly string[], size: number): ValueLocation {
  if (ls.length === 1 && ls[0]!.size === size) return { kind: 'register', register: regs[0]! };
  const pieces: LocationPiece[] = [];
  let cursor = 0;
  ls.forEach((l, i) => {
    if (l.offset > cursor) pieces.push({ size: l.offset - cursor, location: undefined });
    pieces.push({ size: l.size, location: { kind: 'register', register: regs[i]! } });
    cursor = l.offset + l.size;
  });
  return { kind: 'pieces', pieces };
}

interface Entry { readonly p: GoParam; readonly isResult: boolean; readonly isReceiver: boolean }

/**
 * Locations of the receiver, params and results of `sig` under `abi`.
 * Throws ERR_ABI_UNKNOWN_TYPE when a type's layout is unknown (pass a
 * `resolve` that knows it, e.g. from DWARF).
 */
export function assignLocations(sig: GoSignature, abi: Abi, resolve?: TypeResolver): AssignedValue[] {
  const nInt = abi === 'register' ? INT_REGS.length : 0;
  const nFloat = abi === 'register' ? FLOAT_REGS.length : 0;
  const entries: Entry[] = [
    ...(sig.receiver ? [{ p: sig.receiver, isResult: false, isReceiver: true }] : []),
    ...sig.params.map((p) => ({ p, isResult: false, isReceiver: false })),
    ...sig.results.map((p) => ({ p, isResult: true, isReceiver: false })),
  ];
  let stack = 0, ints = 0, floats = 0, spillSize = 0;
  const out: { value: Omit<AssignedValue, 'spill'>; spillAt?: number }[] = [];
  let resultsStarted = false;
  for (const { p, isResult, isReceiver } of entries) {
    if (isResult && !resultsStarted) {
      // Results restart at the first registers, and their stack area is pointer-aligned.
      resultsStarted = true;
      stack = roundUp(stack, PTR);
      ints = floats = 0;
    }
    const { size, align } = layoutOf(p.type, resolve);
    const base = { name: p.name, type: formatType(p.type), isResult, isReceiver, size };
    const ls: Leaf[] = [];
    const fits = size > 0 && leaves(p.type, resolve, 0, ls) && (() => {
      const wantI = ls.filter((l) => !l.float).length, wantF = ls.length - wantI;
      return ints + wantI <= nInt && floats + wantF <= nFloat;
    })();
    if (fits) {
      const regs: string[] = [];
      for (const l of ls) regs.push(l.float ? FLOAT_REGS[floats++]! : INT_REGS[ints++]!);
      let spillAt: number | undefined;
      if (!isResult) {
        // Spill slots follow the same memory layout, in a separate area (laid out below).
        spillAt = roundUp(spillSize, align);
        spillSize = spillAt + size;
      }
      out.push({ value: { ...base, location: registerLocation(ls, regs, size) }, spillAt });
    } else {
      // Not register-assignable (or zero-sized): the whole value goes on the stack,
      // and the register counters stay where they were before it.
      stack = roundUp(stack, align);
      out.push({ value: { ...base, location: size > 0 ? { kind: 'stack', offset: ARGS_BASE + stack } : undefined } });
      stack += size;
    }
  }
  if (!resultsStarted) stack = roundUp(stack, PTR);
  const spillBase = ARGS_BASE + roundUp(stack, PTR);
  return out.map(({ value, spillAt }) =>
    (spillAt === undefined ? value : { ...value, spill: { kind: 'stack', offset: spillBase + spillAt } }));
}
