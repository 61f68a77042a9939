// Attribute values by form (DWARF 5 section 7.5.6, table 7.6): how many
// bytes each form takes (so the index scan can skip without allocating) and
// how to decode one into a small tagged value when a DIE is really read.
// Index-bearing forms (strx, addrx, loclistx…) are returned raw: resolving
// them needs the unit's *_base attributes, which Unit applies.
import { FORM } from './constants';
import { DwarfReader, malformed, unsupported } from './reader';

/** What a form's size depends on. */
export interface UnitShape {
  readonly version: number;
  readonly addrSize: number;
  readonly offsetSize: 4 | 8;
}

export type AttrValue =
  /** data1/2/4/8, udata, sdata, implicit_const, flag, flag_present. */
  | { readonly kind: 'const'; readonly form: number; readonly value: number }
  | { readonly kind: 'addr'; readonly value: number }
  | { readonly kind: 'addrx'; readonly index: number }
  | { readonly kind: 'string'; readonly value: string }
  /** An offset into .debug_str (strp) or .debug_line_str (line_strp). */
  | { readonly kind: 'strp'; readonly form: number; readonly offset: number }
  | { readonly kind: 'strx'; readonly index: number }
  /** An absolute .debug_info offset (unit-relative refs are already rebased). */
  | { readonly kind: 'ref'; readonly offset: number }
  | { readonly kind: 'sec'; readonly offset: number }
  | { readonly kind: 'loclistx' | 'rnglistx'; readonly index: number }
  /** Bytes [start, end) of .debug_info: block* and exprloc. */
  | { readonly kind: 'block'; readonly start: number; readonly end: number }
  /** Readable but not meaningful here: data16, ref_sig8, supplementary-file refs, huge data8. */
  | { readonly kind: 'other'; readonly form: number };

/** Forms never nest DW_FORM_indirect deeper than this in sane input. */
const MAX_INDIRECT = 4;

/**
 * Bytes a form takes in the DIE, or -1 when it varies (LEB128, strings,
 * blocks, indirect). Unknown forms throw: their size cannot be guessed.
 */
export function fixedFormSize(form: number, u: UnitShape, file?: string): number {
  switch (form) {
    case FORM.flag_present: case FORM.implicit_const: return 0;
    case FORM.data1: case FORM.ref1: case FORM.flag: case FORM.strx1: case FORM.addrx1: return 1;
    case FORM.data2: case FORM.ref2: case FORM.strx2: case FORM.addrx2: return 2;
    case FORM.strx3: case FORM.addrx3: return 3;
    case FORM.data4: case FORM.ref4: case FORM.ref_sup4: case FORM.strx4: case FORM.addrx4: return 4;
    case FORM.data8: case FORM.ref8: case FORM.ref_sig8: case FORM.ref_sup8: return 8;
    case FORM.data16: return 16;
    case FORM.addr: return u.addrSize;
    // DWARF 2 sized DW_FORM_ref_addr like an address; 3 and later like an offset.
    case FORM.ref_addr: return u.version <= 2 ? u.addrSize : u.offsetSize;
    case FORM.strp: case FORM.sec_offset: case FORM.line_strp: case FORM.strp_sup:
    case FORM.gnu_ref_alt: case FORM.gnu_strp_alt:
      return u.offsetSize;
    case FORM.string: case FORM.block: case FORM.block1: case FORM.block2: case FORM.block4:
    case FORM.exprloc: case FORM.sdata: case FORM.udata: case FORM.ref_udata: case FORM.indirect:
    case FORM.strx: case FORM.addrx: case FORM.loclistx: case FORM.rnglistx:
    case FORM.gnu_addr_index: case FORM.gnu_str_index:
      return -1;
    default:
      throw unsupported(`attribute form 0x${form.toString(16)} is unknown, so its size is too`, file);
  }
}

/** Moves past one attribute value without decoding it. */
export function skipForm(r: DwarfReader, form: number, u: UnitShape): void {
  for (let hops = 0; hops < MAX_INDIRECT; hops++) {
    switch (form) {
      case FORM.string: r.skipCstring(); return;
      case FORM.block1: r.skip(r.u8()); return;
      case FORM.block2: r.skip(r.u16()); return;
      case FORM.block4: r.skip(r.u32()); return;
      case FORM.block: case FORM.exprloc: r.skip(r.uleb()); return;
      case FORM.sdata: case FORM.udata: case FORM.ref_udata: case FORM.strx: case FORM.addrx:
      case FORM.loclistx: case FORM.rnglistx: case FORM.gnu_addr_index: case FORM.gnu_str_index:
        r.skipLeb();
        return;
      case FORM.indirect: form = r.uleb(); continue;
      default: r.skip(fixedFormSize(form, u, r.file)); return;
    }
  }
  throw malformed(`DW_FORM_indirect nests more than ${MAX_INDIRECT} deep at 0x${r.pos.toString(16)}`, r.file);
}

