// DWARF 5 paths. Go ≥1.25 writes DWARF 5 but no such toolchain is here, so:
// hand-assembled sections (checked by `llvm-dwarfdump --verify`, then read
// back by both), and real DWARF 5 from clang (strx/addrx/loclistx/rnglistx)
// and gcc (line_strp/implicit_const/sec_offset loclists), compared with
// llvm-dwarfdump.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ElfFile } from '../elf';
import { ValueLocation } from '../location';
import { Dwarf, DwarfFunction } from './dwarf';
import { elfWithSections } from './dwarf-builder';
import { buildDwarf5Sections } from './dwarf5-fixture';
import { dwarfdump, locationAt, parseDies, quoted } from './dwarfdump-oracle';

const dir = mkdtempSync(join(tmpdir(), 'gotrace-dwarf5-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const reg = (register: string): ValueLocation => ({ kind: 'register', register });
const stack = (offset: number): ValueLocation => ({ kind: 'stack', offset });

/** What llvm-dwarfdump says about a function's parameters: name and location at the entry PC. */
function oracleParams(file: string, name: string): Array<{ name: string; location: ValueLocation | undefined }> {
  const die = parseDies(dwarfdump([`--name=${name}`, '-c', file])).find((d) => d.tag === 'DW_TAG_subprogram');
  assert.ok(die, `llvm-dwarfdump finds ${name}`);
  const low = parseInt(die.attrs.get('DW_AT_low_pc') ?? /\[0x([0-9a-f]+)/.exec(die.attrs.get('DW_AT_ranges') ?? '')?.[1] ?? 'x', 16);
  return die.children.filter((c) => c.tag === 'DW_TAG_formal_parameter').map((c) => ({
    name: quoted(c.attrs.get('DW_AT_name'))!,
    location: locationAt(c.attrs.get('DW_AT_location'), low),
  }));
}

const brief = (f: DwarfFunction | undefined) => f?.params.map((p) => ({ name: p.name, location: p.location }));

describe('DWARF 5, hand-assembled', () => {
  const sections = buildDwarf5Sections();
  const dwarf = Dwarf.fromSections((n) => sections[n])!;
  const elfPath = join(dir, 'v5.o');
  writeFileSync(elfPath, elfWithSections(sections));

  it('is valid DWARF according to llvm-dwarfdump --verify', () => {
    const res = spawnSync('llvm-dwarfdump', ['--verify', elfPath], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /No errors\./);
  });

  it('reads the version of the first unit', () => {
    assert.equal(dwarf.version, 5);
  });

  it('evaluates every DW_LLE kind at the entry PC', () => {
    assert.deepEqual(dwarf.function('main.F'), {
      name: 'main.F', lowPc: 0x401100, highPc: 0x401150, params: [
        { name: 'x', type: 'int', isResult: false, location: reg('rax') },
        { name: 'y', type: 'main.T', isResult: false, location: { kind: 'pieces', pieces: [{ size: 8, location: reg('rbx') }, { size: 8, location: stack(24) }] } },
        { name: 'z', type: '*main.T', isResult: false, location: stack(24) }, // DW_LLE_default_location
        { name: 'w', type: 'float64', isResult: false, location: reg('xmm0') },
        { name: 'r', type: 'int', isResult: true, location: undefined },
      ],
    });
  });

  it('finds a function by DW_AT_ranges (every DW_RLE kind) and a sec_offset location list', () => {
    assert.deepEqual(dwarf.function('main.G'), {
      name: 'main.G', lowPc: 0x402000, highPc: 0x402340, params: [{ name: 'a', type: 'int', isResult: false, location: stack(8) }],
    });
  });

  it('reads a DWARF 4 unit in the 64-bit format, with .debug_loc base address selection', () => {
    assert.deepEqual(dwarf.function('old.H'), {
      name: 'old.H', lowPc: 0x500100, highPc: 0x500180, params: [
        { name: 'q', type: 'int', isResult: false, location: { kind: 'pieces', pieces: [{ size: 8, location: stack(8) }, { size: 8, location: stack(16) }] } },
        { name: 'q2', type: 'int', isResult: false, location: reg('rdx') },
      ],
    });
  });

  it('agrees with llvm-dwarfdump on parameter names and entry locations', () => {
    for (const fn of ['main.F', 'main.G', 'old.H']) assert.deepEqual(brief(dwarf.function(fn)), oracleParams(elfPath, fn), fn);
  });

  it('lays out structs in DWARF 5, 4 (64-bit) and 2 units, through typedefs', () => {
    const t = {
      name: 'main.T', size: 24, fields: [
        { name: 'a', offset: 0, type: 'int', embedded: false },
        { name: 'b', offset: 8, type: '*main.T', embedded: true }, // DW_OP_plus_uconst 8, flag_present
        { name: 'c', offset: 16, type: 'int', embedded: true },
      ],
    };
    assert.deepEqual(dwarf.struct('main.T'), t);
    assert.deepEqual(dwarf.struct('main.Alias'), t);
    assert.deepEqual(dwarf.struct('old.S'), { name: 'old.S', size: 16, fields: [{ name: 'p', offset: 8, type: 'int', embedded: false }] });
    assert.deepEqual(dwarf.struct('v2.S'), { name: 'v2.S', size: 8, fields: [{ name: 'm', offset: 4, type: 'int', embedded: false }] });
    assert.equal(dwarf.struct('int'), undefined);
    assert.equal(dwarf.struct('nope'), undefined);
  });

  it('sizes types through typedefs, pointers, DWARF 2 refs and a type unit', () => {
    const sizes = Object.fromEntries(['int', 'float64', 'main.Alias', '*main.T', 'v2.Int', 'tu.Int', 'nope'].map((n) => [n, dwarf.typeSize(n)]));
    assert.deepEqual(sizes, { int: 8, float64: 8, 'main.Alias': 24, '*main.T': 8, 'v2.Int': 8, 'tu.Int': 4, nope: undefined });
  });

  it("skips GCC's DW_LLE_GNU_view_pair entries", () => {
    const s = buildDwarf5Sections({ gnuViews: true });
    const d = Dwarf.fromSections((n) => s[n])!;
    assert.deepEqual(d.function('main.F')?.params.find((p) => p.name === 'w')?.location, reg('xmm0'));
  });
});

const C_SOURCE = `
struct inner { short a; char b; };
struct outer { int x; struct inner in; const char *name; long arr[3]; union { int i; float f; } u; unsigned flags : 3; double d; };
typedef struct outer outer_t;
__attribute__((noinline)) long add(long a, int b, outer_t *o, double f) { return a + b + o->x + (long)f; }
volatile long sink;
int main(void) { outer_t o = {0}; sink = add(1, 2, &o, 3.0); return (int)sink; }
`;

/** Field layout as llvm-dwarfdump prints it (types are checked separately: its C spelling differs). */
function oracleLayout(file: string, name: string): { size: number; fields: Array<{ name: string; offset: number }> } {
  const die = parseDies(dwarfdump([`--name=${name}`, '-c', file])).find((d) => d.tag === 'DW_TAG_structure_type')!;
  return {
    size: Number(die.attrs.get('DW_AT_byte_size')),
    fields: die.children.filter((c) => c.tag === 'DW_TAG_member').map((c) => {
      const loc = c.attrs.get('DW_AT_data_member_location');
      return { name: quoted(c.attrs.get('DW_AT_name'))!, offset: loc !== undefined ? Number(loc) : Math.floor(Number(c.attrs.get('DW_AT_data_bit_offset')) / 8) };
    }),
  };
}

for (const cc of ['clang', 'gcc']) {
  describe(`DWARF 5 from ${cc} -gdwarf-5 -O2`, () => {
    const exe = join(dir, `c-${cc}`);
    let dwarf: Dwarf;
    before(() => {
      writeFileSync(`${exe}.c`, C_SOURCE);
      const res = spawnSync(cc, ['-gdwarf-5', '-O2', '-o', exe, `${exe}.c`], { encoding: 'utf8' });
      assert.equal(res.status, 0, `${cc} is needed (scripts/setup.sh installs it): ${res.error?.message ?? res.stderr}`);
      dwarf = Dwarf.fromElf(ElfFile.parse(readFileSync(exe), exe))!;
    });

    it('is DWARF 5', () => assert.equal(dwarf.version, 5));

    it('matches llvm-dwarfdump on the parameters of add() at entry', () => {
      const fn = dwarf.function('add');
      assert.ok(fn);
      assert.deepEqual(brief(fn), oracleParams(exe, 'add'));
      assert.deepEqual(fn.params.map((p) => p.location), [reg('rdi'), reg('rsi'), reg('rdx'), reg('xmm0')]); // System V
      assert.deepEqual(fn.params.map((p) => p.type), ['long', 'int', '*outer_t', 'double'].map((t) => (cc === 'gcc' && t === 'long' ? 'long int' : t)));
      const low = parseDies(dwarfdump(['--name=add', '-c', exe]))[0]!;
      assert.equal(fn.lowPc, parseInt(low.attrs.get('DW_AT_low_pc')!, 16));
      assert.equal(fn.highPc, parseInt(low.attrs.get('DW_AT_high_pc')!, 16));
    });

    it('matches llvm-dwarfdump on the layout of struct outer, through its typedef', () => {
      const s = dwarf.struct('outer_t');
      assert.ok(s);
      assert.deepEqual({ size: s.size, fields: s.fields.map((f) => ({ name: f.name, offset: f.offset })) }, oracleLayout(exe, 'outer'));
      assert.deepEqual(s.fields.map((f) => f.type), ['int', 'inner', '*char', '[3]long', 'union {…}', 'unsigned int', 'double']
        .map((t) => (cc === 'gcc' ? t.replace('[3]long', '[3]long int') : t)));
      assert.equal(dwarf.typeSize('outer_t'), s.size);
    });
  });
}
