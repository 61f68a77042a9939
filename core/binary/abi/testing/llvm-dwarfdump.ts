// Test oracle: reads Go functions' parameters, their types and their
// locations at the entry PC from `llvm-dwarfdump --debug-info` text, an
// implementation independent of gotrace's own readers.
//
// Locations become ../../location.ts shapes: DW_OP_regN → register name,
// DW_OP_call_frame_cfa (+N) and DW_OP_fbreg N (Go's frame base is the CFA)
// → stack offset 8+N, because the CFA at entry is SP+8.
import { execFileSync } from 'node:child_process';
import { DWARF_X86_64_REGS, type LocationPiece, type ValueLocation } from '../../location';
import { parseType } from '../signature';
import type { GoType, TypeResolver } from '../types';

export interface Die {
  readonly offset: number;
  readonly tag: string;
  /** Attribute name without DW_AT_ → raw value text inside the outer parentheses. */
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: readonly Die[];
}

export interface DwarfParam {
  readonly name: string;
  readonly isResult: boolean;
  /** The Go type name from the type DIE's own DW_AT_name (`*crypto/tls.Conn`, not llvm's `crypto/tls.Conn *`). */
  readonly typeName: string;
  readonly typeOffset: number;
  /** At the function's low_pc: the first location-list entry covering it; undefined if none does. */
  readonly location: ValueLocation | undefined;
}

export interface DwarfFunction {
  readonly name: string;
  readonly lowPc: number;
  readonly params: readonly DwarfParam[];
}

