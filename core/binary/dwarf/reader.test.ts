import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GotraceError } from '../../errors';
import { FORM } from './constants';
import { Bytes } from './dwarf-builder';
import { fixedFormSize, readForm, skipForm, UnitShape } from './forms';
import { DwarfReader } from './reader';

const rd = (bytes: number[]): DwarfReader => new DwarfReader(Buffer.from(bytes), 0, bytes.length, '.test');
const code = (e: unknown): string | undefined => (e instanceof GotraceError ? e.code : undefined);

describe('DwarfReader', () => {
  it('decodes the LEB128 examples of DWARF 5 tables 7.6 and 7.7', () => {
    const unsigned: Array<[number, number[]]> = [[2, [2]], [127, [0x7f]], [128, [0x80, 1]], [129, [0x81, 1]], [130, [0x82, 1]], [12857, [0xb9, 0x64]]];
    for (const [v, b] of unsigned) assert.equal(rd(b).uleb(), v, `uleb ${b}`);
    const signed: Array<[number, number[]]> = [[2, [2]], [-2, [0x7e]], [127, [0xff, 0]], [-127, [0x81, 0x7f]], [128, [0x80, 1]], [-128, [0x80, 0x7f]], [129, [0x81, 1]], [-129, [0xff, 0x7e]]];
    for (const [v, b] of signed) assert.equal(rd(b).sleb(), v, `sleb ${b}`);
  });

  it('round-trips LEB128 through the test builder, up to 2^53', () => {
    for (const v of [0, 1, 63, 64, 0x3fff, 0x4000, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      assert.equal(rd([...new Bytes().uleb(v).toBuffer()]).uleb(), v);
    }
    for (const v of [0, -1, 63, -64, -65, 1000, -1000, 2 ** 40, -(2 ** 40)]) {
      assert.equal(rd([...new Bytes().sleb(v).toBuffer()]).sleb(), v);
    }
  });

  it('refuses LEB128 values a JS number cannot hold, and unterminated ones', () => {
    assert.throws(() => rd([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).uleb(), (e) => code(e) === 'ERR_DWARF_MALFORMED');
    assert.throws(() => rd([0x80, 0x80]).uleb(), (e) => code(e) === 'ERR_DWARF_MALFORMED');
    assert.throws(() => rd([0x80, 0x80]).skipLeb(), (e) => code(e) === 'ERR_DWARF_MALFORMED');
  });

  it('checks every read against its window, with a typed error', () => {
    const r = new DwarfReader(Buffer.from([1, 2, 3, 4, 5, 6]), 1, 4, '.test');
    assert.equal(r.u16(), 0x0302);
    assert.throws(() => r.u16(), (e) => code(e) === 'ERR_DWARF_MALFORMED' && /\.test is truncated/.test((e as Error).message));
    assert.throws(() => r.sub(2, 9), (e) => code(e) === 'ERR_DWARF_MALFORMED');
    assert.throws(() => rd([0x61, 0x62]).cstring(), (e) => code(e) === 'ERR_DWARF_MALFORMED');
    assert.throws(() => new DwarfReader(Buffer.alloc(4), 2, 8, '.test'), (e) => code(e) === 'ERR_DWARF_MALFORMED');
  });

  it('reads 32- and 64-bit initial lengths and all-ones addresses', () => {
    assert.deepEqual(rd([0x10, 0, 0, 0]).initialLength(), { length: 16, offsetSize: 4 });
    assert.deepEqual(rd([0xff, 0xff, 0xff, 0xff, 0x20, 0, 0, 0, 0, 0, 0, 0]).initialLength(), { length: 32, offsetSize: 8 });
    assert.throws(() => rd([0xf0, 0xff, 0xff, 0xff]).initialLength(), (e) => code(e) === 'ERR_DWARF_MALFORMED');
    assert.equal(rd(new Array(8).fill(0xff)).address(8), -1);
    assert.equal(rd([0xff, 0xff, 0xff, 0xff]).address(4), -1);
    assert.equal(rd([0x00, 0x10, 0x40, 0, 0, 0, 0, 0]).address(8), 0x401000);
    assert.throws(() => rd([0, 0, 0, 0, 0, 0, 0x40, 0]).u64(), (e) => code(e) === 'ERR_DWARF_MALFORMED');
  });
});

describe('forms', () => {
  const v4: UnitShape = { version: 4, addrSize: 8, offsetSize: 4 };
  const v2: UnitShape = { version: 2, addrSize: 8, offsetSize: 4 };
  const v5x64: UnitShape = { version: 5, addrSize: 8, offsetSize: 8 };

  it('sizes DW_FORM_ref_addr by address in DWARF 2 and by offset later', () => {
    assert.equal(fixedFormSize(FORM.ref_addr, v2), 8);
    assert.equal(fixedFormSize(FORM.ref_addr, v4), 4);
    assert.equal(fixedFormSize(FORM.ref_addr, v5x64), 8);
    assert.equal(fixedFormSize(FORM.strp, v5x64), 8);
    assert.equal(fixedFormSize(FORM.data16, v4), 16);
    assert.equal(fixedFormSize(FORM.implicit_const, v4), 0);
    assert.throws(() => fixedFormSize(0x7f, v4), (e) => code(e) === 'ERR_DWARF_UNSUPPORTED');
  });

  it('skips exactly as far as it reads, for every form', () => {
    const cases: Array<[number, Bytes]> = [
      [FORM.addr, new Bytes().u64(0x401000)], [FORM.block2, new Bytes().u16(3).u8(1, 2, 3)], [FORM.block4, new Bytes().u32(1).u8(9)],
      [FORM.data2, new Bytes().u16(7)], [FORM.data4, new Bytes().u32(7)], [FORM.data8, new Bytes().u64(7)],
      [FORM.string, new Bytes().str('héllo')], [FORM.block, new Bytes().uleb(2).u8(1, 2)], [FORM.block1, new Bytes().u8(1, 5)],
      [FORM.data1, new Bytes().u8(1)], [FORM.flag, new Bytes().u8(1)], [FORM.sdata, new Bytes().sleb(-300)],
      [FORM.strp, new Bytes().u32(4)], [FORM.udata, new Bytes().uleb(300)], [FORM.ref_addr, new Bytes().u32(4)],
      [FORM.ref1, new Bytes().u8(4)], [FORM.ref2, new Bytes().u16(4)], [FORM.ref4, new Bytes().u32(4)], [FORM.ref8, new Bytes().u64(4)],
      [FORM.ref_udata, new Bytes().uleb(400)], [FORM.indirect, new Bytes().uleb(FORM.udata).uleb(500)],
      [FORM.sec_offset, new Bytes().u32(9)], [FORM.exprloc, new Bytes().uleb(1).u8(0x9c)], [FORM.flag_present, new Bytes()],
      [FORM.strx, new Bytes().uleb(200)], [FORM.addrx, new Bytes().uleb(200)], [FORM.ref_sup4, new Bytes().u32(1)],
      [FORM.strp_sup, new Bytes().u32(1)], [FORM.data16, new Bytes().u64(1).u64(2)], [FORM.line_strp, new Bytes().u32(1)],
      [FORM.ref_sig8, new Bytes().u64(1)], [FORM.implicit_const, new Bytes()], [FORM.loclistx, new Bytes().uleb(3)],
      [FORM.rnglistx, new Bytes().uleb(3)], [FORM.ref_sup8, new Bytes().u64(1)], [FORM.strx1, new Bytes().u8(1)],
      [FORM.strx2, new Bytes().u16(1)], [FORM.strx3, new Bytes().u24(1)], [FORM.strx4, new Bytes().u32(1)],
      [FORM.addrx1, new Bytes().u8(1)], [FORM.addrx2, new Bytes().u16(1)], [FORM.addrx3, new Bytes().u24(1)],
      [FORM.addrx4, new Bytes().u32(1)], [FORM.gnu_addr_index, new Bytes().uleb(1)], [FORM.gnu_str_index, new Bytes().uleb(1)],
      [FORM.gnu_ref_alt, new Bytes().u32(1)], [FORM.gnu_strp_alt, new Bytes().u32(1)],
    ];
    for (const [form, bytes] of cases) {
      const buf = Buffer.concat([bytes.toBuffer(), Buffer.from([0xee])]);
      const a = new DwarfReader(buf, 0, buf.length, '.test'), b = new DwarfReader(buf, 0, buf.length, '.test');
      skipForm(a, form, v4);
      readForm(b, form, v4, 0x100, -5);
      assert.equal(a.pos, bytes.length, `skip 0x${form.toString(16)}`);
      assert.equal(b.pos, bytes.length, `read 0x${form.toString(16)}`);
    }
  });

  it('rebases unit-relative references and passes implicit constants through', () => {
    const r = rd([0x10, 0x20, 0, 0, 0]);
    assert.deepEqual(readForm(r, FORM.ref1, v4, 0x1000, 0), { kind: 'ref', offset: 0x1010 });
    assert.deepEqual(readForm(r, FORM.ref_addr, v4, 0x1000, 0), { kind: 'ref', offset: 0x20 });
    assert.deepEqual(readForm(rd([]), FORM.implicit_const, v4, 0, -7), { kind: 'const', form: FORM.implicit_const, value: -7 });
    assert.deepEqual(readForm(rd([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), FORM.data8, v4, 0, 0), { kind: 'other', form: FORM.data8 });
  });

  it('refuses DW_FORM_indirect loops', () => {
    const loop = rd([FORM.indirect, FORM.indirect, FORM.indirect, FORM.indirect, FORM.indirect, 1]);
    assert.throws(() => skipForm(loop, FORM.indirect, v4), (e) => code(e) === 'ERR_DWARF_MALFORMED');
  });
});
