// The function table against oracles that do not share our code:
//   - `go tool nm -size` and `readelf -sW`: the linker's own .symtab, on every unstripped binary;
//   - Go's debug/gosym (Go 1.19's, built at test time), on every binary, stripped or not;
//   - the unstripped twin, for stripped fixtures (same build, same layout, `-s -w` only drops tables).
// Runtime tracebacks (the Go runtime's own view) are in pclntab-runtime.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfFile } from './elf';
import { readPclntab, type GoFunction } from './pclntab';
import { allFixtures, allRealBinaries, fixture, requireBinary, FIXTURE_NAMES, type TestBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';

const everything = [...allFixtures(), ...allRealBinaries()];
const load = (b: TestBinary) => readPclntab(ElfFile.parse(readFileSync(requireBinary(b)), b.path));

/**
 * .symtab names differ from pclntab names in three documented ways, so both
 * sides are compared after undoing them:
 *  - ABI0 functions that have an ABIInternal twin get ".abi0" in .symtab
 *    (https://github.com/golang/go/blob/go1.19/src/cmd/link/internal/ld/symtab.go#L849);
 *  - "·" becomes "." in .symtab for ASCII-only tools (same file, #L154);
 *  - the pclntab writes everything inside the outermost [] as "..."
 *    (https://github.com/golang/go/blob/go1.19/src/cmd/link/internal/ld/pcln.go#L285).
 */
function comparable(name: string): string {
  let n = name.replace(/\.abi0$/, '').replace(/·/g, '.');
  const i = n.indexOf('['), j = n.lastIndexOf(']');
  if (i >= 0 && j > i) n = n.slice(0, i) + '[...]' + n.slice(j + 1);
  return n;
}

interface Sym { readonly name: string; readonly addr: number; readonly size: number }

/** `go tool nm -size` text symbols (T/t), by address. */
function nmText(path: string): Map<number, Sym[]> {
  const out = new Map<number, Sym[]>();
  for (const line of run('go', ['tool', 'nm', '-size', path]).split('\n')) {
    const m = /^\s*([0-9a-f]+)\s+(\d+)\s+([Tt])\s+(.+)$/.exec(line);
    if (!m) continue;
    const s = { addr: parseInt(m[1]!, 16), size: Number(m[2]), name: m[4]! };
    out.set(s.addr, [...(out.get(s.addr) ?? []), s]);
  }
  return out;
}

/** readelf -sW FUNC symbols of .symtab, by address. */
function readelfFuncs(path: string): Map<number, Sym[]> {
  const out = new Map<number, Sym[]>();
  const listing = run('readelf', ['-sW', path]);
  for (const line of listing.slice(listing.indexOf("Symbol table '.symtab'")).split('\n')) {
    const m = /^\s*\d+:\s+([0-9a-f]{16})\s+(\d+|0x[0-9a-f]+)\s+FUNC\s+\w+\s+\w+\s+\S+\s+(.+)$/.exec(line);
    if (!m) continue;
    const s = { addr: parseInt(m[1]!, 16), size: Number(m[2]), name: m[3]! };
    out.set(s.addr, [...(out.get(s.addr) ?? []), s]);
  }
  return out;
}

// amd64 function alignment (https://github.com/golang/go/blob/go1.19/src/cmd/link/internal/amd64/l.go#L36).
const FUNC_ALIGN = 32;

for (const b of everything.filter((x) => !x.stripped)) {
  test(`pclntab of ${b.label}: every function's entry and size match go tool nm and readelf`, () => {
    const fns = load(b).functions();
    const nm = nmText(b.path), elf = readelfFuncs(b.path);
    const pclnEntries = new Set(fns.map((f) => f.entry));
    const starts = [...nm.keys()].sort((x, y) => x - y);
    let checked = 0;
    for (const f of fns) {
      const want = comparable(f.name);
      const s = nm.get(f.entry)?.find((x) => comparable(x.name) === want);
      assert.ok(s, `${f.name} at 0x${f.entry.toString(16)}: go tool nm has ${JSON.stringify(nm.get(f.entry)?.map((x) => x.name) ?? [])}`);
      assert.ok(elf.get(f.entry)?.some((x) => comparable(x.name) === want), `${f.name} at 0x${f.entry.toString(16)} is no readelf FUNC symbol`);
      // Our end is the next function's entry: the symbol's code plus alignment
      // padding, or more when a non-Go function (cgo's C code) sits in between.
      // Assembler symbols from gcc may have size 0 (crosscall_amd64); then the
      // section symbol at the same address, `runtime/cgo(.text)`, bounds it.
      const size = s.size > 0 ? s.size : Math.max(...nm.get(f.entry)!.map((x) => x.size));
      const gap = f.end - f.entry - size;
      assert.ok(gap >= 0, `${f.name}: pclntab size ${f.end - f.entry} < nm size ${size}`);
      if (gap >= FUNC_ALIGN) {
        const between = starts.find((a) => a >= f.entry + size && a < f.end && !pclnEntries.has(a));
        assert.ok(between !== undefined, `${f.name}: ${gap} bytes after its code with no other symbol there`);
      }
      checked++;
    }
    assert.equal(checked, fns.length);
    assert.ok(fns.length > 1000, `${fns.length} functions`);
  });
}

test('pclntab lookup() finds functions by full linker name, with the address .symtab gives', () => {
  const tab = load(fixture('https'));
  const nm = nmText(fixture('https').path);
  for (const name of ['crypto/tls.(*Conn).Write', 'crypto/tls.(*Conn).Read', 'net/http.(*Transport).RoundTrip', 'main.main', 'runtime.gopark']) {
    const f = tab.lookup(name);
    assert.ok(f, name);
    assert.ok(nm.get(f.entry)?.some((s) => s.name === name), `${name} at 0x${f.entry.toString(16)}`);
    assert.equal(tab.functionAt(f.entry), f);
    assert.equal(tab.functionAt(f.end - 1), f);
  }
  assert.equal(tab.lookup('crypto/tls.(*Conn).NoSuchMethod'), undefined);
  assert.deepEqual(tab.lookupAll('crypto/tls.(*Conn).NoSuchMethod'), []);
  // An ABIInternal function and its ABI0 wrapper share the pclntab name; .symtab tells them apart.
  const both = tab.lookupAll('runtime.osinit');
  assert.equal(both.length, 2);
  assert.equal(tab.lookup('runtime.osinit'), both[0]);
  assert.ok(nm.get(both[0]!.entry)?.some((s) => s.name === 'runtime.osinit'));
  assert.ok(nm.get(both[1]!.entry)?.some((s) => s.name === 'runtime.osinit.abi0'));
});

for (const name of FIXTURE_NAMES) {
  test(`pclntab of ${name}-stripped equals that of its unstripped twin (checked against nm above)`, () => {
    const strip = load(fixture(name, '-stripped')), full = load(fixture(name));
    assert.equal(strip.textStartSource, 'header'); // no .symtab, so the pcHeader's field
    assert.equal(strip.textStart, full.textStart);
    assert.deepEqual(strip.functions(), full.functions());
  });
}

// A helper built with the installed Go 1.19: debug/gosym's functions for each file.
const GOSYM_ORACLE = `package main

import (
	"bufio"
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"time"
)

func main() {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	f, err := elf.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	s := f.Section(".gopclntab")
	if s == nil {
		s = f.Section(".data.rel.ro.gopclntab")
	}
	data, err := s.Data()
	if err != nil {
		panic(err)
	}
	// Go 1.20's table (0xfffffff1) differs from 1.18's only in _func fields
	// after nameOff; Go 1.20's own debug/gosym reads both with one code path.
	// Go 1.19's predates the magic, so it is shown the 1.18 one.
	if binary.LittleEndian.Uint32(data) == 0xfffffff1 {
		data = append([]byte(nil), data...)
		binary.LittleEndian.PutUint32(data, 0xfffffff0)
	}
	var tab *gosym.Table
	var times []time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		tab, err = gosym.NewTable(nil, gosym.NewLineTable(data, f.Section(".text").Addr))
		times = append(times, time.Since(t0))
		if err != nil {
			panic(err)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Fprintf(w, "ms %.3f\\n", float64(times[2].Microseconds())/1000)
	for _, fn := range tab.Funcs {
		fmt.Fprintf(w, "%x %x %s\\n", fn.Entry, fn.End, fn.Name)
	}
}
`;

let oracleDir: string | undefined;
function gosym(path: string): { lines: string[]; ms: number } {
  if (!oracleDir) {
    oracleDir = mkdtempSync(join(tmpdir(), 'gotrace-gosym-'));
    writeFileSync(join(oracleDir, 'main.go'), GOSYM_ORACLE);
    run('go', ['build', '-o', join(oracleDir, 'gosym'), join(oracleDir, 'main.go')], { env: { ...process.env, GO111MODULE: 'off', CGO_ENABLED: '0' } });
  }
  const [first, ...lines] = run(join(oracleDir, 'gosym'), [path]).trimEnd().split('\n');
  return { lines, ms: Number(first!.split(' ')[1]) };
}
test.after(() => {
  if (oracleDir) rmSync(oracleDir, { recursive: true, force: true });
});

const line = (f: GoFunction): string => `${f.entry.toString(16)} ${f.end.toString(16)} ${f.name}`;

for (const b of everything) {
  test(`pclntab of ${b.label}: names, entries and ends equal Go's debug/gosym`, () => {
    const tab = load(b);
    const want = gosym(b.path).lines;
    // debug/gosym is given .text's address as the text start, as Go's tools do;
    // for these binaries it is runtime.text (the traceback test proves it for 1.26).
    assert.equal(tab.textStart, ElfFile.parse(readFileSync(b.path)).section('.text')!.addr);
    assert.equal(tab.functions().length, want.length);
    assert.deepEqual(tab.functions().map(line), want);
  });
}

test('functions() on the largest binary: timing against debug/gosym', () => {
  const b = fixture('grpc', '-pie');
  const elf = ElfFile.parse(readFileSync(b.path), b.path);
  const times: number[] = [];
  let n = 0;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    n = readPclntab(elf).functions().length; // a new table each time: nothing cached
    times.push(performance.now() - t0);
  }
  const first = times[0]!;
  const median = [...times].sort((x, y) => x - y)[3]!;
  const go = gosym(b.path).ms;
  console.log(`functions() on ${b.label} (${n} functions): first ${first.toFixed(2)} ms, median ${median.toFixed(2)} ms; debug/gosym median ${go.toFixed(2)} ms`);
  assert.ok(median < 50, `median ${median} ms`);
});