const HEADER = /^0x([0-9a-f]+):(\s+)(DW_TAG_\w+|NULL)/;
const ATTR = /^\s+DW_AT_(\w+)\t\((.*)$/;

/** Go's reflect.Kind values, which Go writes in DW_AT_go_kind (0x2900). */
const GO_KIND: Readonly<Record<number, string>> = {
  1: 'bool', 2: 'int', 3: 'int8', 4: 'int16', 5: 'int32', 6: 'int64', 7: 'uint', 8: 'uint8', 9: 'uint16',
  10: 'uint32', 11: 'uint64', 12: 'uintptr', 13: 'float32', 14: 'float64', 15: 'complex64', 16: 'complex128',
  17: 'array', 18: 'chan', 19: 'func', 20: 'interface', 21: 'map', 22: 'ptr', 23: 'slice', 24: 'string',
  25: 'struct', 26: 'unsafe.Pointer',
};

const dumps = new Map<string, DwarfText>();

export class DwarfText {
  private readonly lines: string[];
  private readonly at = new Map<number, number>();
  private readonly funcs = new Map<string, number>();
  private readonly dies = new Map<number, Die>();

  private constructor(text: string) {
    this.lines = text.split('\n');
    for (let i = 0; i < this.lines.length; i++) {
      const m = HEADER.exec(this.lines[i]!);
      if (!m) continue;
      const off = parseInt(m[1]!, 16);
      this.at.set(off, i);
      if (m[3] === 'DW_TAG_subprogram') {
        const n = /^\s+DW_AT_name\t\((".*")\)$/.exec(this.lines[i + 1] ?? '');
        if (n && !this.funcs.has(unquote(n[1]!))) this.funcs.set(unquote(n[1]!), off);
      }
    }
  }

  /** The whole .debug_info of `path` as text, parsed once per process. */
  static load(path: string): DwarfText {
    let d = dumps.get(path);
    if (!d) {
      const text = execFileSync('llvm-dwarfdump', ['--debug-info', path], { encoding: 'utf8', maxBuffer: 1 << 30 });
      dumps.set(path, (d = new DwarfText(text)));
    }
    return d;
  }

  functionNames(): string[] {
    return [...this.funcs.keys()];
  }

  die(offset: number): Die {
    const hit = this.dies.get(offset);
    if (hit) return hit;
    const line = this.at.get(offset);
    if (line === undefined) throw new Error(`no DIE at 0x${offset.toString(16)}`);
    const d = this.parseDie(line);
    this.dies.set(offset, d);
    return d;
  }

  private parseDie(line: number): Die {
    const m = HEADER.exec(this.lines[line]!)!;
    const depth = m[2]!.length;
    const attrs = new Map<string, string>();
    let i = line + 1, cur: string | undefined, val = '';
    const flush = (): void => { if (cur) attrs.set(cur, val.replace(/\)\s*$/, '')); };
    for (; i < this.lines.length && this.lines[i] !== '' && !HEADER.test(this.lines[i]!); i++) {
      const a = ATTR.exec(this.lines[i]!);
      if (a) { flush(); cur = a[1]!; val = a[2]!; } else val += '\n' + this.lines[i]!.trim();
    }
    flush();
    const children: Die[] = [];
    // Children follow at a deeper indentation, up to their NULL.
    for (; i < this.lines.length; i++) {
      const h = HEADER.exec(this.lines[i]!);
      if (!h) continue;
      if (h[2]!.length <= depth) break;
      if (h[2]!.length !== depth + 2) continue;
      if (h[3] === 'NULL') break;
      children.push(this.die(parseInt(h[1]!, 16)));
    }
    return { offset: parseInt(m[1]!, 16), tag: m[3]!, attrs, children };
  }

  function(name: string): DwarfFunction {
    const off = this.funcs.get(name);
    if (off === undefined) throw new Error(`no DW_TAG_subprogram named ${name}`);
    const f = this.die(off);
    const lowPc = parseInt(f.attrs.get('low_pc')!, 16);
    const params = f.children.filter((c) => c.tag === 'DW_TAG_formal_parameter').map((p): DwarfParam => {
      const typeOffset = refOffset(p.attrs.get('type')!);
      return {
        name: unquote(p.attrs.get('name') ?? '""'),
        isResult: /^(0x01|true)$/.test(p.attrs.get('variable_parameter') ?? ''),
        typeOffset,
        typeName: this.typeName(typeOffset),
        location: locationAt(p.attrs.get('location'), lowPc),
      };
    });
    return { name, lowPc, params };
  }

  typeName(offset: number): string {
    return unquote(this.die(offset).attrs.get('name') ?? '""');
  }

  private byName: Map<string, number> | undefined;

  /** Type DIEs by name (the first of each name); Go writes interfaces as a typedef with DW_AT_go_kind, then a typedef to that. */
  private typesByName(): Map<string, number> {
    if (!this.byName) {
      this.byName = new Map();
      for (const [off, line] of this.at) {
        const n = /^\s+DW_AT_name\t\((".*")\)$/.exec(this.lines[line + 1] ?? '');
        if (n && /_type$|_typedef$/.test(HEADER.exec(this.lines[line]!)![3]!) && !this.byName.has(unquote(n[1]!))) this.byName.set(unquote(n[1]!), off);
      }
    }
    return this.byName;
  }

  /** Offsets of named type DIEs, by name. */
  typeOffsets(): ReadonlyMap<string, number> {
    return this.typesByName();
  }

  /** Underlying types of named types, built from their DIEs. */
  resolver(): TypeResolver {
    return (name) => {
      const off = this.typesByName().get(name);
      return off === undefined ? undefined : this.underlying(off);
    };
  }

  /**
   * A type's underlying type, enough for layout: pointer-shaped kinds and
   * slices get a placeholder element (their size does not depend on it),
   * arrays and structs their real elements and fields.
   */
  private underlying(offset: number): GoType | undefined {
    const d = this.die(offset);
    const kind = GO_KIND[parseInt(d.attrs.get('GO_kind') ?? '0', 16)];
    const elem = (): GoType => parseType(this.typeName(refOffset(d.attrs.get('type')!)));
    switch (kind) {
      case undefined: return d.tag === 'DW_TAG_typedef' && d.attrs.has('type') ? this.underlying(refOffset(d.attrs.get('type')!)) : undefined;
      case 'ptr': case 'map': case 'chan': case 'func': return { kind: 'pointer', elem: { kind: 'basic', name: 'uint8' } };
      case 'interface': return { kind: 'interface', body: this.typeName(offset) };
      case 'slice': return { kind: 'slice', elem: { kind: 'basic', name: 'uint8' } };
      case 'array': {
        const sub = d.children.find((c) => c.tag === 'DW_TAG_subrange_type');
        return { kind: 'array', length: Number(sub?.attrs.get('count') ?? '0'), elem: elem() };
      }
      case 'struct':
        return {
          kind: 'struct',
          fields: d.children.filter((c) => c.tag === 'DW_TAG_member').map((c) => ({
            name: unquote(c.attrs.get('name') ?? '""'),
            type: parseType(this.typeName(refOffset(c.attrs.get('type')!))),
          })),
        };
      default: return { kind: 'basic', name: kind as 'int' };
    }
  }
}

