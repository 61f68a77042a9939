// What a traced value is, for BPF: a kind, and 1-3 places (8 bytes each at
// most) to read at the probe. Built from a Go type and a ValueLocation, which
// come from DWARF or from the ABI rules.
import type { ValueLocation } from '../../core/binary/location';
import { underlying, type GoType, type TypeResolver } from '../../core/binary/abi/types';
import type { GoLocation, GoIntRegister } from '../../core/bpf/go-location';

export const FT_KIND = { none: 0, int: 1, uint: 2, bool: 3, float: 4, string: 5, pointer: 6, slice: 7 } as const;
export type ValueKind = keyof typeof FT_KIND;

export interface TracedValue {
  readonly name: string;
  readonly type: string;
  readonly kind: ValueKind;
  /** Byte size of the scalar (int8 → 1), for sign extension and float width. */
  readonly size: number;
  readonly pieces: readonly GoLocation[];
  /** Why the value cannot be captured, when kind is 'none'. */
  readonly unavailable?: string;
}

function kindOf(t: GoType, resolve?: TypeResolver): { kind: ValueKind; size: number } | string {
  let u;
  try {
    u = underlying(t, resolve);
  } catch {
    return 'its type has no known layout';
  }
  switch (u.kind) {
    case 'basic': {
      const n = u.name;
      if (n === 'string') return { kind: 'string', size: 16 };
      if (n === 'bool') return { kind: 'bool', size: 1 };
      if (n === 'float32') return { kind: 'float', size: 4 };
      if (n === 'float64') return { kind: 'float', size: 8 };
      if (n.startsWith('complex')) return 'complex values are not captured';
      if (n === 'unsafe.Pointer' || n === 'uintptr') return { kind: n === 'uintptr' ? 'uint' : 'pointer', size: 8 };
      const bits = /(\d+)$/.exec(n)?.[1];
      const size = bits ? Number(bits) / 8 : 8;
      return { kind: n.startsWith('u') ? 'uint' : 'int', size };
    }
    case 'pointer': case 'map': case 'chan': case 'func': return { kind: 'pointer', size: 8 };
    // An interface's first word (itab or type) is 0 exactly when it is nil.
    case 'interface': return { kind: 'pointer', size: 8 };
    case 'slice': return { kind: 'slice', size: 24 };
    default: return `${u.kind} values are not captured`;
  }
}

const REG = (r: string): GoIntRegister | undefined => {
  const up = r.toUpperCase();
  return (['RAX', 'RBX', 'RCX', 'RDI', 'RSI', 'R8', 'R9', 'R10', 'R11'] as const).find((x) => x === up);
};

/** The word-sized places of a value, or why there are none. */
function piecesOf(loc: ValueLocation, words: number, scalarSize: number): GoLocation[] | string {
  const one = (l: { kind: 'register'; register: string } | { kind: 'stack'; offset: number }, size: number): GoLocation | string => {
    if (l.kind === 'stack') return { kind: 'stack', offset: l.offset, size };
    const reg = REG(l.register);
    return reg ? { kind: 'register', register: reg, size } : `it is in ${l.register}, which BPF cannot read (pt_regs has no vector registers)`;
  };
  const out: GoLocation[] = [];
  if (loc.kind === 'pieces') {
    for (const p of loc.pieces.slice(0, words)) {
      if (!p.location) return 'part of it has no location';
      const r = one(p.location, Math.min(p.size, 8));
      if (typeof r === 'string') return r;
      out.push(r);
    }
    return out;
  }
  if (loc.kind === 'stack') {
    for (let i = 0; i < words; i++) out.push({ kind: 'stack', offset: loc.offset + 8 * i, size: words === 1 ? scalarSize : 8 });
    return out;
  }
  if (words > 1) return 'a multi-word value in one register';
  const r = one(loc, scalarSize);
  return typeof r === 'string' ? r : [r];
}

export function tracedValue(name: string, typeName: string, t: GoType, loc: ValueLocation | undefined, resolve?: TypeResolver): TracedValue {
  const k = kindOf(t, resolve);
  const none = (why: string): TracedValue => ({ name, type: typeName, kind: 'none', size: 0, pieces: [], unavailable: why });
  if (typeof k === 'string') return none(k);
  if (!loc) return none('no location is known at the probe');
  const words = k.kind === 'string' ? 2 : k.kind === 'slice' ? 3 : 1;
  const pieces = piecesOf(loc, words, Math.min(k.size, 8));
  if (typeof pieces === 'string') return none(pieces);
  if (pieces.length < Math.min(words, 2)) return none('its location is incomplete');
  return { name, type: typeName, kind: k.kind, size: k.size, pieces };
}
