import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { allFixtures, allRealBinaries, requireBinary } from '../../test/support/binaries';
import { addonPath } from '../bpf/paths';
import { GoVerdictCache, hasGoBuildIdNote, sniffGoElf } from './go-elf-sniff';

const tmp = fs.mkdtempSync(join(tmpdir(), 'gotrace-sniff-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

for (const b of [...allFixtures(), ...allRealBinaries()]) {
  test(`${b.label} is Go, by a Go section name`, () => {
    const s = sniffGoElf(requireBinary(b));
    assert.equal(s.isGo, true, s.why);
    assert.match(s.why, /^section \.(data\.rel\.ro\.)?gopclntab|^section \.go\.buildinfo/);
  });
}

test('C executables, shared objects and non-ELF files are not Go', () => {
  const text = join(tmp, 'script.sh');
  fs.writeFileSync(text, '#!/bin/sh\necho hi\n');
  const empty = join(tmp, 'empty');
  fs.writeFileSync(empty, '');
  for (const path of ['/bin/sleep', '/bin/sh', process.execPath, addonPath(), text, empty]) {
    const s = sniffGoElf(path);
    assert.equal(s.isGo, false, `${path}: ${s.why}`);
  }
  assert.equal(sniffGoElf(text).why, 'not ELF');
  assert.match(sniffGoElf(join(tmp, 'missing')).why, /cannot open: ENOENT/);
});

test('a Go binary cut after its headers is not Go and does not throw', () => {
  const cut = join(tmp, 'cut');
  fs.writeFileSync(cut, fs.readFileSync(requireBinary(allFixtures()[0]!)).subarray(0, 500));
  const s = sniffGoElf(cut);
  assert.equal(s.isGo, false);
  assert.match(s.why, /past end of file/);
});

test('without section headers, the Go build id note still says Go (and /bin/sleep stays not Go)', () => {
  for (const [src, isGo] of [[requireBinary(allFixtures()[0]!), true], ['/bin/sleep', false]] as const) {
    const copy = join(tmp, `noshdr-${isGo}`);
    const buf = fs.readFileSync(src);
    buf.writeBigUInt64LE(0n, 0x28); // e_shoff
    buf.writeUInt16LE(0, 0x3c); // e_shnum
    buf.writeUInt16LE(0, 0x3e); // e_shstrndx
    fs.writeFileSync(copy, buf);
    const s = sniffGoElf(copy);
    assert.equal(s.isGo, isGo, s.why);
    if (isGo) assert.equal(s.why, 'Go build id note');
  }
});

test('hasGoBuildIdNote walks notes with padding and needs owner "Go" with type 4', () => {
  const note = (owner: string, type: number, desc: number): Buffer => {
    const name = Buffer.from(owner + '\0');
    const h = Buffer.alloc(12);
    h.writeUInt32LE(name.length, 0);
    h.writeUInt32LE(desc, 4);
    h.writeUInt32LE(type, 8);
    const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
    return Buffer.concat([h, pad(name), pad(Buffer.alloc(desc, 0x41))]);
  };
  assert.ok(hasGoBuildIdNote(Buffer.concat([note('GNU', 3, 20), note('Go', 4, 83)])));
  assert.ok(!hasGoBuildIdNote(Buffer.concat([note('GNU', 3, 20), note('Go', 1, 7)])));
  assert.ok(!hasGoBuildIdNote(note('Gox', 4, 8)));
  assert.ok(!hasGoBuildIdNote(Buffer.alloc(5)));
});

test('deciding reads a few KiB, not the whole file', () => {
  const fsMutable = fs as { readSync: typeof fs.readSync };
  const original = fsMutable.readSync;
  let bytes = 0;
  fsMutable.readSync = ((...args: Parameters<typeof fs.readSync>) => {
    const n = (original as (...a: unknown[]) => number)(...args);
    bytes += n;
    return n;
  }) as typeof fs.readSync;
  try {
    for (const path of [requireBinary(allFixtures()[1]!), '/bin/sleep']) {
      bytes = 0;
      sniffGoElf(path);
      const size = fs.statSync(path).size;
      assert.ok(bytes > 0 && bytes < 16 << 10, `${path}: read ${bytes} of ${size} bytes`);
    }
  } finally {
    fsMutable.readSync = original;
  }
});

test('the verdict cache keys on (dev, ino, size, mtime): a rewritten file is classified again', () => {
  const copy = join(tmp, 'cached');
  fs.copyFileSync('/bin/sleep', copy);
  const cache = new GoVerdictCache();
  const first = cache.classify(copy);
  assert.equal(first.isGo, false);
  assert.equal(first.ino, fs.statSync(copy).ino);
  cache.classify(copy);
  assert.deepEqual([cache.misses, cache.hits], [1, 1]);
  // Same inode, new contents and mtime: a fresh verdict.
  fs.writeFileSync(copy, fs.readFileSync(requireBinary(allFixtures()[0]!)));
  fs.utimesSync(copy, new Date(), new Date(Date.now() + 5000));
  assert.equal(cache.classify(copy).isGo, true);
  assert.deepEqual([cache.misses, cache.hits], [2, 1]);
});

test('the verdict cache is bounded', () => {
  const cache = new GoVerdictCache(2);
  for (const p of ['/bin/sleep', '/bin/sh', process.execPath]) cache.classify(p);
  assert.equal(cache.size, 2);
});
