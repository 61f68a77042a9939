// Build info against `go version -m` (Go 1.19's cmd/go, over debug/buildinfo)
// on every binary it can read, against `strings` where it cannot (esbuild's
// Go 1.25/1.26 builds have no .go.buildinfo), and on a module-mode binary
// built here with a replaced dependency and quoted flags, also after its
// .go.buildinfo is hidden, so each fallback is checked against the same oracle.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfFile } from './elf';
import { readBuildInfo, type BuildInfo } from './buildinfo';
import { readPclntab } from './pclntab';
import { parseGoVersion } from './go-version';
import { allFixtures, allRealBinaries, realBinary, requireBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';

interface Oracle {
  goVersion: string;
  lines: string[]; // every line after the first, tab-stripped, blank ones dropped
}

/** `go version -m FILE`, or undefined when Go 1.19 cannot read the file. */
function goVersionM(path: string): Oracle | undefined {
  const out = run('go', ['version', '-m', path], { allowFail: true });
  const [first, ...rest] = out.split('\n');
  const m = /^.*: (.+)$/.exec(first ?? '');
  if (!m) return undefined;
  return { goVersion: m[1]!, lines: rest.map((l) => l.replace(/^\t/, '')).filter((l) => l.trim() !== '') };
}

/** Go's strconv.Quote for the printable-ASCII strings these binaries hold. */
function goQuote(s: string): string {
  assert.match(s, /^[\x20-\x7e]*$/, 'only printable ASCII is compared through JSON quoting');
  return JSON.stringify(s);
}

/**
 * Our BuildInfo printed the way runtime/debug.BuildInfo.String() prints it
 * (https://github.com/golang/go/blob/go1.19/src/runtime/debug/mod.go#L76),
 * which is what `go version -m` shows; quoting rules from the same file.
 */
function asGoPrints(bi: BuildInfo): string[] {
  const out: string[] = [];
  if (bi.path !== undefined) out.push(`path\t${bi.path}`);
  const mod = (word: string, m: { path: string; version: string; sum?: string; replace?: unknown }): void => {
    const r = m.replace as { path: string; version: string; sum?: string } | undefined;
    out.push(`${word}\t${m.path}\t${m.version}${r ? '' : `\t${m.sum ?? ''}`}`);
    if (r) mod('=>', r);
  };
  if (bi.mainModule) mod('mod', bi.mainModule);
  for (const d of bi.modules) mod('dep', d);
  for (const { key, value } of bi.settings) {
    const k = key === '' || /[= \t\r\n"`]/.test(key) ? goQuote(key) : key;
    const v = /[ \t\r\n"`]/.test(value) ? goQuote(value) : value;
    out.push(`build\t${k}=${v}`);
  }
  // go version -m prints each line with its trailing tabs; compare without them.
  return out.map((l) => l.replace(/\t+$/, ''));
}

function read(path: string | Buffer): BuildInfo {
  const elf = typeof path === 'string' ? ElfFile.parse(readFileSync(path), path) : ElfFile.parse(path);
  return readBuildInfo(elf, readPclntab(elf));
}

function assertMatchesOracle(bi: BuildInfo, want: Oracle, label: string): void {
  assert.equal(bi.goVersion, want.goVersion, label);
  assert.deepEqual(asGoPrints(bi), want.lines.map((l) => l.replace(/\t+$/, '')), label);
}

for (const b of [...allFixtures(), ...allRealBinaries()].filter((x) => x.goMinor < 25)) {
  test(`build info of ${b.label} equals go version -m`, () => {
    const want = goVersionM(requireBinary(b));
    assert.ok(want, `go version -m cannot read ${b.label}`);
    const bi = read(b.path);
    assertMatchesOracle(bi, want, b.label);
    assert.equal(bi.source, 'buildinfo');
    assert.equal(parseGoVersion(bi.goVersion)?.minor, b.goMinor);
  });
}

// go version -m (Go 1.19) says "not a Go executable" for these. Oracle: `strings -a`.
// The runtime.buildVersion bytes are a string of their own in the file; exactly
// one printable run is a complete go1.<minor>[.patch] for the minor the npm
// alias names, while "go1.26" also occurs inside longer runs (a file name).
for (const minor of [25, 26] as const) {
  const b = realBinary(minor);
  test(`build info of ${b.label} (no .go.buildinfo) agrees with strings -a`, () => {
    assert.equal(goVersionM(requireBinary(b)), undefined, 'go version -m was expected to fail here');
    const runs = run('strings', ['-a', b.path]).split('\n');
    const versions = runs.filter((s) => new RegExp(`^go1\\.${minor}(\\.\\d+)?$`).test(s));
    assert.equal(versions.length, 1, JSON.stringify(versions));
    const bi = read(b.path);
    assert.equal(bi.goVersion, versions[0]);
    assert.equal(bi.source, 'rodata-scan');
    assert.equal(bi.modulesSource, 'modinfo-scan');
    assert.equal(bi.path, 'github.com/evanw/esbuild/cmd/esbuild');
    assert.equal(bi.mainModule?.path, 'github.com/evanw/esbuild');
    const sys = bi.modules.find((m) => m.path === 'golang.org/x/sys');
    assert.ok(sys, 'golang.org/x/sys is a dependency of esbuild');
    // Every module line and build line we parsed is a line of the blob as strings prints it.
    const printed = new Set(runs.map((s) => s.replace(/\t+$/, '')));
    for (const line of asGoPrints(bi).filter((l) => /^(dep|mod|build)\t/.test(l))) {
      assert.ok(printed.has(line) || runs.some((s) => s.endsWith(line)), `${JSON.stringify(line)} is not in strings -a`);
    }
    assert.ok(bi.settings.some((s) => s.key === '-trimpath' && s.value === 'true'));
  });
}

// A module-mode program: a replaced dependency, build flags with spaces.
let work: string | undefined;
function built(): { full: string; stripped: string } {
  if (!work) {
    work = mkdtempSync(join(tmpdir(), 'gotrace-buildinfo-'));
    const w = (p: string, s: string): void => {
      mkdirSync(join(work!, p, '..'), { recursive: true });
      writeFileSync(join(work!, p), s);
    };
    w('dep/go.mod', 'module example.com/dep\n\ngo 1.19\n');
    w('dep/dep.go', 'package dep\n\nfunc Hello() string { return "hi" }\n');
    w('app/go.mod', 'module example.com/app\n\ngo 1.19\n\nrequire example.com/dep v1.2.3\n\nreplace example.com/dep v1.2.3 => ../dep\n');
    w('app/main.go', 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/dep"\n)\n\nvar x string\n\nfunc main() { fmt.Println(dep.Hello(), x) }\n');
    const env = { ...process.env, GO111MODULE: 'on', GOPROXY: 'off', GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' };
    const go = (out: string, flags: string[]): void => {
      execFileSync('go', ['build', ...flags, '-tags', 'one two', '-o', join(work!, out), '.'], { cwd: join(work!, 'app'), env, stdio: 'pipe' });
    };
    go('full', ['-trimpath', '-ldflags=-X main.x=1']);
    // Without -trimpath, cmd/go records -ldflags, here a value that needs quotes and escapes.
    go('stripped', ['-ldflags=-s -w -X "main.x=a b"']);
  }
  return { full: join(work, 'full'), stripped: join(work, 'stripped') };
}
test.after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The file with .go.buildinfo renamed and its magic broken, as if the linker had not written it. */
function withoutBuildinfo(path: string): Buffer {
  const buf = Buffer.from(readFileSync(path));
  const elf = ElfFile.parse(buf);
  const s = elf.section('.go.buildinfo')!;
  const nameAt = elf.sections[buf.readUInt16LE(62)]!.offset + buf.readUInt32LE(Number(buf.readBigUInt64LE(40)) + 64 * s.index);
  buf.write('X', nameAt + 1, 'latin1');
  buf.write('X', s.offset + 1, 'latin1');
  return buf;
}

test('a module-mode build: deps, replacements and quoted settings equal go version -m', () => {
  const { full, stripped } = built();
  for (const p of [full, stripped]) {
    const want = goVersionM(p)!;
    const bi = read(p);
    assertMatchesOracle(bi, want, p);
    assert.deepEqual(bi.modules, [{ path: 'example.com/dep', version: 'v1.2.3', replace: { path: '../dep', version: '(devel)' } }]);
  }
});

test('without .go.buildinfo: runtime.buildVersion and runtime.modinfo symbols give the same facts', () => {
  const { full } = built();
  const bi = read(withoutBuildinfo(full));
  assert.equal(bi.source, 'runtime.buildVersion');
  assert.equal(bi.modulesSource, 'runtime.modinfo');
  assertMatchesOracle(bi, goVersionM(full)!, 'full');
});

test('without .go.buildinfo and .symtab: the scans give the same facts', () => {
  const { stripped } = built();
  const bi = read(withoutBuildinfo(stripped));
  assert.equal(bi.source, 'rodata-scan');
  assert.equal(bi.modulesSource, 'modinfo-scan');
  assertMatchesOracle(bi, goVersionM(stripped)!, 'stripped');
  assert.ok(bi.settings.some((s) => s.key === '-ldflags' && s.value === '-s -w -X "main.x=a b"'));
});
