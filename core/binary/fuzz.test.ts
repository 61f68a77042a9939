// Mutation fuzzing of the whole analysis on real Go binaries: every run must end
// in a result or a typed GotraceError, quickly. Never a hang, never a RangeError
// or TypeError escaping. Seeded, so a failure can be replayed with FUZZ_SEED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoBinary } from './go-binary';
import { ElfFile } from './elf';
import { GotraceError } from '../errors';
import { buildInspectReport } from '../cli/inspect-report';
import { fixture, realBinary, requireBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x9e3779b9);
const PER_RUN_BOUND_MS = 5000;

/** xorshift32: small, fast and reproducible. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
}

interface Region { name: string; start: number; end: number }

function regionsOf(buf: Buffer): Region[] {
  const elf = ElfFile.parse(buf);
  const r: Region[] = [{ name: 'elf header', start: 0, end: 64 }];
  const shoff = Number(buf.readBigUInt64LE(40)), shnum = buf.readUInt16LE(60);
  r.push({ name: 'section table', start: shoff, end: shoff + 64 * shnum });
  const phoff = Number(buf.readBigUInt64LE(32)), phnum = buf.readUInt16LE(56);
  r.push({ name: 'program headers', start: phoff, end: phoff + 56 * phnum });
  for (const name of ['.gopclntab', '.data.rel.ro.gopclntab', '.go.buildinfo', '.debug_info', '.debug_abbrev', '.debug_loc', '.symtab', '.strtab', '.noptrdata']) {
    const s = elf.section(name);
    if (s && s.size) r.push({ name, start: s.offset, end: s.offset + Math.min(s.size, 1 << 20) });
  }
  return r;
}

function mutate(src: Buffer, regions: Region[], rnd: () => number): { buf: Buffer; what: string } {
  const pick = (n: number): number => Math.floor(rnd() * n);
  if (rnd() < 0.05) {
    const len = pick(src.length);
    return { buf: src.subarray(0, len), what: `truncated to ${len}` };
  }
  const buf = Buffer.from(src);
  const reg = regions[pick(regions.length)]!;
  const edits: string[] = [];
  for (let k = 1 + pick(4); k > 0; k--) {
    const at = reg.start + pick(Math.max(1, reg.end - reg.start - 8));
    const op = pick(4);
    if (op === 0) buf[at] ^= 1 << pick(8);
    else if (op === 1) buf[at] = pick(256);
    else if (op === 2) buf.writeUInt32LE([0, 0xffffffff, 0x7fffffff, pick(0x100000000)][pick(4)]!, at);
    else buf.writeBigUInt64LE([0n, 0xffffffffffffffffn, BigInt(pick(0x100000000)) << 8n][pick(3)]!, at);
    edits.push(`${reg.name}@${at}:op${op}`);
  }
  return { buf, what: edits.join(' ') };
}

const SYMBOLS = ['main.Divide', 'main.Mixed', 'runtime.main', 'fmt.Println'];
const STRUCTS = ['runtime.g', 'main.Point'];

test(`fuzzing ${ITERATIONS} mutated binaries ends in results or typed errors (seed ${SEED})`, { timeout: 20 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gotrace-fuzz-'));
  try {
    // Uncompressed DWARF, so that mutations reach DWARF's own bytes rather than zlib's.
    const plain = join(dir, 'divide-plain-dwarf');
    run('objcopy', ['--decompress-debug-sections', requireBinary(fixture('divide')), plain]);
    const seeds = [plain, requireBinary(fixture('divide', '-stripped')), requireBinary(fixture('divide', '-pie')), requireBinary(realBinary(13))]
      .map((p) => ({ path: p, buf: readFileSync(p) }))
      .map((s) => ({ ...s, regions: regionsOf(s.buf) }));
    const rnd = prng(SEED);
    const outcomes = { ok: 0, typed: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const s = seeds[i % seeds.length]!;
      const { buf, what } = mutate(s.buf, s.regions, rnd);
      const t0 = performance.now();
      try {
        const bin = new GoBinary('fuzz', buf);
        buildInspectReport(bin, 'fuzz', { symbols: SYMBOLS, structs: STRUCTS, allFunctions: i % 10 === 0, returns: i % 20 === 0 });
        outcomes.ok++;
      } catch (e) {
        if (!(e instanceof GotraceError)) {
          assert.fail(`iteration ${i} (${s.path}, ${what}) threw a non-typed error: ${e instanceof Error ? e.stack : String(e)}`);
        }
        outcomes.typed++;
      }
      const ms = performance.now() - t0;
      assert.ok(ms < PER_RUN_BOUND_MS, `iteration ${i} (${s.path}, ${what}) took ${ms.toFixed(0)} ms`);
    }
    // Both outcomes must occur, or the mutations are not reaching the parsers.
    assert.ok(outcomes.ok > 0 && outcomes.typed > 0, JSON.stringify(outcomes));
    console.log(`fuzz outcomes: ${JSON.stringify(outcomes)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
