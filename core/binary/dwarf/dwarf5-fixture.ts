// Test support: a hand-assembled .debug_* set exercising what no toolchain on
// this machine emits (Go ≥1.25 writes DWARF 5): every DW_LLE/DW_RLE kind,
// strx1–4, addrx1/2, loclistx, rnglistx, data16, implicit_const, indirect,
// a DWARF 4 unit in 64-bit format with .debug_loc base selection entries,
// a DWARF 2 unit (address-sized ref_addr), and a DWARF 5 type unit.
// Layouts follow DWARF 5 §7.5.1 (unit headers), §7.26–7.29 (side tables).
import { AT, FORM, LLE, OP, RLE, TAG, UT } from './constants';
import { Bytes, StrTab } from './dwarf-builder';

export const ADDRS = [0x401000, 0x401100, 0x401200, 0x402000, 0x402100, 0x402300, 0x402340];

type Spec = [attr: number, form: number, implicit?: number];

function abbrevs(out: Bytes, list: Array<[code: number, tag: number, children: boolean, specs: Spec[]]>): void {
  for (const [code, tag, children, specs] of list) {
    out.uleb(code).uleb(tag).u8(children ? 1 : 0);
    for (const [at, form, imp] of specs) {
      out.uleb(at).uleb(form);
      if (form === FORM.implicit_const) out.sleb(imp ?? 0);
    }
    out.u8(0, 0);
  }
  out.u8(0);
}

/** A counted (ULEB length) or u16-length location expression. */
const counted = (b: Bytes, ops: number[]): Bytes => b.uleb(ops.length).bytes(ops);
const u16len = (b: Bytes, ops: number[]): Bytes => b.u16(ops.length).bytes(ops);

/**
 * `gnuViews` puts a GCC location-view pair (DW_LLE_GNU_view_pair, 0x09) at the
 * head of one list; llvm-dwarfdump 14 does not know it, so the verified
 * variant leaves it out.
 */
