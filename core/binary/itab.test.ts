// Itab addresses in stripped binaries, from moduledata.itablinks, against
// independent oracles:
//  - fixtures: the stripped twin's answer equals `go tool nm` of the unstripped
//    build (after checking -s -w moved no allocated section);
//  - esbuild Go 1.13/1.14 (with .symtab): every go.itab symbol, found again
//    through the runtime tables alone;
//  - stripped esbuild Go 1.15–1.26: every itab's fun[i] is, per the pclntab,
//    the concrete type's method named like interface method i (or the
//    linker's runtime.unreachableMethod), and the net.Conn itabs exist exactly
//    when their types' methods do;
//  - corrupted copies answer {why} or a typed error, never another address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { GoBinary } from './go-binary';
import { findItab } from './itab';
import { findItabInRuntime, runtimeItabs, type DecodedItab } from './itab-runtime';
import { readItabTables } from './itab-moduledata';
import { GotraceError } from '../errors';
import { fixture, realBinary, requireBinary, REAL_GO_MINORS } from '../../test/support/binaries';

const CONN_PAIRS = [['*net.TCPConn', 'net.Conn'], ['*crypto/tls.Conn', 'net.Conn']] as const;

function load(path: string): GoBinary {
  return new GoBinary(path, readFileSync(path));
}

