// Damaged tables end in a typed error, quickly: never a RangeError, a hang or
// a loop that trusts a count. Each case damages one field of a real table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { ElfFile } from './elf';
import { readPclntab } from './pclntab';
import { GotraceError, type ErrorCode } from '../errors';
import { fixture, realBinary, requireBinary, type TestBinary } from '../../test/support/binaries';

const BOUND_MS = 1000;

/** A copy of `b` whose .gopclntab bytes `damage` edits in place (tab is a view into the copy). */
function damaged(b: TestBinary, damage: (tab: Buffer, sectionHeader: number, buf: Buffer) => void): ElfFile {
  const buf = Buffer.from(readFileSync(requireBinary(b)));
  const elf = ElfFile.parse(buf, b.label);
  const s = elf.section('.gopclntab')!;
  damage(elf.rawData(s), Number(buf.readBigUInt64LE(40)) + 64 * s.index, buf);
  return ElfFile.parse(buf, b.label);
}

function expectTyped(elf: ElfFile, code: ErrorCode | ErrorCode[], what: string): void {
  const t0 = performance.now();
  let err: unknown;
  try {
    readPclntab(elf).functions();
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t0;
  assert.ok(err instanceof GotraceError, `${what}: ${err instanceof Error ? err.stack : 'no error'}`);
  assert.ok(([] as ErrorCode[]).concat(code).includes(err.code), `${what}: ${err.code} ${err.message}`);
  assert.ok(err.message.length > 20 && err.file === elf.path, `${what}: message and file: ${err.message}`);
  assert.ok(ms < BOUND_MS, `${what}: ${ms} ms`);
}

const go126 = realBinary(26), go118 = fixture('divide'), go12 = realBinary(13);
// Header words: 8 + 8*i; for 1.18+ i = 0 nfunc, 1 nfiles, 2 textStart, 3 funcnameOffset, 4 cuOffset, … 7 pclnOffset.
const word = (tab: Buffer, i: number): number => Number(tab.readBigUInt64LE(8 + 8 * i));
const setWord = (tab: Buffer, i: number, v: bigint): void => {
  tab.writeBigUInt64LE(v, 8 + 8 * i);
};

test('an unknown magic or a non-amd64 header is ERR_PCLNTAB_UNSUPPORTED', () => {
  expectTyped(damaged(go126, (t) => t.writeUInt32LE(0xfffffff2, 0)), 'ERR_PCLNTAB_UNSUPPORTED', 'magic');
  expectTyped(damaged(go118, (t) => t.writeUInt32LE(0x12345678, 0)), 'ERR_PCLNTAB_UNSUPPORTED', 'magic');
  expectTyped(damaged(go118, (t) => { t[7] = 4; }), 'ERR_PCLNTAB_UNSUPPORTED', 'pointer size 4');
  expectTyped(damaged(go12, (t) => { t[6] = 4; }), 'ERR_PCLNTAB_UNSUPPORTED', 'quantum 4');
});

test('a truncated table is ERR_PCLNTAB_MALFORMED', () => {
  for (const b of [go126, go118, go12]) {
    for (const keep of [12, 64, 4096]) {
      expectTyped(damaged(b, (_t, sh, buf) => buf.writeBigUInt64LE(BigInt(keep), sh + 32)), 'ERR_PCLNTAB_MALFORMED', `${b.label} cut to ${keep}`);
    }
    expectTyped(damaged(b, (t, sh, buf) => buf.writeBigUInt64LE(BigInt(t.length >> 1), sh + 32)), 'ERR_PCLNTAB_MALFORMED', `${b.label} cut in half`);
  }
});

test('wild counts and offsets in the header are ERR_PCLNTAB_MALFORMED', () => {
  const cases: [string, (t: Buffer) => void][] = [
    ['nfunc 2^31', (t) => setWord(t, 0, 0x7fffffffn)],
    ['nfunc 2^52', (t) => setWord(t, 0, 1n << 52n)],
    ['nfunc 2^64-1', (t) => setWord(t, 0, 0xffffffffffffffffn)],
    ['nfunc 0', (t) => setWord(t, 0, 0n)],
    ['funcnameOffset past the end', (t) => setWord(t, 3, 0xffffffffn)],
    ['funcnametab reversed', (t) => setWord(t, 4, BigInt(word(t, 3) - 1))],
    ['pclnOffset past the end', (t) => setWord(t, 7, BigInt(t.length))],
    ['pclnOffset misaligned', (t) => setWord(t, 7, BigInt(word(t, 7) + 1))],
  ];
  for (const b of [go126, go118]) for (const [what, f] of cases) expectTyped(damaged(b, f), 'ERR_PCLNTAB_MALFORMED', `${b.label}: ${what}`);
  expectTyped(damaged(go12, (t) => setWord(t, 0, 0xffffffffn)), 'ERR_PCLNTAB_MALFORMED', 'go1.2 nfunc');
});

test('wild functab rows and _func records are ERR_PCLNTAB_MALFORMED', () => {
  // 1.18+: functab rows are uint32 (entryoff, funcoff) at pclnOffset.
  const row = (t: Buffer, i: number): number => word(t, 7) + 8 * i;
  const funcAt = (t: Buffer, i: number): number => word(t, 7) + t.readUInt32LE(row(t, i) + 4);
  const cases: [string, (t: Buffer) => void][] = [
    ['funcoff past the end', (t) => t.writeUInt32LE(0xfffffff0, row(t, 5) + 4)],
    ['funcoff misaligned', (t) => t.writeUInt32LE(t.readUInt32LE(row(t, 5) + 4) + 2, row(t, 5) + 4)],
    ['entries out of order', (t) => t.writeUInt32LE(t.readUInt32LE(row(t, 9)) + 0x100000, row(t, 8))],
    ['two rows swapped', (t) => {
      const a = Buffer.from(t.subarray(row(t, 8), row(t, 9)));
      t.copy(t, row(t, 8), row(t, 9), row(t, 10));
      a.copy(t, row(t, 9));
    }],
    ['_func entry disagrees', (t) => t.writeUInt32LE(t.readUInt32LE(funcAt(t, 3)) + 1, funcAt(t, 3))],
    ['negative nameoff', (t) => t.writeInt32LE(-5, funcAt(t, 3) + 4)],
    ['nameoff past the name table', (t) => t.writeInt32LE(0x7fffffff, funcAt(t, 3) + 4)],
    ['unterminated last name', (t) => t.fill(0x41, word(t, 4) - 64, word(t, 4))],
  ];
  for (const b of [go126, go118]) for (const [what, f] of cases) expectTyped(damaged(b, f), 'ERR_PCLNTAB_MALFORMED', `${b.label}: ${what}`);
  // 1.2: uintptr rows right after the 16-byte header.
  expectTyped(damaged(go12, (t) => t.writeUInt32LE(0xffffffff, 16 + 16 * 4 + 4)), 'ERR_PCLNTAB_MALFORMED', 'go1.2 entry above 2^53');
  expectTyped(damaged(go12, (t) => t.writeUInt32LE(0x7ffffff0, 16 + 16 * 4 + 8)), 'ERR_PCLNTAB_MALFORMED', 'go1.2 funcoff');
});

test('random damage to the header and functab ends in a result or a typed error, fast', () => {
  let seed = 0x2545f491;
  const rnd = (n: number): number => {
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return seed % n;
  };
  const outcomes = { ok: 0, typed: 0 };
  for (const b of [go126, go118, go12]) {
    const buf = Buffer.from(readFileSync(b.path));
    const elf = ElfFile.parse(buf, b.label);
    const tab = elf.rawData(elf.section('.gopclntab')!);
    const region = Math.min(tab.length, 1 << 16);
    for (let i = 0; i < 150; i++) {
      const saved = Buffer.from(tab.subarray(0, region));
      for (let k = 1 + rnd(4); k > 0; k--) tab[rnd(region)] = rnd(256);
      const t0 = performance.now();
      try {
        readPclntab(ElfFile.parse(buf, b.label)).functions();
        outcomes.ok++;
      } catch (e) {
        assert.ok(e instanceof GotraceError, `${b.label} iteration ${i}: ${e instanceof Error ? e.stack : String(e)}`);
        outcomes.typed++;
      }
      assert.ok(performance.now() - t0 < BOUND_MS);
      saved.copy(tab);
    }
  }
  assert.ok(outcomes.ok > 0 && outcomes.typed > 0, JSON.stringify(outcomes));
});

test('an ELF with no Go in it is ERR_NOT_GO', { skip: !existsSync('/bin/true') && 'no /bin/true' }, () => {
  assert.throws(() => readPclntab(ElfFile.parse(readFileSync('/bin/true'), '/bin/true')), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_NOT_GO');
});
