// Unit headers (DWARF 2–5, section 7.5.1) and the per-unit context needed to
// turn raw values into facts: the abbreviation table, the base address for
// location lists, and the DWARF 5 *_base attributes that index-bearing forms
// (strx, addrx, loclistx, rnglistx) are relative to.
import { AbbrevTable, parseAbbrevTable } from './abbrev';
import { AT, FORM, UT } from './constants';
import { decodeDie, Die } from './die';
import { AttrValue, UnitShape } from './forms';
import { DwarfReader, malformed, stringAt, unsupported } from './reader';
import { DwarfSections } from './sections';

export interface DwarfStats {
  /** Units whose DIEs the index scan walked. */
  unitsScanned: number;
  /** DIEs the index scan stepped over (read their code, skipped or picked values). */
  diesScanned: number;
  /** DIEs fully decoded into attribute maps (unit roots and lookups). */
  diesDecoded: number;
}

export interface UnitHeader extends UnitShape {
  /** Offset of the unit's initial length in .debug_info. */
  readonly offset: number;
  /** One past the unit's last byte. */
  readonly end: number;
  readonly unitType: number;
  readonly abbrevOffset: number;
  /** Offset of the unit's root DIE. */
  readonly dieStart: number;
}

/** Reads the header at the cursor and leaves it at the next unit. */
export function readUnitHeader(r: DwarfReader): UnitHeader {
  const offset = r.pos;
  const { length, offsetSize } = r.initialLength();
  const end = r.pos + length;
  if (end > r.end) throw malformed(`unit at 0x${offset.toString(16)} claims ${length} bytes, past the end of .debug_info (0x${r.end.toString(16)})`, r.file);
  const h = r.sub(r.pos, end);
  const version = h.u16();
  if (version < 2 || version > 5) throw unsupported(`unit at 0x${offset.toString(16)} has DWARF version ${version}; versions 2 to 5 are read`, r.file);
  let unitType: number = UT.compile, addrSize: number, abbrevOffset: number;
  if (version >= 5) {
    unitType = h.u8();
    addrSize = h.u8();
    abbrevOffset = h.uint(offsetSize);
    if (unitType === UT.skeleton || unitType === UT.split_compile) h.skip(8); // dwo_id
    else if (unitType === UT.type || unitType === UT.split_type) h.skip(8 + offsetSize); // signature, type_offset
    else if (unitType !== UT.compile && unitType !== UT.partial) {
      throw unsupported(`unit at 0x${offset.toString(16)} has unit type 0x${unitType.toString(16)}`, r.file);
    }
  } else {
    abbrevOffset = h.uint(offsetSize);
    addrSize = h.u8();
  }
  if (addrSize !== 4 && addrSize !== 8) throw malformed(`unit at 0x${offset.toString(16)} has address size ${addrSize}`, r.file);
  r.seek(end);
  return { offset, end, version, unitType, addrSize, offsetSize, abbrevOffset, dieStart: h.pos };
}

/** Header sizes of the DWARF 5 side tables, the default *_base when a unit names none. */
const headerSize = (base: number, offsetSize: 4 | 8): number => (offsetSize === 8 ? base + 8 : base);

export class Unit implements UnitHeader {
  readonly offset: number;
  readonly end: number;
  readonly version: number;
  readonly unitType: number;
  readonly addrSize: number;
  readonly offsetSize: 4 | 8;
  readonly abbrevOffset: number;
  readonly dieStart: number;
  readonly root: Die;
  /** Base address of location and range lists: the root's DW_AT_low_pc, else 0. */
  readonly base: number;
  private readonly strOffsetsBase: number;
  private readonly addrBase: number;
  private readonly loclistsBase: number;
  private readonly rnglistsBase: number;

