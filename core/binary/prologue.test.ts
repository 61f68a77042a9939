import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ElfFile } from './elf';
import { findEntrySite } from './prologue';
import { readPclntab } from './pclntab';
import { fixture, realBinary, requireBinary, type TestBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';

/** The oracle: llvm-objdump's first instructions; the site is after `jbe` when a `cmp …16(%g)` precedes it. */
function objdumpSite(path: string, entry: number, size: number): { site: number; checked: boolean } {
  const lines = run('llvm-objdump', ['-d', '--no-show-raw-insn', `--start-address=${entry}`, `--stop-address=${entry + Math.min(size, 64)}`, path])
    .split('\n').map((l) => /^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ addr: parseInt(m[1]!, 16), op: m[2]!, args: m[3]! }));
  let cmp = false;
  for (let i = 0; i < Math.min(4, lines.length - 1); i++) {
    const l = lines[i]!;
    if (l.op.startsWith('cmp') && /(^|[^0-9])16\(%r(14|cx)\)/.test(l.args)) cmp = true;
    else if (cmp && (l.op === 'jbe' || l.op === 'jb')) return { site: lines[i + 1]!.addr, checked: true };
  }
  return { site: entry, checked: false };
}

/** Function bounds: `go tool nm` where the binary has symbols; else the pclntab (checked against the runtime in pclntab tests). */
function nmFunctions(path: string): Map<string, { addr: number; size: number }> {
  const elf = ElfFile.parse(readFileSync(path), path);
  if (!elf.hasSymtab) return new Map(readPclntab(elf).functions().map((f) => [f.name, { addr: f.entry, size: f.end - f.entry }]));
  return new Map(run('go', ['tool', 'nm', '-size', path]).split('\n').map((l) => l.trim().split(/\s+/))
    .filter((f) => f[2] === 'T').map((f) => [f.slice(3).join(' '), { addr: parseInt(f[0]!, 16), size: Number(f[1]) }]));
}

const cases: [TestBinary, string[]][] = [
  [fixture('divide'), ['main.Divide', 'main.Mixed', 'main.Recurse', 'main.(*Point).Scale', 'main.main']],
  [fixture('divide', '-pie'), ['main.Recurse', 'main.main']],
  [fixture('https'), ['crypto/tls.(*Conn).Write', 'crypto/tls.(*Conn).Read', 'internal/poll.(*FD).Read', 'internal/poll.(*FD).Write', 'net/http.(*conn).serve']],
  [realBinary(13), ['crypto/tls.(*Conn).Write', 'main.main', 'runtime.mallocgc']],
  [realBinary(16), ['crypto/tls.(*Conn).Write', 'internal/poll.(*FD).Read', 'runtime.mallocgc']],
  [realBinary(17), ['crypto/tls.(*Conn).Write', 'internal/poll.(*FD).Read', 'runtime.mallocgc']],
];

for (const [b, names] of cases) {
  test(`entry sites of ${b.label} sit after the stack check as llvm-objdump shows it`, () => {
    const elf = ElfFile.parse(readFileSync(requireBinary(b)), b.path);
    const nm = nmFunctions(b.path);
    let checked = 0;
    for (const name of names) {
      const f = nm.get(name);
      if (!f) continue;
      const want = objdumpSite(b.path, f.addr, f.size);
      const got = findEntrySite(elf, f.addr, f.addr + f.size, name);
      assert.equal(got.address, want.site, name);
      assert.equal(got.afterStackCheck, want.checked, name);
      if (got.afterStackCheck) checked++;
    }
    assert.ok(checked > 0, 'at least one function has a stack check');
  });
}