/** `go tool nm`: symbol name → address, read by Go's own tool rather than our ELF reader. */
function goNm(path: string): Map<string, number> {
  const out = execFileSync('go', ['tool', 'nm', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const m = new Map<string, number>();
  for (const line of out.split('\n')) {
    const f = /^\s*([0-9a-f]+) \S (.+)$/.exec(line);
    if (f) m.set(f[2]!, parseInt(f[1]!, 16));
  }
  return m;
}

/** A section's address and size, to compare two builds' layouts. */
function sectionPrint(b: GoBinary, name: string): string {
  const s = b.elf.section(name)!;
  return `${s.addr.toString(16)}+${s.size.toString(16)}`;
}

/** fun[0..n) of the itab at `addr`, read straight from the file. */
function funWords(b: GoBinary, addr: number, n: number): bigint[] {
  const raw = b.elf.readVirtual(addr + 24, 8 * n)!;
  return Array.from({ length: n }, (_, i) => raw.readBigUInt64LE(8 * i));
}

for (const name of ['https', 'http2', 'grpc']) {
  test(`itab: ${name}-stripped finds the itabs of the unstripped build through itablinks`, () => {
    const full = load(requireBinary(fixture(name))), stripped = load(requireBinary(fixture(name, '-stripped')));
    assert.equal(stripped.elf.hasSymtab, false);
    // -s -w leaves .text and the data sections where they were (the code bytes differ
    // only in references to .rodata, whose strings grow by the recorded -ldflags), so
    // the oracle also checks that both builds' itabs hold the same method addresses.
    for (const sec of ['.text', '.noptrdata', '.data']) assert.equal(sectionPrint(stripped, sec), sectionPrint(full, sec), sec);
    const nm = goNm(fixture(name).path);
    const pairs: (readonly [string, string])[] = [...CONN_PAIRS];
    // *bufio.Reader has a second one-method itab with the same reflect shape (compress/flate's Reader): the package name tells.
    if (name === 'grpc') pairs.push(['*google.golang.org/grpc/internal/credentials.syscallConn', 'net.Conn'], ['*bufio.Reader', 'io.Reader']);
    for (const [c, i] of pairs) {
      const want = nm.get(`go.itab.${c},${i}`);
      assert.ok(want, `go tool nm has no go.itab.${c},${i}`);
      assert.deepEqual(findItab(stripped, c, i), { symbol: 'itablinks', address: want }, `${c},${i}`);
      if (i === 'net.Conn') assert.deepEqual(funWords(stripped, want, 8), funWords(full, want, 8), `${c},${i} net.Conn's 8 methods`);
      assert.deepEqual(findItabInRuntime(full, c, i), { symbol: 'itablinks', address: want }, `${c},${i} forced fallback on the unstripped build`);
    }
  });

  test(`itab: ${name}-pie, forced through itablinks, agrees with its .symtab`, () => {
    const pie = load(requireBinary(fixture(name, '-pie')));
    for (const [c, i] of CONN_PAIRS) {
      const sym = findItab(pie, c, i);
      assert.ok('address' in sym && sym.symbol.endsWith(`itab.${c},${i}`), JSON.stringify(sym));
      assert.deepEqual(findItabInRuntime(pie, c, i), { symbol: 'itablinks', address: sym.address });
    }
  });
}

/** `*internal/reflectlite.rtype` → `*reflectlite.rtype`: reflect strings carry package names, not paths. */
function shortName(full: string): string {
  return full.replace(/(?:[\w.~-]+\/)+/g, '');
}

for (const minor of [13, 14] as const) {
  test(`itab: esbuild-go1.${minor} — every go.itab symbol is found again through itablinks alone`, () => {
    const b = load(requireBinary(realBinary(minor)));
    const syms = [...goNm(b.path)].filter(([n]) => n.startsWith('go.itab.'));
    const all = runtimeItabs(b);
    assert.ok(!('why' in all), JSON.stringify(all));
    assert.equal(all.undecodable, 0);
    assert.deepEqual(all.itabs.map((t) => t.address).sort(), syms.map(([, a]) => a).sort(), 'itablinks lists exactly the itab symbols');
    const byAddr = new Map(all.itabs.map((t) => [t.address, t]));
    let looked = 0;
    for (const [sym, addr] of syms) {
      const t = byAddr.get(addr)!;
      assert.equal(`${shortName(t.concrete)},${shortName(t.iface)}`, shortName(sym.slice('go.itab.'.length)), sym);
      const m = /^go\.itab\.(\*?[\w./-]+\.\w+),([\w./-]+\.\w+)$/.exec(sym);
      if (!m) continue;
      assert.deepEqual(findItabInRuntime(b, m[1]!, m[2]!), { symbol: 'itablinks', address: addr }, sym);
      looked++;
    }
    assert.ok(looked > 50, `only ${looked} itab symbols looked up`);
  });
}

/** The pclntab's view of one itab: how many fun[i] are the expected method, and which are not. */
function checkFuns(b: GoBinary, t: DecodedItab): { real: number; wrong: string[] } {
  const star = t.concrete.startsWith('*');
  const typeName = t.concrete.slice(t.concrete.indexOf('.') + 1);
  let real = 0;
  const wrong: string[] = [];
  t.funs.forEach((f, i) => {
    const fn = b.pclntab.functionAt(f);
    const name = fn && fn.entry === f ? fn.name : `0x${f.toString(16)}`;
    if (name === 'runtime.unreachableMethod') return;
    const want = star ? [`${t.pkgPath}.(*${typeName}).${t.methods[i]}`] : [];
    const ok = star ? want.includes(name) : name.endsWith(`.${typeName}.${t.methods[i]}`) || name.endsWith(`(*${typeName}).${t.methods[i]}`);
    if (ok) real++;
    else wrong.push(`${t.concrete},${t.iface} fun[${i}] ${t.methods[i]} -> ${name}`);
  });
  return { real, wrong };
}

for (const minor of REAL_GO_MINORS.filter((m) => m >= 15)) {
  test(`itab: esbuild-go1.${minor} (stripped) — every itab's methods are the pclntab's functions`, () => {
    const b = load(requireBinary(realBinary(minor)));
    assert.equal(b.elf.hasSymtab, false);
    const all = runtimeItabs(b);
    assert.ok(!('why' in all), JSON.stringify(all));
    assert.equal(all.undecodable, 0);
    assert.equal(all.itabs.length * 8, b.elf.section('.itablink')!.size);
    let real = 0;
    const wrong: string[] = [];
    for (const t of all.itabs) {
      // Generic instantiations are named `T[...]` in the pclntab; named pointer types carry their package path.
      // Only named types (`*pkg.T`, `pkg.T`): generic instantiations are `T[...]` in the pclntab.
      if (!/^\*?\w+\.\w+$/.test(t.concrete) || (t.concrete.startsWith('*') && !t.pkgPath)) continue;
      const r = checkFuns(b, t);
      real += r.real;
      wrong.push(...r.wrong);
    }
    assert.deepEqual(wrong, []);
    assert.ok(real > all.itabs.length / 2, `only ${real} methods confirmed`);

    for (const [c, fn] of [['*net.TCPConn', 'net.(*TCPConn).Read'], ['*crypto/tls.Conn', 'crypto/tls.(*Conn).Read']] as const) {
      const r = findItab(b, c, 'net.Conn');
      const hasMethod = b.pclntab.lookup(fn) !== undefined;
      assert.equal('address' in r, hasMethod, `${c} itab found ⇔ ${fn} exists: ${JSON.stringify(r)}`);
      if (!('address' in r)) continue;
      const t: DecodedItab = all.itabs.find((x) => x.address === r.address)!;
      assert.equal(t.methods[0], 'Close');
      const close = b.pclntab.lookup(fn.replace(/Read$/, 'Close'));
      assert.ok(close && (t.funs[0] === close.entry || b.pclntab.functionAt(t.funs[0]!)?.name === 'runtime.unreachableMethod'));
    }
  });
}

test('itab: esbuild-go1.15+ all have a *net.TCPConn net.Conn itab; 1.16+ a *crypto/tls.Conn one', () => {
  for (const minor of REAL_GO_MINORS.filter((m) => m >= 15)) {
    const b = load(requireBinary(realBinary(minor)));
    assert.ok('address' in findItab(b, '*net.TCPConn', 'net.Conn'), `go1.${minor}`);
    if (minor >= 16) assert.ok('address' in findItab(b, '*crypto/tls.Conn', 'net.Conn'), `go1.${minor}`);
  }
});

// ---- corrupted input: {why} or a typed error, never another address ----

const STRIPPED = fixture('https', '-stripped');

function mutated(f: (buf: Buffer, b: GoBinary) => void): GoBinary {
  const buf = Buffer.from(readFileSync(requireBinary(STRIPPED)));
  f(buf, new GoBinary(STRIPPED.path, buf));
  return new GoBinary(STRIPPED.path, buf);
}

function truth(): Map<string, number> {
  const b = load(requireBinary(STRIPPED));
  return new Map(CONN_PAIRS.map(([c, i]) => [c, (findItab(b, c, i) as { address: number }).address]));
}

function assertNoWrongAddress(b: GoBinary, right: Map<string, number>, label: string): void {
  for (const [c, i] of CONN_PAIRS) {
    let r;
    try {
      r = findItab(b, c, i);
    } catch (e) {
      assert.ok(e instanceof GotraceError, `${label}: untyped ${String(e)}`);
      continue;
    }
    if ('address' in r) assert.equal(r.address, right.get(c), `${label}: ${c} gave a different address`);
  }
}

function fileOff(b: GoBinary, vaddr: number): number {
  return b.elf.vaddrToFileOffset(vaddr);
}

test('itab: a zeroed .itablink gives {why}', () => {
  const b = mutated((buf, b0) => {
    const s = b0.elf.section('.itablink')!;
    buf.fill(0, s.offset, s.offset + s.size);
  });
  for (const [c, i] of CONN_PAIRS) assert.ok('why' in findItab(b, c, i));
});

test('itab: a moduledata itablinks length that disagrees with .itablink gives {why}', () => {
  const b = mutated((buf, b0) => {
    const t = readItabTables(b0.elf, b0.pclntab) as { moduledata: number };
    buf.writeBigUInt64LE(7n, fileOff(b0, t.moduledata + 8 * 46));
  });
  const r = findItab(b, '*net.TCPConn', 'net.Conn');
  assert.ok('why' in r && /itab table/.test(r.why), JSON.stringify(r));
});

test('itab: an itab whose fun[0] points at another function is refused', () => {
  const right = truth();
  const b = mutated((buf, b0) => {
    const close = b0.pclntab.lookup('net.(*UDPConn).Close')!;
    buf.writeBigUInt64LE(BigInt(close.entry), fileOff(b0, right.get('*net.TCPConn')! + 24));
  });
  assert.ok('why' in findItab(b, '*net.TCPConn', 'net.Conn'));
  assert.deepEqual(findItab(b, '*crypto/tls.Conn', 'net.Conn'), { symbol: 'itablinks', address: right.get('*crypto/tls.Conn') });
});

test('itab: an itab whose type is swapped for *net.UDPConn\'s is refused', () => {
  const right = truth();
  const b = mutated((buf, b0) => {
    const all = runtimeItabs(b0) as { itabs: readonly DecodedItab[] };
    const udp = all.itabs.find((t) => t.concrete === '*net.UDPConn' && t.iface === 'net.Conn')!;
    const udpType = buf.readBigUInt64LE(fileOff(b0, udp.address + 8));
    buf.writeBigUInt64LE(udpType, fileOff(b0, right.get('*net.TCPConn')! + 8));
  });
  assert.ok('why' in findItab(b, '*net.TCPConn', 'net.Conn'));
});

test('itab: random byte damage to itabs, itablinks and moduledata never yields a wrong address', () => {
  const right = truth();
  const clean = load(requireBinary(STRIPPED));
  const md = readItabTables(clean.elf, clean.pclntab) as { moduledata: number };
  const il = clean.elf.section('.itablink')!;
  const regions: [number, number][] = [
    [fileOff(clean, right.get('*net.TCPConn')!), 64], [fileOff(clean, right.get('*crypto/tls.Conn')!), 64],
    [il.offset, il.size], [fileOff(clean, md.moduledata), 8 * 50],
  ];
  let seed = 12345;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  for (let k = 0; k < 60; k++) {
    const [start, len] = regions[k % regions.length]!;
    const b = mutated((buf) => {
      for (let j = 0; j < 1 + rnd(4); j++) buf[start + rnd(len)] = rnd(256);
    });
    assertNoWrongAddress(b, right, `mutation ${k}`);
  }
});
