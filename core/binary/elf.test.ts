import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfFile, PT_LOAD } from './elf';
import { GotraceError } from '../errors';
import { allFixtures, allRealBinaries, fixture, realBinary, requireBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';

const binaries = [...allFixtures(), ...allRealBinaries()];

// readelf -SW rows: [Nr] Name Type Address Off Size ES Flg Lk Inf Al
function readelfSections(path: string): { name: string; addr: number; off: number; size: number }[] {
  const out: { name: string; addr: number; off: number; size: number }[] = [];
  for (const line of run('readelf', ['-SW', path]).split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s+(\S*)\s+\S+\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line);
    if (m && m[1] !== '0') out.push({ name: m[2]!, addr: parseInt(m[3]!, 16), off: parseInt(m[4]!, 16), size: parseInt(m[5]!, 16) });
  }
  return out;
}

for (const b of binaries) {
  test(`sections and segments of ${b.label} match readelf`, () => {
    const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
    const want = readelfSections(b.path);
    const got = elf.sections.slice(1).map((s) => ({ name: s.name, addr: s.addr, off: s.offset, size: s.size }));
    assert.deepEqual(got, want);
    const loads = run('readelf', ['-lW', b.path]).split('\n').filter((l) => /^\s*LOAD\s/.test(l)).map((l) => {
      const f = l.trim().split(/\s+/);
      return { offset: parseInt(f[1]!, 16), vaddr: parseInt(f[2]!, 16), filesz: parseInt(f[4]!, 16), memsz: parseInt(f[5]!, 16) };
    });
    assert.deepEqual(elf.segments.filter((p) => p.type === PT_LOAD).map(({ offset, vaddr, filesz, memsz }) => ({ offset, vaddr, filesz, memsz })), loads);
  });
}

for (const b of binaries.filter((x) => !x.stripped)) {
  test(`.symtab of ${b.label} matches readelf -s`, () => {
    const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
    // readelf -sW: Num: Value Size Type Bind Vis Ndx Name
    // Names repeat (local C symbols in externally linked PIE), so keep every value.
    const want = new Map<string, string[]>();
    let count = 0, funcCount = 0;
    // readelf prints .dynsym first for PIE; only the .symtab table is ours to compare.
    const listing = run('readelf', ['-sW', b.path]);
    for (const line of listing.slice(listing.indexOf("Symbol table '.symtab'")).split('\n')) {
      const m = /^\s*\d+:\s+([0-9a-f]{16})\s+(\d+|0x[0-9a-f]+)\s+(\w+)\s+\w+\s+\w+\s+\S+\s*(.*)$/.exec(line);
      if (!m) continue;
      count++;
      if (m[3] !== 'FUNC') continue;
      funcCount++;
      want.set(m[4]!, [...(want.get(m[4]!) ?? []), `${parseInt(m[1]!, 16)}/${Number(m[2])}`]);
    }
    const syms = elf.symbols();
    assert.equal(syms.length, count);
    let funcs = 0;
    for (const s of syms) {
      if (s.type !== 2) continue;
      funcs++;
      const w = want.get(s.name);
      assert.ok(w, `readelf lacks function ${s.name}`);
      assert.ok(w.includes(`${s.value}/${s.size}`), `${s.name}: ${s.value}/${s.size} not in readelf's ${w.join(',')}`);
    }
    assert.equal(funcs, funcCount);
    assert.ok(funcs > 1000);
  });
}

test('compressed debug sections decompress to what objcopy produces (SHF_COMPRESSED and .zdebug)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gotrace-elf-'));
  try {
    for (const b of [fixture('divide'), fixture('https', '-pie'), realBinary(13), realBinary(14)]) {
      const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
      const plain = join(dir, b.label);
      run('objcopy', ['--decompress-debug-sections', b.path, plain]);
      for (const name of ['.debug_info', '.debug_abbrev', '.debug_line']) {
        const section = join(dir, `${b.label}${name}`);
        run('objcopy', ['--dump-section', `${name}=${section}`, plain, join(dir, 'scratch')]);
        const mine = elf.sectionData(name);
        assert.ok(mine, `${b.label} ${name}`);
        assert.ok(mine.equals(readFileSync(section)), `${b.label} ${name} differs from objcopy's`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('virtual address to file offset follows the PT_LOAD segment (ET_EXEC and PIE)', () => {
  for (const b of [fixture('divide'), fixture('divide', '-pie')]) {
    const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
    const text = elf.section('.text')!;
    const main = elf.symbols().find((s) => s.name === 'main.Divide')!;
    // The .text formula is the special case of the segment one.
    assert.equal(elf.vaddrToFileOffset(main.value), text.offset + (main.value - text.addr));
    assert.throws(() => elf.vaddrToFileOffset(0x10), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_ADDRESS_NOT_MAPPED');
  }
  assert.equal(ElfFile.parse(readFileSync(fixture('divide', '-pie').path)).isPie, true);
  assert.equal(ElfFile.parse(readFileSync(fixture('divide').path)).isPie, false);
});

test('bad ELF input gives typed errors', () => {
  const good = readFileSync(fixture('divide').path);
  const cases: [string, Buffer, string][] = [
    ['empty', Buffer.alloc(0), 'ERR_NOT_ELF'],
    ['text', Buffer.from('#!/bin/sh\necho hi\n'), 'ERR_NOT_ELF'],
    ['32-bit', Buffer.concat([good.subarray(0, 4), Buffer.from([1]), good.subarray(5, 64)]), 'ERR_ELF_UNSUPPORTED'],
    ['big-endian', Buffer.concat([good.subarray(0, 5), Buffer.from([2]), good.subarray(6, 64)]), 'ERR_ELF_UNSUPPORTED'],
    ['truncated header', good.subarray(0, 40), 'ERR_NOT_ELF'],
    ['truncated tables', good.subarray(0, 4096), 'ERR_ELF_MALFORMED'],
  ];
  for (const [what, buf, code] of cases) {
    assert.throws(() => ElfFile.parse(buf, what), (e: unknown) => e instanceof GotraceError && e.code === code, what);
  }
});
