// The text start, checked against the Go runtime itself: a running esbuild
// prints its goroutines on SIGQUIT, and with GOTRACEBACK=system every frame
// carries `+0xOFF` (pc − function entry) and `pc=0x…`, so entry = pc − OFF is
// the runtime's own answer. Go 1.26 binaries have no text start in the
// pcHeader; stripped, ours comes from moduledata, and the runtime must agree.
// Also: the table and moduledata are still found when sections and symbols are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ElfFile } from './elf';
import { readPclntab } from './pclntab';
import { GotraceError } from '../errors';
import { allRealBinaries, fixture, realBinary, requireBinary } from '../../test/support/binaries';

interface Frame { readonly name: string; readonly pc: number; readonly off: number }

/** Runs esbuild waiting on stdin, sends SIGQUIT, returns the goroutine dump. */
function goroutineDump(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(path, [], { env: { ...process.env, GOTRACEBACK: 'system' }, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const quit = setTimeout(() => p.kill('SIGQUIT'), 400);
    const hard = setTimeout(() => p.kill('SIGKILL'), 15_000);
    p.on('error', reject);
    p.on('close', () => {
      clearTimeout(quit);
      clearTimeout(hard);
      resolve(err);
    });
  });
}

/**
 * Frames "name(args)\n\tfile:line +0xOFF fp=… sp=… pc=0x…". Inlined frames
 * print neither offset nor pc and are skipped; "+0x0" is omitted by the
 * runtime when pc is the entry (runtime/traceback.go, printFuncName…).
 */
function parseFrames(dump: string): Frame[] {
  const lines = dump.split('\n');
  const out: Frame[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const call = /^(\S.*)\(([^()]*)\)$/.exec(lines[i]!);
    const loc = /^\t\S.*:\d+(?: \+0x([0-9a-f]+))?(?: fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x([0-9a-f]+))?$/.exec(lines[i + 1]!);
    if (!call || !loc || !loc[2]) continue;
    out.push({ name: call[1]!, pc: parseInt(loc[2], 16), off: loc[1] ? parseInt(loc[1], 16) : 0 });
  }
  return out;
}

// esbuild before 0.6 (Go 1.13, 1.14) exits at once without arguments; those have .symtab anyway.
for (const b of allRealBinaries().filter((x) => x.goMinor >= 15)) {
  test(`pclntab of ${b.label}: every frame of a live goroutine dump has the entry and name the runtime prints`, async () => {
    const tab = readPclntab(ElfFile.parse(readFileSync(requireBinary(b)), b.path));
    if (b.goMinor >= 26) assert.equal(tab.textStartSource, 'moduledata');
    const frames = parseFrames(await goroutineDump(b.path));
    assert.ok(frames.length >= 10, `only ${frames.length} frames in the dump`);
    for (const fr of frames) {
      const entry = fr.pc - fr.off;
      const f = tab.functionAt(entry);
      assert.ok(f, `${fr.name}: no function at 0x${entry.toString(16)}`);
      assert.equal(f.entry, entry, `${fr.name}: runtime entry 0x${entry.toString(16)}, ours 0x${f.entry.toString(16)}`);
      assert.equal(f.name, fr.name);
      assert.ok(fr.pc <= f.end, `${fr.name}: pc 0x${fr.pc.toString(16)} is past our end 0x${f.end.toString(16)}`);
    }
  });
}

test('Go 1.26 writes 0 as pcHeader.textStart; 1.18–1.25 wrote the address', () => {
  for (const b of allRealBinaries().filter((x) => x.goMinor >= 19)) {
    const elf = ElfFile.parse(readFileSync(b.path), b.path);
    const raw = elf.rawData(elf.section('.gopclntab')!);
    const field = Number(raw.readBigUInt64LE(8 + 2 * 8)); // magic+pads, nfunc, nfiles, textStart
    assert.equal(field, b.goMinor >= 26 ? 0 : 0x401000, b.label);
  }
});

/** A copy of the file with a section renamed (same length) or its type set to SHT_NULL. */
function patched(path: string, edits: { section: string; rename?: string; nullType?: boolean }[]): Buffer {
  const buf = Buffer.from(readFileSync(path));
  const elf = ElfFile.parse(buf);
  const shoff = Number(buf.readBigUInt64LE(40));
  const strtab = elf.sections[buf.readUInt16LE(62)]!;
  for (const e of edits) {
    const s = elf.section(e.section);
    assert.ok(s, e.section);
    const hdr = shoff + 64 * s.index;
    if (e.rename) {
      assert.equal(e.rename.length, e.section.length);
      buf.write(e.rename, strtab.offset + buf.readUInt32LE(hdr), 'latin1');
    }
    if (e.nullType) buf.writeUInt32LE(0, hdr + 4);
  }
  return buf;
}

test('without its section the table is found by runtime.pclntab, and without symbols by a header scan', () => {
  const b = fixture('divide', '-pie');
  const want = readPclntab(ElfFile.parse(readFileSync(b.path), b.path)).functions();
  const bySym = readPclntab(ElfFile.parse(patched(b.path, [{ section: '.data.rel.ro.gopclntab', rename: '.data.rel.ro.gopclntaX' }])));
  assert.equal(bySym.locatedBy, 'symbol');
  assert.deepEqual(bySym.functions(), want);
  const stripped = patched(b.path, [{ section: '.data.rel.ro.gopclntab', rename: '.data.rel.ro.gopclntaX' }, { section: '.symtab', nullType: true }]);
  const byScan = readPclntab(ElfFile.parse(stripped));
  assert.equal(byScan.locatedBy, 'scan');
  assert.equal(byScan.textStartSource, 'header');
  assert.deepEqual(byScan.functions(), want);
});

test('Go 1.26 without .go.module: moduledata is found by its pointer to the table', () => {
  const b = realBinary(26);
  const want = readPclntab(ElfFile.parse(readFileSync(b.path), b.path));
  const tab = readPclntab(ElfFile.parse(patched(b.path, [{ section: '.go.module', rename: '.go.modulX' }])));
  assert.equal(tab.textStartSource, 'moduledata');
  assert.equal(tab.textStart, want.textStart);
  assert.deepEqual(tab.functions(), want.functions());
});

test('Go 1.26 with no way to find the text start is a typed error, not a guess', () => {
  const b = realBinary(26);
  const buf = patched(b.path, [{ section: '.go.module', rename: '.go.modulX' }]);
  const elf = ElfFile.parse(buf);
  const md = elf.section('.go.modulX')!;
  buf.fill(0, md.offset, md.offset + 8); // moduledata.pcHeader: no longer points at the table
  assert.throws(() => readPclntab(ElfFile.parse(buf)), (e: unknown) =>
    e instanceof GotraceError && e.code === 'ERR_PCLNTAB_MALFORMED' && /text start/.test(e.message));
});

test('before Go 1.18 the text start comes from moduledata too, and is where .text begins', () => {
  for (const minor of [15, 16, 17] as const) {
    const b = realBinary(minor);
    const elf = ElfFile.parse(readFileSync(b.path), b.path);
    const tab = readPclntab(elf);
    assert.equal(tab.textStartSource, 'moduledata', b.label);
    assert.equal(tab.textStart, elf.section('.text')!.addr, b.label);
  }
  for (const minor of [13, 14] as const) {
    const tab = readPclntab(ElfFile.parse(readFileSync(realBinary(minor).path)));
    assert.equal(tab.textStartSource, 'symbol');
  }
});