  constructor(h: UnitHeader, readonly abbrevs: AbbrevTable, readonly sections: DwarfSections, readonly stats: DwarfStats) {
    this.offset = h.offset;
    this.end = h.end;
    this.version = h.version;
    this.unitType = h.unitType;
    this.addrSize = h.addrSize;
    this.offsetSize = h.offsetSize;
    this.abbrevOffset = h.abbrevOffset;
    this.dieStart = h.dieStart;
    this.root = decodeDie(this, h.dieStart);
    const num = (at: number, dflt: number): number => {
      const v = this.root.attrs.get(at);
      return v?.kind === 'sec' || v?.kind === 'const' ? (v.kind === 'sec' ? v.offset : v.value) : dflt;
    };
    this.strOffsetsBase = num(AT.str_offsets_base, headerSize(8, h.offsetSize));
    this.addrBase = num(AT.addr_base, headerSize(8, h.offsetSize));
    this.loclistsBase = num(AT.loclists_base, headerSize(12, h.offsetSize));
    this.rnglistsBase = num(AT.rnglists_base, headerSize(12, h.offsetSize));
    this.base = this.address(this.root.attrs.get(AT.low_pc)) ?? 0;
  }

  get file(): string | undefined {
    return this.sections.file;
  }

  /** A cursor over this unit's DIEs, at `pos`. */
  reader(pos: number): DwarfReader {
    const r = new DwarfReader(this.sections.require('.debug_info'), this.dieStart, this.end, '.debug_info', this.file);
    if (pos < this.dieStart || pos >= this.end) throw malformed(`DIE offset 0x${pos.toString(16)} is outside unit 0x${this.offset.toString(16)}`, this.file);
    r.seek(pos);
    return r;
  }

  contains(offset: number): boolean {
    return offset >= this.dieStart && offset < this.end;
  }

  string(v: AttrValue | undefined): string | undefined {
    if (!v) return undefined;
    switch (v.kind) {
      case 'string': return v.value;
      case 'strp': return v.form === FORM.line_strp
        ? stringAt(this.sections.get('.debug_line_str'), v.offset, '.debug_line_str', this.file)
        : stringAt(this.sections.get('.debug_str'), v.offset, '.debug_str', this.file);
      case 'strx': {
        const off = this.tableEntry('.debug_str_offsets', this.strOffsetsBase, v.index, this.offsetSize);
        return stringAt(this.sections.get('.debug_str'), off, '.debug_str', this.file);
      }
      case 'other': throw unsupported(`a string uses form 0x${v.form.toString(16)} (supplementary object files are not read)`, this.file);
      default: return undefined;
    }
  }

  /** DW_FORM_addr or an index into .debug_addr. */
  address(v: AttrValue | undefined): number | undefined {
    if (v?.kind === 'addr') return v.value;
    if (v?.kind === 'addrx') return this.addrIndex(v.index);
    return undefined;
  }

  addrIndex(index: number): number {
    return this.tableEntry('.debug_addr', this.addrBase, index, this.addrSize);
  }

  /** DW_FORM_loclistx / rnglistx: an index into the offsets array that follows the list table header. */
  listOffset(kind: 'loclistx' | 'rnglistx', index: number): number {
    const [name, base] = kind === 'loclistx' ? ['.debug_loclists', this.loclistsBase] as const : ['.debug_rnglists', this.rnglistsBase] as const;
    return base + this.tableEntry(name, base, index, this.offsetSize);
  }

  private tableEntry(name: '.debug_str_offsets' | '.debug_addr' | '.debug_loclists' | '.debug_rnglists', base: number, index: number, size: number): number {
    const buf = this.sections.require(name);
    const at = base + index * size;
    if (at + size > buf.length) throw malformed(`${name} entry ${index} (base 0x${base.toString(16)}) is past the section's ${buf.length} bytes`, this.file);
    return new DwarfReader(buf, at, at + size, name, this.file).uint(size);
  }
}

/** Parses abbreviation tables once per (offset, shape): Go shares one across all units. */
export class AbbrevCache {
  private readonly tables = new Map<string, AbbrevTable>();

  constructor(private readonly sections: DwarfSections) {}

  get(h: UnitHeader): AbbrevTable {
    const key = `${h.abbrevOffset}:${h.version}:${h.addrSize}:${h.offsetSize}`;
    let t = this.tables.get(key);
    if (!t) {
      t = parseAbbrevTable(this.sections.require('.debug_abbrev'), h.abbrevOffset, h, this.sections.file);
      this.tables.set(key, t);
    }
    return t;
  }
}