export function buildDwarf5Sections(opts: { gnuViews?: boolean } = {}): Record<string, Buffer> {
  const str = new StrTab(), lineStr = new StrTab();
  const strx = ['go-v5', 'main.F', 'main.T', 'int', 'x', 'y', 'z', 'r', 'w', 'main.G', 'a', 'b', 'c', 'main.Alias', 'float64', '*main.T'];
  const sx = (s: string): number => strx.indexOf(s);
  const strOffsets = new Bytes().u32(4 + 4 * strx.length).u16(5).u16(0);
  for (const s of strx) strOffsets.u32(str.add(s));
  const addr = new Bytes().u32(4 + 8 * ADDRS.length).u16(5).u8(8, 0);
  for (const a of ADDRS) addr.u64(a);

  // .debug_abbrev: table 0 for the DWARF 5 unit, then tables for the others.
  const ab = new Bytes();
  abbrevs(ab, [
    [1, TAG.compile_unit, true, [[AT.name, FORM.strx1], [0x1b /* comp_dir */, FORM.line_strp], [AT.low_pc, FORM.addrx],
      [AT.str_offsets_base, FORM.sec_offset], [AT.addr_base, FORM.sec_offset], [AT.loclists_base, FORM.sec_offset],
      [AT.rnglists_base, FORM.sec_offset], [0x13 /* language */, FORM.implicit_const, 0x16]]],
    [2, TAG.base_type, false, [[AT.name, FORM.strx2], [AT.byte_size, FORM.data1], [0x3e /* encoding */, FORM.data1], [0x3ff0, FORM.data16]]],
    [3, TAG.structure_type, true, [[AT.name, FORM.strx4], [AT.byte_size, FORM.udata]]],
    [4, TAG.member, false, [[AT.name, FORM.strx], [AT.data_member_location, FORM.udata], [AT.type, FORM.ref4], [AT.go_embedded_field, FORM.flag]]],
    [5, TAG.member, false, [[AT.name, FORM.strx1], [AT.data_member_location, FORM.block1], [AT.type, FORM.ref_udata], [AT.go_embedded_field, FORM.flag_present]]],
    [6, TAG.subprogram, true, [[AT.name, FORM.strx1], [AT.low_pc, FORM.addrx1], [AT.high_pc, FORM.data4], [AT.frame_base, FORM.exprloc]]],
    [7, TAG.formal_parameter, false, [[AT.name, FORM.strx1], [AT.type, FORM.ref_addr], [AT.variable_parameter, FORM.flag], [AT.location, FORM.loclistx]]],
    [8, TAG.formal_parameter, false, [[AT.name, FORM.strx3], [AT.type, FORM.ref2], [AT.variable_parameter, FORM.flag_present], [AT.location, FORM.exprloc]]],
    [9, TAG.subprogram, true, [[AT.name, FORM.strx1], [AT.ranges, FORM.rnglistx], [AT.frame_base, FORM.exprloc]]],
    [10, TAG.formal_parameter, false, [[AT.name, FORM.indirect], [AT.type, FORM.ref4], [AT.location, FORM.sec_offset]]],
    [11, TAG.pointer_type, false, [[AT.type, FORM.ref4]]],
    [12, TAG.typedef, false, [[AT.name, FORM.strx1], [AT.type, FORM.ref4]]],
    [13, 0x0b /* lexical_block */, true, [[AT.low_pc, FORM.addrx2], [AT.high_pc, FORM.udata]]],
    [14, 0x34 /* variable */, false, [[AT.name, FORM.string], [AT.location, FORM.exprloc]]],
    [15, TAG.pointer_type, false, [[AT.name, FORM.strx1], [AT.type, FORM.ref8]]],
    [16, TAG.formal_parameter, false, [[AT.name, FORM.strx4], [AT.type, FORM.ref1], [AT.location, FORM.loclistx]]],
  ]);
  const abb64 = ab.length;
  abbrevs(ab, [
    [1, TAG.compile_unit, true, [[AT.name, FORM.strp], [AT.low_pc, FORM.addr]]],
    [2, TAG.subprogram, true, [[AT.name, FORM.string], [AT.low_pc, FORM.addr], [AT.high_pc, FORM.addr], [AT.frame_base, FORM.block1]]],
    [3, TAG.formal_parameter, false, [[AT.name, FORM.string], [AT.type, FORM.ref_addr], [AT.location, FORM.sec_offset]]],
    [4, TAG.structure_type, true, [[AT.name, FORM.strp], [AT.byte_size, FORM.data2]]],
    [5, TAG.member, false, [[AT.name, FORM.string], [AT.data_member_location, FORM.data1], [AT.type, FORM.ref_addr]]],
  ]);
  const abb2 = ab.length;
  abbrevs(ab, [
    [1, TAG.compile_unit, true, [[AT.name, FORM.string]]],
    [2, TAG.typedef, false, [[AT.name, FORM.string], [AT.type, FORM.ref_addr]]],
    [3, TAG.structure_type, true, [[AT.name, FORM.string], [AT.byte_size, FORM.data1]]],
    [4, TAG.member, false, [[AT.name, FORM.string], [AT.data_member_location, FORM.block1], [AT.type, FORM.ref_addr]]],
  ]);
  const abbTu = ab.length;
  abbrevs(ab, [
    [1, TAG.type_unit, true, []],
    [2, TAG.base_type, false, [[AT.name, FORM.string], [AT.byte_size, FORM.data1]]],
  ]);

  // .debug_loclists: header, 4 offsets (relative to the base just after the header), lists.
  const ll = new Bytes().u32(0).u16(5).u8(8, 0).u32(4);
  const llBase = ll.length;
  const llSlots = [0, 1, 2, 3].map(() => { const at = ll.length; ll.u32(0); return at; });
  const list = (i: number): void => { ll.patchU32(llSlots[i]!, ll.length - llBase); };
  list(0); // x: rax at entry
  ll.u8(LLE.base_addressx).uleb(1);
  counted(ll.u8(LLE.offset_pair).uleb(0).uleb(0x10), [OP.reg0]);
  counted(ll.u8(LLE.offset_pair).uleb(0x10).uleb(0x50), [OP.fbreg, 8]);
  ll.u8(LLE.end_of_list);
  list(1); // y: rbx, then CFA+16 → [rbx:8 sp+24:8]
  counted(ll.u8(LLE.startx_length).uleb(3).uleb(0x10), [OP.reg0 + 1]);
  counted(ll.u8(LLE.start_end).u64(0x401100).u64(0x401110), [OP.reg0 + 3, OP.piece, 8, OP.call_frame_cfa, OP.consts, 16, OP.plus, OP.piece, 8]);
  ll.u8(LLE.end_of_list);
  list(2); // z: no entry covers the entry PC, so the default location (fbreg 16 → sp+24)
  ll.u8(LLE.base_address).u64(0x401100);
  counted(ll.u8(LLE.offset_pair).uleb(4).uleb(8), [OP.reg0 + 2]);
  counted(ll.u8(LLE.default_location), [OP.fbreg, 16]);
  ll.u8(LLE.end_of_list);
  list(3); // w: xmm0 via regx 17
  if (opts.gnuViews) ll.u8(LLE.gnu_view_pair).uleb(0).uleb(300);
  counted(ll.u8(LLE.startx_endx).uleb(1).uleb(2), [OP.regx, 17]);
  counted(ll.u8(LLE.start_length).u64(0x401200).uleb(0x10), [OP.reg0]);
  ll.u8(LLE.end_of_list);
  const gaList = ll.length; // main.G's a, by sec_offset: breg7 (rsp) + 8
  counted(ll.u8(LLE.start_end).u64(0x402000).u64(0x402010), [OP.breg0 + 7, 8]);
  ll.u8(LLE.end_of_list);
  ll.patchU32(0, ll.length - 4);

  const rl = new Bytes().u32(0).u16(5).u8(8, 0).u32(1);
  const rlBase = rl.length;
  rl.u32(4); // list 0 starts right after this one offset
  if (rl.length - rlBase !== 4) throw new Error('rnglists offsets');
  rl.u8(RLE.base_addressx).uleb(3).u8(RLE.offset_pair).uleb(0).uleb(0x20);
  rl.u8(RLE.start_length).u64(0x402100).uleb(0x30);
  rl.u8(RLE.startx_endx).uleb(5).uleb(6);
  rl.u8(RLE.start_end).u64(0x402200).u64(0x402210);
  rl.u8(RLE.end_of_list);
  rl.patchU32(0, rl.length - 4);

  // .debug_loc (DWARF 4): relative to the unit's low_pc 0x500000 until a base selection.
  const loc = new Bytes();
  const qList = loc.length;
  u16len(loc.u64(0x100).u64(0x110), [OP.call_frame_cfa, OP.piece, 8, OP.fbreg, 8, OP.piece, 8]);
  loc.u64(0xffff_ffff_ffff_ffffn).u64(0x600000);
  u16len(loc.u64(0).u64(0x10), [OP.reg0]);
  loc.u64(0).u64(0);
  const q2List = loc.length;
  loc.u64(0xffff_ffff_ffff_ffffn).u64(0x500000);
  u16len(loc.u64(0x100).u64(0x180), [OP.reg0 + 1]);
  loc.u64(0).u64(0);

  // .debug_info, unit 1: DWARF 5, 32-bit.
  const info = new Bytes().u32(0).u16(5).u8(UT.compile, 8).u32(0);
  info.uleb(1).u8(sx('go-v5')).u32(lineStr.add('/src')).uleb(0).u32(8).u32(8).u32(llBase).u32(rlBase);
  const INT = info.length;
  info.uleb(2).u16(sx('int')).u8(8, 5).bytes(new Array(16).fill(0xab));
  const F64 = info.length;
  info.uleb(2).u16(sx('float64')).u8(8, 4).bytes(new Array(16).fill(0));
  const PTR_ANON = info.length;
  info.uleb(11);
  const anonRef = info.length;
  info.u32(0);
  const PTR = info.length;
  info.uleb(15).u8(sx('*main.T'));
  const ptrRef = info.length;
  info.u64(0);
  const STRUCT = info.length;
  info.patchU32(anonRef, STRUCT).patchU64(ptrRef, STRUCT);
  info.uleb(3).u32(sx('main.T')).uleb(24);
  info.uleb(4).uleb(sx('a')).uleb(0).u32(INT).u8(0);
  info.uleb(5).u8(sx('b')).u8(2, OP.plus_uconst, 8).uleb(PTR);
  info.uleb(4).uleb(sx('c')).uleb(16).u32(INT).u8(1);
  info.u8(0);
  info.uleb(12).u8(sx('main.Alias')).u32(STRUCT);
  info.uleb(6).u8(sx('main.F')).u8(1).u32(0x50).uleb(1).u8(OP.call_frame_cfa);
  info.uleb(7).u8(sx('x')).u32(INT).u8(0).uleb(0);
  info.uleb(7).u8(sx('y')).u32(STRUCT).u8(0).uleb(1);
  info.uleb(7).u8(sx('z')).u32(PTR_ANON).u8(0).uleb(2);
  info.uleb(16).u32(sx('w')).u8(F64).uleb(3);
  info.uleb(13).u16(1).uleb(0x10);
  info.uleb(14).str('local').uleb(1).u8(OP.reg0);
  info.u8(0);
  info.uleb(8).u24(sx('r')).u16(INT).uleb(0);
  info.u8(0);
  info.uleb(9).u8(sx('main.G')).uleb(0).uleb(1).u8(OP.call_frame_cfa);
  info.uleb(10).uleb(FORM.strx1).u8(sx('a')).u32(INT).u32(gaList);
  info.u8(0);
  info.u8(0);
  info.patchU32(0, info.length - 4);

  // Unit 2: DWARF 4 in the 64-bit format (offsets and ref_addr are 8 bytes).
  const u2 = info.length;
  info.u32(0xffff_ffff).u64(0).u16(4).u64(abb64).u8(8);
  info.uleb(1).u64(str.add('old64')).u64(0x500000);
  info.uleb(4).u64(str.add('old.S')).u16(16);
  info.uleb(5).str('p').u8(8).u64(INT);
  info.u8(0);
  info.uleb(2).str('old.H').u64(0x500100).u64(0x500180).u8(1, OP.call_frame_cfa);
  info.uleb(3).str('q').u64(INT).u64(qList);
  info.uleb(3).str('q2').u64(INT).u64(q2List);
  info.u8(0);
  info.u8(0);
  info.patchU64(u2 + 4, info.length - u2 - 12);

  // Unit 3: DWARF 2, where ref_addr is address-sized (8 bytes here) even in 32-bit DWARF.
  const u3 = info.length;
  info.u32(0).u16(2).u32(abb2).u8(8);
  info.uleb(1).str('v2');
  info.uleb(2).str('v2.Int').u64(INT);
  info.uleb(3).str('v2.S').u8(8);
  info.uleb(4).str('m').u8(2, OP.plus_uconst, 4).u64(INT);
  info.u8(0);
  info.u8(0);
  info.patchU32(u3, info.length - u3 - 4);

  // Unit 4: a DWARF 5 type unit (signature and type offset in the header).
  const u4 = info.length;
  info.u32(0).u16(5).u8(UT.type, 8).u32(abbTu).u64(0x1234_5678_9abc_def0n).u32(25);
  info.uleb(1).uleb(2).str('tu.Int').u8(4).u8(0);
  info.patchU32(u4, info.length - u4 - 4);

  return {
    '.debug_info': info.toBuffer(), '.debug_abbrev': ab.toBuffer(), '.debug_str': str.bytes.toBuffer(),
    '.debug_line_str': lineStr.bytes.toBuffer(), '.debug_str_offsets': strOffsets.toBuffer(), '.debug_addr': addr.toBuffer(),
    '.debug_loclists': ll.toBuffer(), '.debug_rnglists': rl.toBuffer(), '.debug_loc': loc.toBuffer(),
  };
}