const TWO_32 = 0x1_0000_0000;

function data8(r: DwarfReader, form: number): AttrValue {
  const lo = r.u32(), hi = r.u32();
  const v = hi * TWO_32 + lo;
  return Number.isSafeInteger(v) ? { kind: 'const', form, value: v } : { kind: 'other', form };
}

function block(r: DwarfReader, len: number): AttrValue {
  const start = r.pos;
  r.skip(len);
  return { kind: 'block', start, end: r.pos };
}

/**
 * Decodes one attribute value. `unitOffset` rebases unit-relative references;
 * `implicit` is the abbreviation's value for DW_FORM_implicit_const.
 */
export function readForm(r: DwarfReader, form: number, u: UnitShape, unitOffset: number, implicit: number): AttrValue {
  for (let hops = 0; hops < MAX_INDIRECT; hops++) {
    switch (form) {
      case FORM.addr: return { kind: 'addr', value: r.uint(u.addrSize) };
      case FORM.data1: return { kind: 'const', form, value: r.u8() };
      case FORM.data2: return { kind: 'const', form, value: r.u16() };
      case FORM.data4: return { kind: 'const', form, value: r.u32() };
      case FORM.data8: return data8(r, form);
      case FORM.udata: return { kind: 'const', form, value: r.uleb() };
      case FORM.sdata: return { kind: 'const', form, value: r.sleb() };
      case FORM.implicit_const: return { kind: 'const', form, value: implicit };
      case FORM.flag: return { kind: 'const', form, value: r.u8() };
      case FORM.flag_present: return { kind: 'const', form, value: 1 };
      case FORM.string: return { kind: 'string', value: r.cstring() };
      case FORM.strp: case FORM.line_strp: return { kind: 'strp', form, offset: r.uint(u.offsetSize) };
      case FORM.strx: case FORM.gnu_str_index: return { kind: 'strx', index: r.uleb() };
      case FORM.strx1: return { kind: 'strx', index: r.u8() };
      case FORM.strx2: return { kind: 'strx', index: r.u16() };
      case FORM.strx3: return { kind: 'strx', index: r.u24() };
      case FORM.strx4: return { kind: 'strx', index: r.u32() };
      case FORM.addrx: case FORM.gnu_addr_index: return { kind: 'addrx', index: r.uleb() };
      case FORM.addrx1: return { kind: 'addrx', index: r.u8() };
      case FORM.addrx2: return { kind: 'addrx', index: r.u16() };
      case FORM.addrx3: return { kind: 'addrx', index: r.u24() };
      case FORM.addrx4: return { kind: 'addrx', index: r.u32() };
      case FORM.ref1: return { kind: 'ref', offset: unitOffset + r.u8() };
      case FORM.ref2: return { kind: 'ref', offset: unitOffset + r.u16() };
      case FORM.ref4: return { kind: 'ref', offset: unitOffset + r.u32() };
      case FORM.ref8: return { kind: 'ref', offset: unitOffset + r.u64() };
      case FORM.ref_udata: return { kind: 'ref', offset: unitOffset + r.uleb() };
      case FORM.ref_addr: return { kind: 'ref', offset: r.uint(u.version <= 2 ? u.addrSize : u.offsetSize) };
      case FORM.sec_offset: return { kind: 'sec', offset: r.uint(u.offsetSize) };
      case FORM.loclistx: return { kind: 'loclistx', index: r.uleb() };
      case FORM.rnglistx: return { kind: 'rnglistx', index: r.uleb() };
      case FORM.block1: return block(r, r.u8());
      case FORM.block2: return block(r, r.u16());
      case FORM.block4: return block(r, r.u32());
      case FORM.block: case FORM.exprloc: return block(r, r.uleb());
      case FORM.indirect: form = r.uleb(); continue;
      default:
        // data16, ref_sig8, ref_sup*, strp_sup, GNU alt refs: sized, not interpreted.
        r.skip(fixedFormSize(form, u, r.file));
        return { kind: 'other', form };
    }
  }
  throw malformed(`DW_FORM_indirect nests more than ${MAX_INDIRECT} deep at 0x${r.pos.toString(16)}`, r.file);
}
