// Location lists and range lists, in both encodings:
// - DWARF ≤4: .debug_loc / .debug_ranges, pairs of addresses relative to a
//   base (the unit's low_pc until an all-ones "base address selection" entry
//   sets another), ended by a (0, 0) pair (DWARF 4 §2.6.2, §2.17.3);
// - DWARF 5: .debug_loclists / .debug_rnglists, entries tagged DW_LLE_* /
//   DW_RLE_*, addresses direct or as .debug_addr indexes (DWARF 5 §2.6.2, §2.17.3).
// Every walk consumes at least one byte per entry inside the section, so it ends.
import { FORM, LLE, RLE } from './constants';
import { AttrValue } from './forms';
import { DwarfReader, malformed, unsupported } from './reader';
import { DwarfSectionName } from './sections';
import { Unit } from './unit';

type ListSection = Extract<DwarfSectionName, '.debug_loc' | '.debug_loclists' | '.debug_ranges' | '.debug_rnglists'>;

function listReader(unit: Unit, name: ListSection, offset: number): DwarfReader {
  const buf = unit.sections.require(name);
  if (offset >= buf.length) throw malformed(`${name} offset 0x${offset.toString(16)} is past the section's ${buf.length} bytes`, unit.file);
  return new DwarfReader(buf, offset, buf.length, name, unit.file);
}

/**
 * Where a list-valued attribute's list starts. DWARF 5 uses sec_offset or
 * loclistx/rnglistx; DWARF ≤3 used data4/data8 for the same offsets.
 */
function listStart(unit: Unit, v: AttrValue, kind: 'loc' | 'range'): { name: ListSection; offset: number } | undefined {
  const v5 = unit.version >= 5;
  const name: ListSection = kind === 'loc' ? (v5 ? '.debug_loclists' : '.debug_loc') : (v5 ? '.debug_rnglists' : '.debug_ranges');
  if (v.kind === 'sec') return { name, offset: v.offset };
  if (v.kind === 'const' && unit.version <= 3 && (v.form === FORM.data4 || v.form === FORM.data8)) return { name, offset: v.value };
  if (v.kind === 'loclistx' && kind === 'loc') return { name, offset: unit.listOffset('loclistx', v.index) };
  if (v.kind === 'rnglistx' && kind === 'range') return { name, offset: unit.listOffset('rnglistx', v.index) };
  return undefined;
}

/**
 * Called per entry with its [begin, end) and, for location lists, its
 * expression's bytes [exprStart, exprEnd); begin is -1 for a default entry.
 * Returning true stops the walk.
 */
type Visit = (begin: number, end: number, exprStart: number, exprEnd: number) => boolean;

function walkOld(r: DwarfReader, unit: Unit, withExpr: boolean, visit: Visit): void {
  let base = unit.base;
  for (;;) {
    const b = r.address(unit.addrSize), e = r.address(unit.addrSize);
    if (b === 0 && e === 0) return;
    if (b === -1) {
      if (e === -1) throw malformed(`${r.section} base address selection before 0x${r.pos.toString(16)} selects the all-ones address`, r.file);
      base = e;
      continue;
    }
    let start = r.pos;
    if (withExpr) { const len = r.u16(); start = r.pos; r.skip(len); }
    if (e === -1) throw malformed(`${r.section} entry before 0x${r.pos.toString(16)} ends at the all-ones address`, r.file);
    if (visit(base + b, base + e, start, r.pos)) return;
  }
}

function walkV5(r: DwarfReader, unit: Unit, withExpr: boolean, visit: Visit): void {
  const K = withExpr
    ? { end: LLE.end_of_list, bx: LLE.base_addressx, sxex: LLE.startx_endx, sxl: LLE.startx_length, pair: LLE.offset_pair, base: LLE.base_address, se: LLE.start_end, sl: LLE.start_length }
    : { end: RLE.end_of_list, bx: RLE.base_addressx, sxex: RLE.startx_endx, sxl: RLE.startx_length, pair: RLE.offset_pair, base: RLE.base_address, se: RLE.start_end, sl: RLE.start_length };
  let base = unit.base;
  const as = unit.addrSize;
  for (;;) {
    const kind = r.u8();
    let b: number, e: number;
    if (kind === K.end) return;
    if (kind === K.bx) { base = unit.addrIndex(r.uleb()); continue; }
    if (kind === K.base) { base = r.uint(as); continue; }
    if (kind === K.sxex) { b = unit.addrIndex(r.uleb()); e = unit.addrIndex(r.uleb()); }
    else if (kind === K.sxl) { b = unit.addrIndex(r.uleb()); e = b + r.uleb(); }
    else if (kind === K.pair) { b = base + r.uleb(); e = base + r.uleb(); }
    else if (kind === K.se) { b = r.uint(as); e = r.uint(as); }
    else if (kind === K.sl) { b = r.uint(as); e = b + r.uleb(); }
    else if (withExpr && kind === LLE.default_location) { b = -1; e = -1; }
    else if (withExpr && kind === LLE.gnu_view_pair) { r.skipLeb(); r.skipLeb(); continue; }
    else throw unsupported(`${r.section} entry kind 0x${kind.toString(16)} at 0x${(r.pos - 1).toString(16)}`, r.file);
    let start = r.pos;
    if (withExpr) { const len = r.uleb(); start = r.pos; r.skip(len); }
    if (visit(b, e, start, r.pos)) return;
  }
}

/**
 * The location expression that holds at `pc`, as a reader over its bytes, or
 * undefined when the value has no location there (no entry covers `pc`).
 */
export function locationExprAt(unit: Unit, v: AttrValue, pc: number): DwarfReader | undefined {
  if (v.kind === 'block') return new DwarfReader(unit.sections.require('.debug_info'), v.start, v.end, '.debug_info', unit.file);
  const at = listStart(unit, v, 'loc');
  if (!at) return undefined;
  const r = listReader(unit, at.name, at.offset);
  let hit: [number, number] | undefined, fallback: [number, number] | undefined;
  const visit: Visit = (b, e, s, x) => {
    if (b === -1) fallback ??= [s, x]; // DW_LLE_default_location
    else if (pc >= b && pc < e) hit = [s, x];
    return hit !== undefined;
  };
  if (unit.version >= 5) walkV5(r, unit, true, visit);
  else walkOld(r, unit, true, visit);
  const found = hit ?? fallback;
  return found ? r.sub(found[0], found[1]) : undefined;
}

/** The [begin, end) ranges of a DW_AT_ranges value, in list order. */
export function rangesOf(unit: Unit, v: AttrValue): Array<[number, number]> {
  const at = listStart(unit, v, 'range');
  if (!at) return [];
  const out: Array<[number, number]> = [];
  const r = listReader(unit, at.name, at.offset);
  const visit: Visit = (b, e) => {
    if (e > b) out.push([b, e]);
    return false;
  };
  if (unit.version >= 5) walkV5(r, unit, false, visit);
  else walkOld(r, unit, false, visit);
  return out;
}
