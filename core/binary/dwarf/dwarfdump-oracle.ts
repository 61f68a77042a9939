// Test support: llvm-dwarfdump as an independent oracle. Runs it, parses its
// text output, and restates what it says in this reader's shapes (names,
// offsets, ValueLocation at entry), so tests can compare field by field.
// Nothing here is used by the product.
import { spawnSync } from 'node:child_process';
import type { LocationPiece, ValueLocation } from '../location';
import type { DwarfFunction, DwarfParam, DwarfStruct } from './model';

export interface OracleDie {
  readonly offset: number;
  readonly tag: string;
  /** Attribute name (as llvm-dwarfdump spells it) → text between the outer parentheses. */
  readonly attrs: Map<string, string>;
  readonly children: OracleDie[];
}

export function dwarfdump(args: readonly string[]): string {
  const res = spawnSync('llvm-dwarfdump', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (res.error) throw new Error(`llvm-dwarfdump could not run (${res.error.message}): install llvm (scripts/setup.sh does)`);
  if (res.status !== 0) throw new Error(`llvm-dwarfdump ${args.join(' ')} failed: ${res.stderr}`);
  return res.stdout;
}

const DIE_LINE = /^0x([0-9a-f]+):( +)(DW_TAG_\w+|NULL)/;
const ATTR_LINE = /^\s+(DW_AT_\w+)\t\((.*)$/;

/** Parses DIE listings (as printed with or without -c) into trees by indentation. */
export function parseDies(text: string): OracleDie[] {
  const roots: OracleDie[] = [];
  const stack: Array<{ die: OracleDie; indent: number }> = [];
  let attr: { die: OracleDie; name: string; text: string } | undefined;
  const flush = (): void => {
    if (attr) attr.die.attrs.set(attr.name, attr.text.replace(/\)\s*$/, ''));
    attr = undefined;
  };
  for (const line of text.split('\n')) {
    const d = DIE_LINE.exec(line);
    if (d) {
      flush();
      const indent = d[2]!.length;
      while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
      if (d[3] === 'NULL') continue;
      const die: OracleDie = { offset: parseInt(d[1]!, 16), tag: d[3]!, attrs: new Map(), children: [] };
      if (stack.length) stack[stack.length - 1]!.die.children.push(die);
      else roots.push(die);
      stack.push({ die, indent });
      continue;
    }
    const a = ATTR_LINE.exec(line);
    if (a && stack.length) {
      flush();
      attr = { die: stack[stack.length - 1]!.die, name: a[1]!, text: a[2]! };
    } else if (attr && line.trim() !== '') {
      attr.text += '\n' + line.trim();
    } else {
      flush();
    }
  }
  flush();
  return roots;
}

/** `("x")` → `x`; the quoted name after a reference offset, too. */
export function quoted(v: string | undefined): string | undefined {
  const m = v === undefined ? null : /"(.*)"$/.exec(v);
  return m ? m[1] : undefined;
}

export function refOffset(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^0x([0-9a-f]+)/.exec(v);
  return m ? parseInt(m[1]!, 16) : undefined;
}

export interface DumpSummary {
  /** Offset → DW_AT_name of every DIE whose name is its first attribute (all of Go's type DIEs). */
  readonly names: Map<number, string>;
  readonly units: number;
  /** Every DIE but the null entries, unit roots included. */
  readonly dies: number;
}

const summaries = new Map<string, DumpSummary>();

/**
 * One full `--debug-info` dump, summarised. The names are read from the DIEs
 * because llvm-dwarfdump's rendering of a reference ('T *', 'T[4]') is C-style.
 */
export function dumpSummary(file: string): DumpSummary {
  let s = summaries.get(file);
  if (s) return s;
  const text = dwarfdump(['--debug-info', file]);
  const names = new Map<number, string>();
  for (const hit of text.matchAll(/^0x([0-9a-f]+): +DW_TAG_\w+\n +DW_AT_name\t\("(.*)"\)$/gm)) names.set(parseInt(hit[1]!, 16), hit[2]!);
  s = {
    names,
    units: (text.match(/^0x[0-9a-f]+: (?:Compile|Type) Unit:/gm) ?? []).length,
    dies: (text.match(/^0x[0-9a-f]+: +DW_TAG_/gm) ?? []).length,
  };
  summaries.set(file, s);
  return s;
}

function typeName(file: string, v: string | undefined): string {
  const off = refOffset(v);
  const n = off === undefined ? undefined : dumpSummary(file).names.get(off);
  if (n === undefined) throw new Error(`oracle: no name for type reference ${v}`);
  return n;
}

export function dieAt(file: string, offset: number): OracleDie {
  const die = parseDies(dwarfdump([`--debug-info=0x${offset.toString(16)}`, file]))[0];
  if (!die) throw new Error(`oracle: no DIE at 0x${offset.toString(16)} in ${file}`);
  return die;
}

export function oracleStruct(file: string, name: string): DwarfStruct | undefined {
  const die = parseDies(dwarfdump([`--name=${name}`, '-c', file])).find((d) => d.tag === 'DW_TAG_structure_type');
  if (!die) return undefined;
  return {
    name: quoted(die.attrs.get('DW_AT_name'))!,
    size: Number(die.attrs.get('DW_AT_byte_size')),
    fields: die.children.filter((c) => c.tag === 'DW_TAG_member').map((c) => ({
      name: quoted(c.attrs.get('DW_AT_name'))!,
      offset: Number(c.attrs.get('DW_AT_data_member_location')),
      type: typeName(file, c.attrs.get('DW_AT_type')),
      embedded: c.attrs.get('DW_AT_GO_embedded_field') === '0x01',
    })),
  };
}

const CFA_AT_ENTRY = 8; // see core/binary/location.ts

/** llvm-dwarfdump's op text (`DW_OP_reg5 RDI, DW_OP_piece 0x8, …`) → ValueLocation, frame base = CFA. */
export function opsToLocation(text: string): ValueLocation | undefined {
  const pieces: LocationPiece[] = [];
  let cur: LocationPiece['location'];
  let pending: number | undefined; // a pushed CFA-relative address
  for (const op of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^DW_OP_(?:reg\d+|regx) (?:0x[0-9a-f]+ )?(\w+)$/.exec(op))) cur = { kind: 'register', register: m[1]!.toLowerCase() };
    else if ((m = /^DW_OP_breg7 RSP([+-]\d+)$/.exec(op))) pending = Number(m[1]);
    else if (op === 'DW_OP_call_frame_cfa') pending = CFA_AT_ENTRY;
    else if ((m = /^DW_OP_fbreg ([+-]\d+)$/.exec(op))) pending = CFA_AT_ENTRY + Number(m[1]);
    else if ((m = /^DW_OP_consts ([+-]?\d+)$/.exec(op)) && pending !== undefined) pending += Number(m[1]); // with DW_OP_plus next
    else if (op === 'DW_OP_plus') continue;
    else if ((m = /^DW_OP_piece 0x([0-9a-f]+)$/.exec(op))) {
      if (pending !== undefined) cur = { kind: 'stack', offset: pending };
      pieces.push({ size: parseInt(m[1]!, 16), location: cur });
      cur = undefined;
      pending = undefined;
    } else throw new Error(`oracle: op '${op}' is not modelled`);
  }
  if (pending !== undefined) cur = { kind: 'stack', offset: pending };
  if (pieces.length === 0) return cur;
  return pieces.some((p) => p.location) ? { kind: 'pieces', pieces } : undefined;
}