/** Strips the quotes; llvm-dwarfdump writes non-ASCII bytes as octal escapes (`\302\267` for '·'). */
function unquote(s: string): string {
  return s.replace(/^"|"$/g, '').replace(/(\\[0-7]{3})+/g, (esc) =>
    Buffer.from(esc.split('\\').slice(1).map((o) => parseInt(o, 8))).toString('utf8'));
}

/** `0x00000000000540bf "int8"` → 0x540bf. */
function refOffset(v: string): number {
  return parseInt(/^0x([0-9a-f]+)/.exec(v)![1]!, 16);
}

/**
 * The location in effect at `pc`: a single expression applies everywhere; a
 * location list's first entry whose [lo, hi) covers `pc` applies.
 */
export function locationAt(value: string | undefined, pc: number): ValueLocation | undefined {
  if (value === undefined || value.includes('<empty>')) return undefined;
  if (!value.includes('[0x')) return parseExpr(value.trim());
  for (const line of value.split('\n')) {
    const m = /\[0x([0-9a-f]+), 0x([0-9a-f]+)\): (.*)$/.exec(line);
    if (m && parseInt(m[1]!, 16) <= pc && pc < parseInt(m[2]!, 16)) return parseExpr(m[3]!);
  }
  return undefined;
}

type One = LocationPiece['location'];

/** `DW_OP_reg0 RAX, DW_OP_piece 0x8, DW_OP_call_frame_cfa, DW_OP_piece 0x8` → a ValueLocation. */
export function parseExpr(expr: string): ValueLocation | undefined {
  const pieces: LocationPiece[] = [];
  let cur: One;
  for (const op of expr.split(', ').map((s) => s.trim())) {
    const [name, arg] = op.split(/\s+/);
    if (name === 'DW_OP_piece') {
      pieces.push({ size: parseInt(arg!, 16), location: cur });
      cur = undefined;
    } else if (name === 'DW_OP_call_frame_cfa') {
      cur = { kind: 'stack', offset: 8 };
    } else if (name === 'DW_OP_fbreg') {
      cur = { kind: 'stack', offset: 8 + Number(arg) };
    } else if (name === 'DW_OP_plus_uconst' && cur?.kind === 'stack') {
      cur = { kind: 'stack', offset: cur.offset + Number(arg) };
    } else if (/^DW_OP_reg\d+$/.test(name!)) {
      cur = { kind: 'register', register: DWARF_X86_64_REGS[Number(name!.slice(9))]! };
    } else if (name === 'DW_OP_regx') {
      cur = { kind: 'register', register: DWARF_X86_64_REGS[Number(arg)]! };
    } else {
      throw new Error(`DWARF op ${op} is not read by this oracle (in '${expr}')`);
    }
  }
  if (pieces.length === 0) return cur;
  return { kind: 'pieces', pieces };
}

/**
 * DWARF describes a value in memory piece by piece (`cfa+0:8, cfa+8:8`);
 * when the pieces are all on the stack and contiguous, that is one stack
 * location at the first offset, which is how the assigner reports it.
 */
export function normalize(loc: ValueLocation | undefined): ValueLocation | undefined {
  if (loc?.kind !== 'pieces') return loc;
  const first = loc.pieces[0]?.location;
  if (first?.kind !== 'stack') return loc;
  let off = first.offset;
  for (const p of loc.pieces) {
    if (p.location && (p.location.kind !== 'stack' || p.location.offset !== off)) return loc;
    off += p.size;
  }
  return first;
}
