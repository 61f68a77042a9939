// Evaluates a DWARF location expression (DWARF 5 section 2.5–2.6) to where a
// value lives at a function's entry PC, in the ValueLocation shape.
//
// Only the operations Go and ordinary C compilers use for parameters are
// modelled: registers (DW_OP_regN/regx), SP-relative memory
// (DW_OP_call_frame_cfa, DW_OP_fbreg, DW_OP_breg7 with constants and
// plus/minus), and DW_OP_piece. Anything else (dereferences, stack values,
// entry values, bit pieces, other base registers) gives `undefined`: the
// caller must never be handed a location that is wrong.
//
// Stack offsets are relative to SP at entry. There the CFA is SP+8 (CALL has
// just pushed the return address), so DW_OP_call_frame_cfa is offset 8; this
// only holds at the entry PC, which is the only PC this module is used for.
import { DWARF_X86_64_REGS, LocationPiece, ValueLocation } from '../location';
import { DWARF_REG_RSP, OP } from './constants';
import { DwarfReader } from './reader';

/** The CFA at the entry PC, as an offset from SP: just above the return address. */
export const CFA_AT_ENTRY = 8;

interface Val {
  /** True when `v` is an offset from SP at entry; false for a plain number. */
  readonly sp: boolean;
  readonly v: number;
}

type Place = LocationPiece['location'];
/** Marks a place that exists but cannot be expressed as a ValueLocation. */
const UNKNOWN = Symbol('unknown');

function register(n: number): Place | typeof UNKNOWN {
  const name = DWARF_X86_64_REGS[n];
  return name === undefined ? UNKNOWN : { kind: 'register', register: name };
}

/** Reads an 8-byte constant, refusing ones a JS number cannot hold. */
function const8(r: DwarfReader, signed: boolean): number | undefined {
  const lo = r.u32(), hi = r.u32();
  const v = signed && hi >= 0x8000_0000 ? (hi - 0x1_0000_0000) * 0x1_0000_0000 + lo : hi * 0x1_0000_0000 + lo;
  return Number.isSafeInteger(v) ? v : undefined;
}

/**
 * Evaluates the expression in `r`'s window. `frameBase` is the function's
 * frame base as an SP-at-entry offset (undefined when it is not SP-relative).
 */
export function evaluateLocation(r: DwarfReader, frameBase: number | undefined, addrSize: number): ValueLocation | undefined {
  const stack: Val[] = [];
  let reg: Place | typeof UNKNOWN | null = null;
  const pieces: LocationPiece[] = [];

  /** Where the part described so far lives: a place, undefined (empty), or UNKNOWN. */
  const current = (): Place | typeof UNKNOWN => {
    if (reg !== null) return stack.length === 0 ? reg : UNKNOWN;
    const top = stack[stack.length - 1];
    if (top === undefined) return undefined;
    // A plain number would be an absolute address (a global): not a parameter slot we can express.
    return top.sp ? { kind: 'stack', offset: top.v } : UNKNOWN;
  };
  const push = (sp: boolean, v: number | undefined): boolean => {
    if (v === undefined) return false;
    stack.push({ sp, v });
    return true;
  };

  while (r.remaining > 0) {
    const op = r.u8();
    // After a register location only a piece may follow (DWARF 5 §2.6.1.1.3).
    if (reg !== null && op !== OP.piece) return undefined;
    if (op >= OP.reg0 && op <= OP.reg31) { reg = register(op - OP.reg0); continue; }
    if (op >= OP.lit0 && op <= OP.lit31) { push(false, op - OP.lit0); continue; }
    if (op >= OP.breg0 && op <= OP.breg31) {
      const off = r.sleb();
      if (op - OP.breg0 !== DWARF_REG_RSP) return undefined; // other registers' values are unknown statically
      push(true, off);
      continue;
    }
    switch (op) {
      case OP.regx: reg = register(r.uleb()); break;
      case OP.bregx: {
        const n = r.uleb(), off = r.sleb();
        if (n !== DWARF_REG_RSP) return undefined;
        push(true, off);
        break;
      }
      case OP.addr: push(false, r.uint(addrSize)); break;
      case OP.const1u: push(false, r.u8()); break;
      case OP.const1s: push(false, r.i8()); break;
      case OP.const2u: push(false, r.u16()); break;
      case OP.const2s: push(false, (r.u16() << 16) >> 16); break;
      case OP.const4u: push(false, r.u32()); break;
      case OP.const4s: push(false, r.u32() | 0); break;
      case OP.const8u: if (!push(false, const8(r, false))) return undefined; break;
      case OP.const8s: if (!push(false, const8(r, true))) return undefined; break;
      case OP.constu: push(false, r.uleb()); break;
      case OP.consts: push(false, r.sleb()); break;
      case OP.call_frame_cfa: push(true, CFA_AT_ENTRY); break;
      case OP.fbreg: {
        const off = r.sleb();
        if (frameBase === undefined) return undefined;
        push(true, frameBase + off);
        break;
      }
      case OP.plus_uconst: {
        const top = stack.pop();
        if (!top) return undefined;
        push(top.sp, top.v + r.uleb());
        break;
      }
      case OP.plus: case OP.minus: {
        const b = stack.pop(), a = stack.pop();
        if (!a || !b) return undefined;
        if (op === OP.plus) {
          if (a.sp && b.sp) return undefined; // SP+SP is no address
          push(a.sp || b.sp, a.v + b.v);
        } else {
          if (b.sp && !a.sp) return undefined;
          push(a.sp && !b.sp, a.v - b.v); // SP−SP is a plain distance
        }
        break;
      }
      case OP.dup: { const t = stack[stack.length - 1]; if (!t) return undefined; stack.push(t); break; }
      case OP.drop: if (!stack.pop()) return undefined; break;
      case OP.over: { const t = stack[stack.length - 2]; if (!t) return undefined; stack.push(t); break; }
      case OP.swap: {
        const b = stack.pop(), a = stack.pop();
        if (!a || !b) return undefined;
        stack.push(b, a);
        break;
      }
      case OP.piece: {
        const size = r.uleb();
        const place = current();
        if (place === UNKNOWN) return undefined;
        pieces.push({ size, location: place });
        reg = null;
        stack.length = 0;
        break;
      }
      case OP.nop: break;
      default: return undefined; // deref, stack_value, implicit_value, entry_value, bit_piece…
    }
  }
  const last = current();
  if (last === UNKNOWN) return undefined;
  if (pieces.length === 0) return last;
  if (last !== undefined) return undefined; // a trailing part with no DW_OP_piece size
  return pieces.some((p) => p.location !== undefined) ? { kind: 'pieces', pieces } : undefined;
}

/**
 * A function's DW_AT_frame_base at entry, as an offset from SP: Go uses
 * DW_OP_call_frame_cfa (8); compilers that use `DW_OP_reg7 rsp` or
 * `DW_OP_breg7 N` mean SP+0 or SP+N. Any other base is unknown at entry.
 */
export function frameBaseAtEntry(r: DwarfReader, addrSize: number): number | undefined {
  const loc = evaluateLocation(r, undefined, addrSize);
  if (loc?.kind === 'stack') return loc.offset;
  if (loc?.kind === 'register' && loc.register === DWARF_X86_64_REGS[DWARF_REG_RSP]) return 0;
  return undefined;
}
