// Corrupted input: flip or cut bytes of real and hand-built DWARF with a
// seeded PRNG, and require every lookup to end quickly in an answer or a
// GotraceError (never a RangeError, a hang or a crash).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fixture, requireBinary } from '../../../test/support/binaries';
import { GotraceError } from '../../errors';
import { ElfFile } from '../elf';
import { Dwarf, DwarfSectionName } from './dwarf';
import { buildDwarf5Sections } from './dwarf5-fixture';

/** mulberry32: small, seeded, good enough to spread mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome { answers: number; errors: Record<string, number>; slowestMs: number }

function mutate(rand: () => number, src: Buffer, hotEnd: number): Buffer {
  if (rand() < 0.1) return Buffer.from(src.subarray(0, Math.floor(rand() * src.length))); // truncated
  const out = Buffer.from(src);
  const flips = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < flips; i++) {
    // Half the flips land where the looked-up DIEs live, so lookups meet them, not just the index scan.
    const at = Math.floor(rand() * (rand() < 0.5 ? Math.min(hotEnd, out.length) : out.length));
    out[at] = rand() < 0.5 ? out[at]! ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
  }
  return out;
}

function fuzz(opts: {
  seed: number; rounds: number; base: Partial<Record<DwarfSectionName, Buffer>>; targets: DwarfSectionName[];
  hotEnd: number; lookups: Array<(d: Dwarf) => unknown>;
}): Outcome {
  const rand = prng(opts.seed);
  const o: Outcome = { answers: 0, errors: {}, slowestMs: 0 };
  const settle = (fn: () => unknown): void => {
    try {
      fn();
      o.answers++;
    } catch (e) {
      assert.ok(e instanceof GotraceError, `not a GotraceError: ${e instanceof Error ? e.stack : String(e)}`);
      assert.ok(e.code === 'ERR_DWARF_MALFORMED' || e.code === 'ERR_DWARF_UNSUPPORTED', e.code);
      o.errors[e.code] = (o.errors[e.code] ?? 0) + 1;
    }
  };
  for (let i = 0; i < opts.rounds; i++) {
    const target = opts.targets[Math.floor(rand() * opts.targets.length)]!;
    const broken = mutate(rand, opts.base[target]!, opts.hotEnd);
    const t0 = performance.now();
    let d: Dwarf | undefined;
    settle(() => (d = Dwarf.fromSections((n) => (n === target ? broken : opts.base[n]), 'fuzz')));
    if (d) for (const look of opts.lookups) settle(() => look(d!));
    o.slowestMs = Math.max(o.slowestMs, performance.now() - t0);
  }
  return o;
}

const SECTIONS: DwarfSectionName[] = ['.debug_info', '.debug_abbrev', '.debug_str', '.debug_line_str', '.debug_str_offsets',
  '.debug_addr', '.debug_loc', '.debug_loclists', '.debug_ranges', '.debug_rnglists'];

describe('corrupted DWARF', () => {
  it('divide: flipped or cut .debug_info / .debug_abbrev / .debug_loc give answers or typed errors', (t) => {
    const path = requireBinary(fixture('divide'));
    const elf = ElfFile.parse(readFileSync(path), path);
    const base: Partial<Record<DwarfSectionName, Buffer>> = {};
    for (const n of SECTIONS) { const b = elf.sectionData(n); if (b) base[n] = b; }
    const o = fuzz({
      seed: 0x601d, rounds: 300, base, targets: ['.debug_info', '.debug_info', '.debug_abbrev', '.debug_loc'],
      hotEnd: 0x1800, // main's unit comes first; main.Divide is at 0x157c
      lookups: [(d) => d.function('main.Divide'), (d) => d.function('main.Mixed'), (d) => d.function('main.(*Point).Scale'),
        (d) => d.struct('main.Point'), (d) => d.struct('runtime.g'), (d) => d.typeSize('int')],
    });
    t.diagnostic(`divide: ${o.answers} answers, errors ${JSON.stringify(o.errors)}, slowest round ${o.slowestMs.toFixed(0)} ms`);
    assert.ok(o.slowestMs < 3000, `a round took ${o.slowestMs} ms`);
    assert.ok(o.answers > 0 && Object.keys(o.errors).length > 0, 'both outcomes happen');
  });

  it('hand-built DWARF 5: corrupted side tables and lists give answers or typed errors', (t) => {
    const base = buildDwarf5Sections() as Partial<Record<DwarfSectionName, Buffer>>;
    const o = fuzz({
      seed: 5, rounds: 600, base,
      targets: ['.debug_info', '.debug_abbrev', '.debug_str_offsets', '.debug_addr', '.debug_loclists', '.debug_rnglists', '.debug_loc', '.debug_str'],
      hotEnd: 1 << 20,
      lookups: [(d) => d.function('main.F'), (d) => d.function('main.G'), (d) => d.function('old.H'), (d) => d.struct('main.Alias'),
        (d) => d.struct('v2.S'), (d) => d.typeSize('tu.Int')],
    });
    t.diagnostic(`DWARF 5 fixture: ${o.answers} answers, errors ${JSON.stringify(o.errors)}, slowest round ${o.slowestMs.toFixed(0)} ms`);
    assert.ok(o.slowestMs < 1000, `a round took ${o.slowestMs} ms`);
    assert.ok(o.answers > 0 && Object.keys(o.errors).length > 0, 'both outcomes happen');
  });
});
