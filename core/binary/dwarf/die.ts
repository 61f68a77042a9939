// Debugging information entries: decode one on demand, or walk past many
// without allocating. A DIE is an abbreviation code, its values, then (when
// the abbreviation says so) children ended by a 0 code (DWARF 5 §7.5.2).
import type { Abbrev } from './abbrev';
import { AttrValue, readForm, skipForm } from './forms';
import { DwarfReader, malformed } from './reader';
import type { Unit } from './unit';

export interface Die {
  readonly offset: number;
  readonly tag: number;
  readonly hasChildren: boolean;
  /** Offset just past the values: the first child, when there are children. */
  readonly end: number;
  readonly attrs: ReadonlyMap<number, AttrValue>;
  readonly unit: Unit;
}

/** Reads the abbreviation code at the cursor; 0 (a null entry) gives undefined. */
export function readAbbrev(r: DwarfReader, unit: Unit): Abbrev | undefined {
  const at = r.pos;
  const code = r.uleb();
  if (code === 0) return undefined;
  const ab = unit.abbrevs.get(code);
  if (!ab) throw malformed(`DIE at 0x${at.toString(16)} uses abbreviation ${code}, which table 0x${unit.abbrevOffset.toString(16)} does not define`, r.file);
  return ab;
}

/** Moves past a DIE's values, in one step when the abbreviation's size is fixed. */
export function skipValues(r: DwarfReader, ab: Abbrev, unit: Unit): void {
  if (ab.fixedSize >= 0) {
    r.skip(ab.fixedSize);
    return;
  }
  const forms = ab.forms;
  for (let i = 0; i < forms.length; i++) skipForm(r, forms[i]!, unit);
}

/** Fully decodes the DIE at `offset` (which must be inside `unit`). */
export function decodeDie(unit: Unit, offset: number): Die {
  const r = unit.reader(offset);
  const ab = readAbbrev(r, unit);
  if (!ab) throw malformed(`reference to 0x${offset.toString(16)} lands on a null entry, not a DIE`, r.file);
  const attrs = new Map<number, AttrValue>();
  for (let i = 0; i < ab.attrs.length; i++) {
    const v = readForm(r, ab.forms[i]!, unit, unit.offset, ab.implicit[i]!);
    // The first occurrence wins, as in llvm-dwarfdump, if a producer repeats one.
    if (!attrs.has(ab.attrs[i]!)) attrs.set(ab.attrs[i]!, v);
  }
  unit.stats.diesDecoded++;
  return { offset, tag: ab.tag, hasChildren: ab.hasChildren, end: r.pos, attrs, unit };
}

/**
 * Calls `visit` with the offset and abbreviation of each direct child of
 * `die`, skipping grandchildren without decoding them. DW_AT_sibling is not
 * needed (Go rarely emits it). The walk stays inside the unit, so it ends.
 */
export function forEachChild(die: Die, visit: (offset: number, ab: Abbrev) => void): void {
  if (!die.hasChildren) return;
  const unit = die.unit;
  const r = unit.reader(die.end);
  let depth = 0;
  while (r.pos < unit.end) {
    const off = r.pos;
    const ab = readAbbrev(r, unit);
    if (!ab) {
      if (depth === 0) return;
      depth--;
      continue;
    }
    if (depth === 0) visit(off, ab);
    skipValues(r, ab, unit);
    if (ab.hasChildren) depth++;
  }
  // Some producers end a unit without the closing null entries: tolerated.
}

export function constant(v: AttrValue | undefined): number | undefined {
  return v?.kind === 'const' ? v.value : undefined;
}

export function ref(v: AttrValue | undefined): number | undefined {
  return v?.kind === 'ref' ? v.offset : undefined;
}

/** A flag is true when present with a non-zero value (flag) or present at all (flag_present). */
export function flag(v: AttrValue | undefined): boolean {
  return v?.kind === 'const' && v.value !== 0;
}
