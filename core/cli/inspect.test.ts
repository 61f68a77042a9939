// `gotrace inspect` as a user runs it, checked against independent tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, allFixtures, allRealBinaries, fixture, realBinary, requireBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';

const CLI = join(ROOT, 'dist', 'core', 'cli', 'main.js');

function gotrace(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function inspectJson(args: string[]): any {
  const r = gotrace(['inspect', '--json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** `go version -m` → {go, path, mod, deps}. Go 1.19's tool reads binaries from Go 1.13 to 1.24. */
function goVersionM(path: string): { go: string; mod?: string[]; deps: string[][] } | undefined {
  const out = run('go', ['version', '-m', path], { allowFail: true });
  if (!out.trim()) return undefined;
  const lines = out.split('\n');
  const go = lines[0]!.split(': ')[1]!.trim();
  const deps: string[][] = [];
  let mod: string[] | undefined;
  for (const l of lines.slice(1)) {
    const f = l.trim().split('\t');
    if (f[0] === 'mod') mod = f.slice(1, 3);
    if (f[0] === 'dep') deps.push(f.slice(1, 3));
    if (f[0] === '=>') deps[deps.length - 1]!.push(...f.slice(1, 3));
  }
  return { go, mod, deps };
}

for (const b of [...allFixtures(), ...allRealBinaries()]) {
  test(`inspect --json summary of ${b.label} matches go version -m and readelf`, () => {
    const r = inspectJson([requireBinary(b)]);
    for (const k of ['path', 'arch', 'goVersion', 'abi', 'pie', 'hasSymtab', 'hasDwarf', 'mainModule', 'modules']) assert.ok(k in r, `missing key ${k}`);
    assert.equal(r.arch, 'amd64');
    const gv = goVersionM(b.path);
    if (gv) {
      assert.equal(r.goVersion, gv.go);
      assert.deepEqual(r.mainModule ? [r.mainModule.path, r.mainModule.version] : undefined, gv.mod);
      assert.deepEqual(r.modules.map((m: any) => [m.path, m.version, ...(m.replace ? [m.replace.path, m.replace.version] : [])]), gv.deps);
    } else {
      // Go 1.25+ esbuild has no .go.buildinfo; go version -m cannot read it (see pclntab/buildinfo tests for the oracle).
      assert.match(r.goVersion, new RegExp(`^go1\\.${b.goMinor}(\\.|$)`));
      assert.ok(r.modules.some((m: any) => m.path === 'golang.org/x/sys'), 'module list recovered');
    }
    assert.equal(r.abi, b.goMinor >= 17 ? 'register' : 'stack');
    const elfType = run('readelf', ['-hW', b.path]);
    assert.equal(r.pie, /Type:\s+DYN/.test(elfType));
    const sections = run('readelf', ['-SW', b.path]);
    assert.equal(r.hasSymtab, /\.symtab\s/.test(sections));
    assert.equal(r.hasDwarf, /\.z?debug_info\s/.test(sections));
  });
}

test('inspect --symbol gives address, file offset and return offsets that match go tool nm, readelf and llvm-objdump', () => {
  for (const b of [fixture('https'), fixture('https', '-pie'), fixture('https', '-stripped')]) {
    const names = ['crypto/tls.(*Conn).Write', 'crypto/tls.(*Conn).Read', 'internal/poll.(*FD).Read'];
    const r = inspectJson([requireBinary(b), ...names.flatMap((n) => ['--symbol', n]), '--symbol', 'no.such.Func']);
    assert.deepEqual(r.missing, ['no.such.Func']);
    const nmSource = b.stripped ? fixture('https').path : b.path;
    const nm = new Map(run('go', ['tool', 'nm', '-size', nmSource]).split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[2] === 'T').map((f) => [f.slice(3).join(' '), { addr: parseInt(f[0]!, 16), size: Number(f[1]) }]));
    const loads = run('readelf', ['-lW', b.path]).split('\n').filter((l) => /^\s*LOAD/.test(l)).map((l) => l.trim().split(/\s+/).map((x) => parseInt(x, 16)));
    for (const f of r.functions) {
      if (!b.stripped) {
        assert.equal(f.address, nm.get(f.name)!.addr, f.name);
        assert.equal(f.size, nm.get(f.name)!.size, f.name);
      }
      const seg = loads.find((p) => f.address >= p[2]! && f.address < p[2]! + p[4]!)!;
      assert.equal(f.fileOffset, seg[1]! + f.address - seg[2]!);
      const dis = run('llvm-objdump', ['-d', '--no-show-raw-insn', `--start-address=${f.address}`, `--stop-address=${f.address + f.size}`, b.path]);
      const rets = dis.split('\n').filter((l) => /^\s*[0-9a-f]+:\s+ret/.test(l)).map((l) => parseInt(l.trim().split(':')[0]!, 16));
      assert.ok(rets.length > 0);
      assert.deepEqual(f.returnOffsets, rets.map((a) => seg[1]! + a - seg[2]!), f.name);
      if (!b.stripped) assert.ok(f.params?.length >= 2, `${f.name} has DWARF params`);
    }
  }
});

test('inspect --struct lays out crypto/tls.Conn as llvm-dwarfdump does', () => {
  const r = inspectJson([requireBinary(fixture('https')), '--struct', 'crypto/tls.Conn']);
  const s = r.structs[0];
  const dump = run('llvm-dwarfdump', ['--name=crypto/tls.Conn', '--show-children', fixture('https').path]);
  const size = Number(/DW_AT_byte_size\s+\((0x[0-9a-f]+|\d+)\)/.exec(dump)![1]);
  assert.equal(s.size, size);
  const members = [...dump.matchAll(/DW_TAG_member\s+DW_AT_name\s+\("([^"]+)"\)[\s\S]*?DW_AT_data_member_location\s+\((0x[0-9a-f]+|\d+)\)/g)].map((m) => [m[1], Number(m[2])]);
  assert.deepEqual(s.fields.map((f: any) => [f.name, f.offset]), members);
});

test('inspect --functions --returns lists every pclntab function', () => {
  const r = inspectJson([requireBinary(fixture('divide')), '--functions', '--returns']);
  const nm = run('go', ['tool', 'nm', fixture('divide').path]).split('\n').filter((l) => / [Tt] /.test(l)).length;
  assert.equal(r.functions.length, r.functionCount);
  // pclntab holds every Go function; nm's text symbols add a few assembler-only labels, never fewer.
  assert.ok(r.functions.length <= nm && r.functions.length > nm * 0.98, `${r.functions.length} vs nm ${nm}`);
  assert.ok(r.functions.every((f: any) => typeof f.fileOffset === 'number' && Array.isArray(f.returnOffsets)));
});

test('inspect accepts a pid and reads /proc/PID/root + exe', async () => {
  const child = spawn(requireBinary(fixture('https')), ['-mode', 'server'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise((res) => child.stdout.once('data', res));
    const r = inspectJson([String(child.pid), '--symbol', 'crypto/tls.(*Conn).Write']);
    assert.equal(r.path, fixture('https').path);
    assert.equal(r.functions[0].name, 'crypto/tls.(*Conn).Write');
  } finally {
    child.kill();
  }
});

test('bad input gives one clear error line, no stack trace, non-zero exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gotrace-bad-'));
  try {
    const good = readFileSync(fixture('divide').path);
    const files: Record<string, Buffer> = {
      truncated: good.subarray(0, 100_000),
      'corrupt-header': Buffer.concat([good.subarray(0, 40), Buffer.alloc(24, 0xff), good.subarray(64)]),
      'not-elf': Buffer.from('hello, world\n'),
      'elf32': Buffer.concat([good.subarray(0, 4), Buffer.from([1]), good.subarray(5)]),
      'big-endian': Buffer.concat([good.subarray(0, 5), Buffer.from([2]), good.subarray(6)]),
    };
    const cases: [string, RegExp][] = Object.entries(files).map(([name, buf]) => {
      writeFileSync(join(dir, name), buf);
      return [join(dir, name), /./];
    });
    cases.push(['/bin/ls', /not a Go executable/], [join(dir, 'missing'), /no such file/]);
    for (const [path, re] of cases) {
      const r = gotrace(['inspect', path]);
      assert.notEqual(r.code, 0, path);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${path}: ${r.stderr}`);
      assert.ok(lines[0]!.includes(path), `${path}: error names the file: ${lines[0]}`);
      assert.match(lines[0]!, re);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    const verbose = gotrace(['inspect', '--verbose', join(dir, 'truncated')]);
    assert.match(verbose.stderr, /\n\s+at /, '--verbose shows the stack');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
