// Abbreviation tables (.debug_abbrev, DWARF 5 section 7.5.3): each DIE starts
// with a code naming its tag, whether it has children, and the (attribute,
// form) list of its values. Go writes one shared table of ~50 entries, so
// tables are parsed once per (offset, unit shape) and kept.
//
// For each abbreviation we precompute the byte size of all its values when
// every form is fixed-size: most Go DIEs can then be skipped with one add.
import { FORM } from './constants';
import { fixedFormSize, UnitShape } from './forms';
import { DwarfReader, malformed } from './reader';

export interface Abbrev {
  readonly code: number;
  readonly tag: number;
  readonly hasChildren: boolean;
  readonly attrs: Uint32Array;
  readonly forms: Uint32Array;
  /** DW_FORM_implicit_const values, by attribute position (0 elsewhere). */
  readonly implicit: Float64Array;
  /** Bytes of all values when every form has a fixed size, else -1. */
  readonly fixedSize: number;
}

/** Codes are small and dense in practice; an array beats a Map in the scan loop. */
const DENSE_LIMIT = 1 << 14;

export class AbbrevTable {
  private readonly dense: (Abbrev | undefined)[] = [];
  private readonly sparse = new Map<number, Abbrev>();

  add(a: Abbrev): void {
    if (a.code < DENSE_LIMIT) this.dense[a.code] = a;
    else this.sparse.set(a.code, a);
  }

  get(code: number): Abbrev | undefined {
    return code < DENSE_LIMIT ? this.dense[code] : this.sparse.get(code);
  }
}

function knownSize(form: number, shape: UnitShape): number {
  try {
    return fixedFormSize(form, shape);
  } catch {
    return -1;
  }
}

export function parseAbbrevTable(buf: Buffer, offset: number, shape: UnitShape, file?: string): AbbrevTable {
  if (offset >= buf.length) throw malformed(`abbreviation table offset 0x${offset.toString(16)} is past .debug_abbrev (${buf.length} bytes)`, file);
  const r = new DwarfReader(buf, offset, buf.length, '.debug_abbrev', file);
  const table = new AbbrevTable();
  // Each entry takes at least 3 bytes, so the section size bounds the loop.
  for (;;) {
    const code = r.uleb();
    if (code === 0) return table;
    const tag = r.uleb();
    const children = r.u8();
    if (children > 1) throw malformed(`abbreviation ${code} at 0x${r.pos.toString(16)} has children flag ${children}`, file);
    const attrs: number[] = [], forms: number[] = [], implicit: number[] = [];
    let fixed = 0;
    for (;;) {
      const at = r.uleb(), form = r.uleb();
      if (at === 0 && form === 0) break;
      if (at === 0 || form === 0) throw malformed(`abbreviation ${code} has a half-empty attribute spec at 0x${r.pos.toString(16)}`, file);
      attrs.push(at);
      forms.push(form);
      implicit.push(form === FORM.implicit_const ? r.sleb() : 0);
      // An unknown form only fails when a DIE using it is read (skipForm throws then).
      const size = knownSize(form, shape);
      fixed = size < 0 || fixed < 0 ? -1 : fixed + size;
    }
    table.add({
      code, tag, hasChildren: children === 1,
      attrs: Uint32Array.from(attrs), forms: Uint32Array.from(forms), implicit: Float64Array.from(implicit),
      fixedSize: fixed,
    });
  }
}
