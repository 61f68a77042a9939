// The modinfo parser against Go's own runtime/debug.ParseBuildInfo (Go 1.19,
// built here) on tricky texts, and damaged .go.buildinfo blobs against typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfFile } from './elf';
import { parseModinfo, unquote } from './buildinfo-parse';
import { readBuildInfo } from './buildinfo';
import { readPclntab } from './pclntab';
import { GotraceError } from '../errors';
import { fixture, realBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';

const PARSE_ORACLE = `package main

import (
	"encoding/json"
	"os"
	"runtime/debug"
)

type mod struct {
	Path, Version, Sum string
	Replace          *mod \`json:",omitempty"\`
}

func conv(m *debug.Module) *mod {
	if m == nil {
		return nil
	}
	return &mod{m.Path, m.Version, m.Sum, conv(m.Replace)}
}

func main() {
	var in []string
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	var out []map[string]any
	for _, s := range in {
		bi, err := debug.ParseBuildInfo(s)
		if err != nil {
			out = append(out, map[string]any{"error": err.Error()})
			continue
		}
		deps := []*mod{}
		for _, d := range bi.Deps {
			deps = append(deps, conv(d))
		}
		settings := []map[string]string{}
		for _, s := range bi.Settings {
			settings = append(settings, map[string]string{"key": s.Key, "value": s.Value})
		}
		out = append(out, map[string]any{"path": bi.Path, "main": conv(&bi.Main), "deps": deps, "settings": settings})
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
`;

const CASES = [
  'path\tx\nmod\tm\tv1\th1:abc\ndep\ta\tv1.0.0\th1:x\n=>\tb\tv2.0.0\th1:y\ndep\tc\tv0.1.0\n=>\t../c\t\t\nbuild\t-compiler=gc\n',
  'path\tp\nbuild\t-ldflags="-s -w -X \\"main.v=a b\\""\nbuild\t"we ird"=`raw value`\nbuild\tk=\nbuild\tGOAMD64=v3\n',
  'build\tk="\\x41\\u00e9\\101\\t\\\\"\nbuild\t"\\u263a"=x\n',
  'unknown line\ngo\tgo1.22.0\npath\tq\ntrailing without newline',
  'dep\ta\tv1\textra\tcolumn\n',
  'dep\ta\n',
  '=>\ta\tv1\th1\n',
  'dep\ta\tv1\n=>\tb\tv2\n',
  'build\t=v\n',
  'build\tnoequals\n',
  'build\tk v=1\n',
  'build\tk=a b\n',
  'build\tk="unterminated\n',
  'build\tk="bad \\q escape"\n',
  'build\t"k"x=1\n',
  'build\t"k"\n',
  'build\t\n',
  'build\tk=`a`b`\n',
  'mod\tm\t(devel)\t\ndep\ta\tv1\t\n',
  'path\tσ/ünicode\nbuild\tk="\\U0001F600"\n',
  '',
];

let dir: string | undefined;
function goParse(inputs: string[]): Record<string, unknown>[] {
  dir ??= mkdtempSync(join(tmpdir(), 'gotrace-modinfo-'));
  const bin = join(dir, 'parse');
  if (!existsSync(bin)) {
    writeFileSync(join(dir, 'main.go'), PARSE_ORACLE);
    run('go', ['build', '-o', bin, join(dir, 'main.go')], { env: { ...process.env, GO111MODULE: 'off', CGO_ENABLED: '0' } });
  }
  return JSON.parse(execFileSync(bin, { input: JSON.stringify(inputs), encoding: 'utf8' })) as Record<string, unknown>[];
}
test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type M = { Path: string; Version: string; Sum: string; Replace?: M };
const asGo = (m: { path: string; version: string; sum?: string; replace?: unknown } | undefined): M =>
  m ? { Path: m.path, Version: m.version, Sum: m.sum ?? '', ...(m.replace ? { Replace: asGo(m.replace as never) } : {}) } : { Path: '', Version: '', Sum: '' };

test('parseModinfo agrees with runtime/debug.ParseBuildInfo, errors included', () => {
  const want = goParse(CASES);
  CASES.forEach((text, i) => {
    const w = want[i]!;
    let got: Record<string, unknown>;
    try {
      const p = parseModinfo(text);
      got = { path: p.path ?? '', main: asGo(p.main), deps: p.deps.map(asGo), settings: p.settings };
    } catch (e) {
      assert.ok(e instanceof GotraceError && e.code === 'ERR_BUILDINFO_MALFORMED', String(e));
      // Same failing line as Go's "could not parse Go build info: line N: …".
      assert.ok(typeof w.error === 'string', `case ${i}: we failed (${e.message}), Go parsed it`);
      assert.equal(/line (\d+)/.exec(e.message)?.[1], /line (\d+)/.exec(w.error)?.[1], `case ${i}`);
      return;
    }
    assert.equal(w.error, undefined, `case ${i}: Go failed (${String(w.error)}), we parsed it`);
    assert.deepEqual(got, w, `case ${i}: ${JSON.stringify(text)}`);
  });
});

test('unquote follows strconv.Unquote', () => {
  assert.equal(unquote('"a\\tb"'), 'a\tb');
  assert.equal(unquote('`a\\tb`'), 'a\\tb');
  assert.equal(unquote('"\\xe2\\x98\\xba"'), '☺');
  assert.equal(unquote('"\\377"'), '\ufffd'); // a lone 0xff byte is not UTF-8
  for (const bad of ['"', '"a', 'a"', '"\\"', '"\\400"', '"\\ud800"', '"\\x4"', "'a'", '"\n"']) assert.equal(unquote(bad), undefined, bad);
});

/** A copy of a file with .go.buildinfo bytes edited. */
function blobEdited(path: string, edit: (blob: Buffer) => void): ElfFile {
  const buf = Buffer.from(readFileSync(path));
  const elf = ElfFile.parse(buf, path);
  edit(elf.rawData(elf.section('.go.buildinfo')!));
  return ElfFile.parse(buf, path);
}

function expectCode(f: () => unknown, code: string, what: string): void {
  const t0 = performance.now();
  assert.throws(f, (e: unknown) => e instanceof GotraceError && e.code === code && e.message.length > 20 && e.file !== undefined, what);
  assert.ok(performance.now() - t0 < 1000, what);
}

test('damaged .go.buildinfo blobs are ERR_BUILDINFO_MALFORMED', () => {
  const inline = fixture('divide').path, pointers = realBinary(16).path;
  expectCode(() => readBuildInfo(blobEdited(inline, (b) => b.fill(0xff, 32, 42))), 'ERR_BUILDINFO_MALFORMED', 'varint over 64 bits');
  expectCode(() => readBuildInfo(blobEdited(inline, (b) => b.set([0xff, 0xff, 0x7f], 32))), 'ERR_BUILDINFO_MALFORMED', 'version runs past the blob');
  expectCode(() => readBuildInfo(blobEdited(inline, (b) => { b[32] = 0x7f; })), 'ERR_BUILDINFO_MALFORMED', 'version is not text');
  expectCode(() => readBuildInfo(blobEdited(inline, (b) => { b[32] = 0; })), 'ERR_BUILDINFO_MALFORMED', 'empty version');
  expectCode(() => readBuildInfo(blobEdited(inline, (b) => b.write('X', 2))), 'ERR_BUILDINFO_MALFORMED', 'bad magic');
  expectCode(() => readBuildInfo(blobEdited(pointers, (b) => b.writeBigUInt64LE(0x7fff00000000n, 16))), 'ERR_BUILDINFO_MALFORMED', 'unmapped version header');
  expectCode(() => readBuildInfo(blobEdited(pointers, (b) => { b[14] = 4; })), 'ERR_BUILDINFO_MALFORMED', '32-bit pointers');
  // Version "go1.19.8" is 1 + 8 bytes at 32, so the modinfo length starts at 41.
  expectCode(() => readBuildInfo(blobEdited(inline, (b) => b.set([0xff, 0xff, 0xff, 0x7f], 41))), 'ERR_BUILDINFO_MALFORMED', 'modinfo runs past');
});

test('no Go version anywhere: ERR_NOT_GO without a pclntab, ERR_BUILDINFO_MALFORMED with one', () => {
  if (existsSync('/bin/true')) expectCode(() => readBuildInfo(ElfFile.parse(readFileSync('/bin/true'), '/bin/true')), 'ERR_NOT_GO', '/bin/true');
  const b = realBinary(26);
  const buf = Buffer.from(readFileSync(b.path));
  for (let at = buf.indexOf('go1.26.5'); at >= 0; at = buf.indexOf('go1.26.5', at + 1)) buf.write('xx', at);
  const elf = ElfFile.parse(buf, b.label);
  expectCode(() => readBuildInfo(elf, readPclntab(elf)), 'ERR_BUILDINFO_MALFORMED', 'with pclntab');
  expectCode(() => readBuildInfo(elf), 'ERR_NOT_GO', 'without pclntab');
});
