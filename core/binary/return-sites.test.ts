// Return sites against llvm-objdump, an independent x86 decoder, on the Go 1.19
// fixtures and on real esbuild binaries from Go 1.13 to 1.26. Function bounds
// come from `go tool nm -size` where there is a .symtab, from the unstripped
// twin for stripped fixtures (only where both disassemble to the same
// instruction addresses), and from Go's own debug/gosym for stripped esbuild.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ElfFile } from './elf';
import { findReturnSites, retOffsets } from './return-sites';
import { GotraceError } from '../errors';
import { FIXTURE_NAMES, allRealBinaries, fixture, realBinary, requireBinary, type TestBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';

interface Func { readonly name: string; readonly entry: number; readonly end: number }
interface Disasm { readonly insns: number[]; readonly rets: number[]; readonly unknown: boolean }

/** What the later plugins hook. */
const HOOKED = /^(crypto\/tls\.\(\*Conn\)\.(Read|Write)|internal\/poll\.\(\*FD\)\.(Read|Write)|.*\.processHeaders|.*\(\*loopyWriter\)\.writeHeader)$/;
/** The fixtures' own functions (main.Divide, main.Mixed, main.Recurse, …) too; esbuild's main has hundreds. */
const FIXTURE_HOOKED = /^main\./;

function nmFunctions(path: string): Func[] {
  const out: Func[] = [];
  for (const line of run('go', ['tool', 'nm', '-size', '-sort', 'address', path]).split('\n')) {
    const m = /^\s*([0-9a-f]+)\s+(\d+)\s+([Tt])\s+(.+)$/.exec(line);
    if (m && m[2] !== '0') out.push({ name: m[4]!, entry: parseInt(m[1]!, 16), end: parseInt(m[1]!, 16) + Number(m[2]) });
  }
  return out;
}

// Go 1.19's debug/gosym reads the function table of stripped binaries. Go 1.20+
// changed the pclntab magic to 0xfffffff1 but kept the header and the _func
// fields read here (entryOff, nameOff) where Go 1.18 had them
// (https://github.com/golang/go/blob/go1.20/src/runtime/symtab.go), so the
// helper presents those tables under the Go 1.18 magic.
const GOSYM_HELPER = `package main
import ("debug/elf"; "debug/gosym"; "encoding/binary"; "fmt"; "os")
func main() {
	for _, path := range os.Args[1:] {
		f, err := elf.Open(path); if err != nil { panic(err) }
		data, err := f.Section(".gopclntab").Data(); if err != nil { panic(err) }
		if binary.LittleEndian.Uint32(data) == 0xfffffff1 { binary.LittleEndian.PutUint32(data, 0xfffffff0) }
		t, err := gosym.NewTable(nil, gosym.NewLineTable(data, f.Section(".text").Addr)); if err != nil { panic(err) }
		fmt.Println("file", path)
		for _, fn := range t.Funcs { fmt.Printf("%x %x %s\\n", fn.Entry, fn.End, fn.Name) }
	}
}
`;

let gosymCache: Map<string, Func[]> | undefined;
function gosymFunctions(path: string): Func[] {
  if (!gosymCache) {
    gosymCache = new Map();
    const dir = mkdtempSync(join(tmpdir(), 'gotrace-gosym-'));
    try {
      writeFileSync(join(dir, 'main.go'), GOSYM_HELPER);
      const paths = allRealBinaries().filter((b) => b.stripped).map((b) => b.path);
      const out = run('go', ['run', join(dir, 'main.go'), ...paths], { env: { ...process.env, GO111MODULE: 'off', GOFLAGS: '' } });
      let cur: Func[] = [];
      for (const line of out.split('\n')) {
        if (line.startsWith('file ')) gosymCache.set(line.slice(5), (cur = []));
        const m = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/.exec(line);
        if (m) cur.push({ name: m[3]!, entry: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16) });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return gosymCache.get(path) ?? [];
}

/** Parses llvm-objdump -d (Intel syntax, no raw bytes) into blocks keyed by address. */
function parseObjdump(text: string, into: (insn: number, mnemonic: string) => void): void {
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+(\S+)/.exec(line);
    if (m) into(parseInt(m[1]!, 16), m[2]!);
  }
}

function objdumpRange(path: string, f: Func): Disasm {
  const insns: number[] = [], rets: number[] = [];
  let unknown = false;
  const args = ['-d', '--no-show-raw-insn', '-M', 'intel', `--start-address=0x${f.entry.toString(16)}`, `--stop-address=0x${f.end.toString(16)}`, path];
  parseObjdump(run('llvm-objdump', args), (a, mn) => {
    if (a < f.entry || a >= f.end) return;
    insns.push(a);
    if (mn === 'ret') rets.push(a);
    if (mn === '<unknown>') unknown = true;
  });
  return { insns, rets, unknown };
}

/** One llvm-objdump run for many symbols (it finds them in .symtab itself). */
function objdumpSymbols(path: string, funcs: readonly Func[]): Map<string, Disasm> {
  const byAddr = new Map(funcs.map((f) => [f.entry, f]));
  const out = new Map<string, { insns: number[]; rets: number[]; unknown: boolean }>();
  let cur: Func | undefined;
  const text = run('llvm-objdump', ['-d', '--no-show-raw-insn', '-M', 'intel', `--disassemble-symbols=${funcs.map((f) => f.name).join(',')}`, path]);
  for (const line of text.split('\n')) {
    const h = /^([0-9a-f]+) <(.+)>:$/.exec(line);
    if (h) {
      cur = byAddr.get(parseInt(h[1]!, 16));
      if (cur && !out.has(cur.name)) out.set(cur.name, { insns: [], rets: [], unknown: false });
      continue;
    }
    const m = /^\s*([0-9a-f]+):\s+(\S+)/.exec(line);
    if (!m || !cur) continue;
    const a = parseInt(m[1]!, 16), d = out.get(cur.name)!;
    if (a >= cur.end) continue; // objdump runs on through the INT3 padding to the next symbol
    d.insns.push(a);
    if (m[2] === 'ret') d.rets.push(a);
    if (m[2] === '<unknown>') d.unknown = true;
  }
  return out;
}

/** PT_LOAD rows of readelf -lW, for the file-offset oracle. */
function loadSegments(path: string): { offset: number; vaddr: number; filesz: number }[] {
  return run('readelf', ['-lW', path]).split('\n').filter((l) => /^\s*LOAD\s/.test(l)).map((l) => {
    const f = l.trim().split(/\s+/);
    return { offset: parseInt(f[1]!, 16), vaddr: parseInt(f[2]!, 16), filesz: parseInt(f[4]!, 16) };
  });
}

/** The hooked functions present, plus `n` spread evenly over the table (names objdump can take). */
function pick(funcs: readonly Func[], n: number, hooked = HOOKED): Func[] {
  const usable = funcs.filter((f) => !/[, ]/.test(f.name));
  const step = Math.max(1, Math.floor(usable.length / n));
  const chosen = new Map<string, Func>();
  for (const f of usable) if (HOOKED.test(f.name) || hooked.test(f.name)) chosen.set(f.name, f);
  for (let i = 0; i < usable.length; i += step) chosen.set(usable[i]!.name, usable[i]!);
  return [...chosen.values()];
}

/** Compares one function; where objdump saw undecodable bytes, findReturnSites must refuse. */
function check(elf: ElfFile, segs: ReturnType<typeof loadSegments>, f: Func, want: Disasm): number {
  if (want.unknown) {
    assert.throws(() => findReturnSites(elf, f.entry, f.end, f.name), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_DECODE', f.name);
    return 0;
  }
  const got = findReturnSites(elf, f.entry, f.end, f.name);
  assert.deepEqual(got.map((s) => s.address), want.rets, `${f.name}: RET addresses`);
  for (const s of got) {
    const p = segs.find((q) => s.address >= q.vaddr && s.address < q.vaddr + q.filesz)!;
    assert.equal(s.fileOffset, s.address - p.vaddr + p.offset, `${f.name}: file offset of 0x${s.address.toString(16)}`);
  }
  return got.length;
}

function symbolBinaryTest(b: TestBinary): void {
  test(`RET sites of ${b.label} match llvm-objdump`, (t) => {
    const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
    const funcs = pick(nmFunctions(b.path), 40, b.label.startsWith('esbuild') ? HOOKED : FIXTURE_HOOKED);
    const dis = objdumpSymbols(b.path, funcs);
    const segs = loadSegments(b.path);
    let rets = 0;
    for (const f of funcs) {
      // objdump skips a symbol sharing its address with another (runtime.text) or not STT_FUNC (cgo's).
      const want = dis.get(f.name) ?? objdumpRange(b.path, f);
      rets += check(elf, segs, f, want);
    }
    assert.ok(funcs.some((f) => HOOKED.test(f.name)) || b.label.startsWith('esbuild'), 'no hooked function found');
    t.diagnostic(`${funcs.length} functions, ${rets} RETs`);
  });
}

for (const name of FIXTURE_NAMES) for (const v of ['', '-pie', '-trimpath'] as const) symbolBinaryTest(fixture(name, v));
for (const b of allRealBinaries().filter((x) => !x.stripped)) symbolBinaryTest(b);

for (const name of FIXTURE_NAMES) {
  const b = fixture(name, '-stripped'), twin = fixture(name);
  test(`RET sites of ${b.label} match llvm-objdump (bounds from the unstripped twin)`, (t) => {
    const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
    const segs = loadSegments(b.path);
    const funcs = nmFunctions(requireBinary(twin));
    const chosen = pick(funcs, 8, FIXTURE_HOOKED);
    const twinDis = objdumpSymbols(twin.path, chosen);
    let compared = 0, rets = 0;
    for (const f of chosen) {
      const want = objdumpRange(b.path, f);
      // Same instruction addresses in both files: the twin's bounds apply here.
      if (want.insns.join() !== twinDis.get(f.name)?.insns.join()) continue;
      rets += check(elf, segs, f, want);
      compared++;
    }
    assert.ok(compared >= chosen.length - 2, `only ${compared} of ${chosen.length} functions have the twin's layout`);
    t.diagnostic(`${compared} functions, ${rets} RETs`);
  });
}

for (const b of allRealBinaries().filter((x) => x.stripped)) {
  test(`RET sites of ${b.label} match llvm-objdump (bounds from debug/gosym)`, (t) => {
    const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
    const segs = loadSegments(b.path);
    const funcs = gosymFunctions(b.path);
    assert.ok(funcs.some((f) => f.name === 'main.main') && funcs.some((f) => f.name === 'runtime.main'), 'debug/gosym read no sensible table');
    const chosen = pick(funcs, 10);
    let rets = 0;
    for (const f of chosen) rets += check(elf, segs, f, objdumpRange(b.path, f));
    t.diagnostic(`${chosen.length} functions, ${rets} RETs`);
  });
}

test('a 0xC3 byte inside an immediate is not a RET', () => {
  // mov eax, 0xc3c3c3c3 ; ret ; ret 8 ; lea rax, [rip-0x3d] (disp32 ends in C3 FF FF FF)
  const code = Uint8Array.from([0xb8, 0xc3, 0xc3, 0xc3, 0xc3, 0xc3, 0xc2, 0x08, 0x00, 0x48, 0x8d, 0x05, 0xc3, 0xff, 0xff, 0xff]);
  assert.deepEqual(retOffsets(code), [5, 6]);
});

test('iced-x86 WASM objects are freed: memory does not grow over many decodes', () => {
  const code = new Uint8Array(4096).fill(0x90); // nops
  code[4095] = 0xc3;
  retOffsets(code);
  const wasm = (require('iced-x86') as { __wasm: { memory: { buffer: ArrayBuffer } } }).__wasm;
  const before = wasm.memory.buffer.byteLength;
  for (let i = 0; i < 5000; i++) retOffsets(code);
  assert.throws(() => retOffsets(Uint8Array.from([0x06])));
  assert.equal(wasm.memory.buffer.byteLength, before);
});

test('an invalid instruction is ERR_DECODE naming the function, never a guessed site', () => {
  // ret ; 0x06 (push es) is invalid in 64-bit mode ; ret
  assert.throws(() => retOffsets(Uint8Array.from([0xc3, 0x06, 0xc3]), 'main.f at 0x1000'),
    (e: unknown) => e instanceof GotraceError && e.code === 'ERR_DECODE' && /main\.f at 0x1000.*offset \+0x1/.test(e.message));
  // An instruction cut by the end of the function.
  assert.throws(() => retOffsets(Uint8Array.from([0xc3, 0xb8, 0x01])), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_DECODE' && /past the function end/.test(e.message));
});

// sig_amd64.s jumps over a byte marker (https://github.com/golang/go/blob/go1.19/src/crypto/internal/boring/sig/sig_amd64.s):
// a linear sweep cannot stay in sync there, so both decoders must see trouble and we refuse.
for (const [b, funcs] of [[fixture('https'), () => nmFunctions(fixture('https').path)], [realBinary(26), () => gosymFunctions(realBinary(26).path)]] as const) {
  test(`data inside an assembly function of ${b.label} is ERR_DECODE, as llvm-objdump loses sync too`, () => {
    const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
    const f = funcs().find((x) => x.name.startsWith('crypto/internal/boring/sig.StandardCrypto'));
    assert.ok(f, 'no crypto/internal/boring/sig.StandardCrypto');
    assert.equal(objdumpRange(b.path, f).unknown, true);
    assert.throws(() => findReturnSites(elf, f.entry, f.end, f.name), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_DECODE' && e.message.includes(f.name));
  });
}

test('bad bounds and unmapped ranges are typed errors', () => {
  const b = fixture('divide');
  const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
  const f = nmFunctions(b.path).find((x) => x.name === 'main.Divide')!;
  assert.throws(() => findReturnSites(elf, f.entry, f.entry), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_DECODE');
  assert.throws(() => findReturnSites(elf, 0x10, 0x20), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_ADDRESS_NOT_MAPPED');
});

test('RET sites of 50 grpc functions take milliseconds', (t) => {
  const b = fixture('grpc');
  const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
  const funcs = pick(nmFunctions(b.path), 50).slice(0, 50);
  findReturnSites(elf, funcs[0]!.entry, funcs[0]!.end); // iced's WASM loads once per process
  const t0 = performance.now();
  let n = 0;
  for (const f of funcs) n += findReturnSites(elf, f.entry, f.end).length;
  const ms = performance.now() - t0;
  t.diagnostic(`${funcs.length} functions, ${n} RETs in ${ms.toFixed(2)} ms`);
  assert.ok(ms < 500, `${ms} ms`);
});
