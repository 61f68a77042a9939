import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValueLocation } from '../location';
import { OP } from './constants';
import { Bytes } from './dwarf-builder';
import { evaluateLocation, frameBaseAtEntry } from './location';
import { DwarfReader } from './reader';

const CFA = 8; // frame base of every Go function: DW_OP_call_frame_cfa
// `null`: no SP-relative frame base (a default parameter would turn undefined into CFA).
const ev = (b: Bytes | number[], fb: number | null = CFA): ValueLocation | undefined => {
  const buf = Array.isArray(b) ? Buffer.from(b) : b.toBuffer();
  return evaluateLocation(new DwarfReader(buf, 0, buf.length, '.test'), fb ?? undefined, 8);
};
const reg = (register: string) => ({ kind: 'register', register }) as const;
const stack = (offset: number) => ({ kind: 'stack', offset }) as const;

describe('evaluateLocation at the entry PC', () => {
  it('names registers by the x86-64 DWARF numbering', () => {
    assert.deepEqual(ev([OP.reg0]), reg('rax'));
    assert.deepEqual(ev([OP.reg0 + 3]), reg('rbx'));
    assert.deepEqual(ev([OP.reg0 + 17]), reg('xmm0'));
    assert.deepEqual(ev(new Bytes().u8(OP.regx).uleb(32)), reg('xmm15'));
    assert.equal(ev(new Bytes().u8(OP.regx).uleb(33)), undefined); // beyond the table: unknown, not guessed
  });

  it('places CFA-relative values at 8+N from SP (ABI0 and spills)', () => {
    assert.deepEqual(ev([OP.call_frame_cfa]), stack(8));
    assert.deepEqual(ev(new Bytes().u8(OP.fbreg).sleb(16)), stack(24));
    assert.deepEqual(ev(new Bytes().u8(OP.fbreg).sleb(-168)), stack(-160));
    assert.deepEqual(ev(new Bytes().u8(OP.call_frame_cfa, OP.consts).sleb(16).u8(OP.plus)), stack(24));
    assert.deepEqual(ev(new Bytes().u8(OP.call_frame_cfa, OP.plus_uconst).uleb(40)), stack(48));
    assert.deepEqual(ev(new Bytes().u8(OP.breg0 + 7).sleb(8)), stack(8)); // rsp + 8
    assert.deepEqual(ev(new Bytes().u8(OP.lit0 + 4, OP.call_frame_cfa, OP.swap, OP.minus)), stack(4));
  });

  it('splits values with DW_OP_piece, keeping empty pieces as unavailable', () => {
    assert.deepEqual(ev([OP.reg0 + 5, OP.piece, 8, OP.reg0 + 4, OP.piece, 8]), {
      kind: 'pieces', pieces: [{ size: 8, location: reg('rdi') }, { size: 8, location: reg('rsi') }],
    });
    assert.deepEqual(ev(new Bytes().u8(OP.call_frame_cfa, OP.piece, 8, OP.fbreg).sleb(8).u8(OP.piece, 8)), {
      kind: 'pieces', pieces: [{ size: 8, location: stack(8) }, { size: 8, location: stack(16) }],
    });
    assert.deepEqual(ev([OP.piece, 8, OP.reg0 + 2, OP.piece, 8]), {
      kind: 'pieces', pieces: [{ size: 8, location: undefined }, { size: 8, location: reg('rcx') }],
    });
    assert.equal(ev([OP.piece, 8, OP.piece, 8]), undefined);
  });

  it('gives undefined, never a guess, for what it cannot express', () => {
    assert.equal(ev([]), undefined); // Go results: an empty location
    assert.equal(ev(new Bytes().u8(OP.fbreg).sleb(8), null), undefined); // frame base unknown
    assert.equal(ev(new Bytes().u8(OP.breg0 + 6).sleb(-8)), undefined); // rbp-relative: rbp unknown statically
    assert.equal(ev([0xa3, 1, OP.reg0 + 5, 0x9f]), undefined); // DW_OP_entry_value(rdi), DW_OP_stack_value
    assert.equal(ev([OP.lit0 + 3, 0x9f]), undefined); // a constant value, not a location
    assert.equal(ev([OP.call_frame_cfa, 0x06]), undefined); // deref
    assert.equal(ev([OP.addr, 0, 0x10, 0x40, 0, 0, 0, 0, 0]), undefined); // a global's address
    assert.equal(ev([OP.reg0, OP.reg0 + 1]), undefined); // register not closed by a piece
    assert.equal(ev([OP.reg0, OP.piece, 8, OP.reg0 + 1]), undefined); // trailing part without a size
    assert.equal(ev([OP.plus]), undefined); // stack underflow
    assert.equal(ev([OP.call_frame_cfa, OP.call_frame_cfa, OP.plus]), undefined);
  });

  it('reads frame bases as SP offsets', () => {
    const fb = (b: number[] | Bytes): number | undefined => {
      const buf = Array.isArray(b) ? Buffer.from(b) : b.toBuffer();
      return frameBaseAtEntry(new DwarfReader(buf, 0, buf.length, '.test'), 8);
    };
    assert.equal(fb([OP.call_frame_cfa]), 8);
    assert.equal(fb([OP.reg0 + 7]), 0); // clang: DW_OP_reg7 RSP
    assert.equal(fb(new Bytes().u8(OP.breg0 + 7).sleb(16)), 16);
    assert.equal(fb([OP.reg0 + 6]), undefined); // rbp
  });
});