/** The location at `pc` from a DW_AT_location's text: an expression, a list, or `<empty>`. */
export function locationAt(text: string | undefined, pc: number): ValueLocation | undefined {
  if (text === undefined || text === '<empty>') return undefined;
  // A list prints as `0xOFF:` (DWARF 4) or `indexed (0xN) loclist = 0xOFF:` (loclistx), then one range per line.
  if (!/^(?:indexed \(0x[0-9a-f]+\) loclist = )?0x[0-9a-f]+:/.test(text)) return opsToLocation(text);
  let fallback: string | undefined;
  for (const line of text.split('\n').slice(1)) {
    const m = /^\[0x([0-9a-f]+), 0x([0-9a-f]+)\): (.*)$/.exec(line.trim());
    if (m && pc >= parseInt(m[1]!, 16) && pc < parseInt(m[2]!, 16)) return opsToLocation(m[3]!);
    const d = /^<default>: (.*)$/.exec(line.trim()); // DW_LLE_default_location
    if (d) fallback ??= d[1];
  }
  return fallback === undefined ? undefined : opsToLocation(fallback);
}

/** The out-of-line subprogram named `name` (directly or through its abstract origin). */
export function oracleFunction(file: string, name: string): DwarfFunction | undefined {
  const die = parseDies(dwarfdump([`--name=${name}`, '-c', file]))
    .find((d) => d.tag === 'DW_TAG_subprogram' && d.attrs.has('DW_AT_low_pc'));
  if (!die) return undefined;
  if (die.attrs.get('DW_AT_frame_base') !== 'DW_OP_call_frame_cfa') throw new Error('oracle: frame base is not the CFA');
  const lowPc = parseInt(die.attrs.get('DW_AT_low_pc')!, 16);
  const params: DwarfParam[] = [];
  for (const c of die.children.filter((x) => x.tag === 'DW_TAG_formal_parameter')) {
    const originOff = refOffset(c.attrs.get('DW_AT_abstract_origin'));
    const origin = originOff === undefined ? undefined : dieAt(file, originOff);
    const get = (at: string): string | undefined => c.attrs.get(at) ?? origin?.attrs.get(at);
    params.push({
      name: quoted(get('DW_AT_name'))!,
      type: typeName(file, get('DW_AT_type')),
      isResult: get('DW_AT_variable_parameter') === '0x01',
      location: locationAt(c.attrs.get('DW_AT_location'), lowPc),
    });
  }
  // Go 1.18–1.21 repeat some parameters (golang/go#61357); a name cannot repeat in Go.
  const seen = new Set<string>();
  const unique = params.filter((p) => (seen.has(p.name) ? false : (seen.add(p.name), true)));
  return { name, lowPc, highPc: parseInt(die.attrs.get('DW_AT_high_pc')!, 16), params: unique };
}
