// Shipped tables validate; malformed or inconsistent ones fail with a message
// that names the path; every source names a SOURCES.md file or a layout rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GotraceError } from '../errors';
import { parseTableFile } from './table-schema';
import { SHIPPED_TABLES } from './tables';
import goStd from './tables/go-std.json';

const root = join(__dirname, '..', '..', '..');
const clone = (): Record<string, any> => JSON.parse(JSON.stringify(goStd));

function rejects(data: unknown, pattern: RegExp): void {
  assert.throws(() => parseTableFile(data, 't.json'), (e: unknown) => e instanceof GotraceError && pattern.test(e.message));
}

test('the shipped tables validate', () => {
  assert.deepEqual(SHIPPED_TABLES.map((t) => t.name), ['go-std', 'x-net-http2', 'grpc']);
  assert.ok(SHIPPED_TABLES.every((t) => Object.keys(t.fields).length > 10));
});

test('inconsistent or malformed tables fail with the path of the problem', () => {
  const overlap = clone(); overlap.fields['runtime.g.goid'][1].versions = '>=1.22.0 <1.25.0-0';
  rejects(overlap, /fields\.runtime\.g\.goid\.1\.versions: overlaps entry 0/);
  const badRange = clone(); badRange.fields['runtime.g.goid'][0].versions = 'since 1.13';
  rejects(badRange, /not a valid semver range/);
  const badSource = clone(); badSource.fields['runtime.g.goid'][0].source = 'OTELGO said so';
  rejects(badSource, /a source is a SOURCES\.md file/);
  const negative = clone(); negative.fields['net.conn.fd'][0].value = -8;
  rejects(negative, /net\.conn\.fd\.0\.value/);
  const extra = clone(); extra.fields['net.conn.fd'][0].offset = 0;
  rejects(extra, /Unrecognized key/i);
  const badField = clone(); badField.fields.goid = badField.fields['runtime.g.goid'];
  rejects(badField, /Type\.field/);
  rejects({ name: 'x', versionOf: 'rust', fields: {} }, /versionOf/);
});

test('fuzzed tables fail as GotraceError or parse, never crash', () => {
  let seed = 0x9e3779b9;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const junk = [null, -1, 1.5, 2 ** 31, '', '>=x', {}, [], 'derived:', true, '>=1.0.0 <0.1.0'];
  for (let i = 0; i < 300; i++) {
    const t = clone();
    const fields = Object.keys(t.fields);
    const entry = t.fields[fields[Math.floor(rnd() * fields.length)]!][0];
    const key = ['versions', 'value', 'source', 'alsoIn'][Math.floor(rnd() * 4)]!;
    entry[key] = junk[Math.floor(rnd() * junk.length)];
    try {
      parseTableFile(t, 'fuzz.json');
    } catch (e) {
      assert.ok(e instanceof GotraceError && e.message.includes('fuzz.json is invalid'), String(e));
    }
  }
});

test('every source names a file listed in SOURCES.md or says derived: <rule> or measured: <binary>', () => {
  // The attribution list copied into docs/offset-tables.md, and the shared original when present.
  const listed = (text: string): Set<string> => new Set([...text.matchAll(/\|\s*(raw\/[^\s|]+\.json)\s*\|/g)].map((m) => m[1]!));
  const docs = listed(readFileSync(join(root, 'docs', 'offset-tables.md'), 'utf8'));
  const shared = '/work/shared/data/go-offsets/SOURCES.md';
  const lists = existsSync(shared) ? [docs, listed(readFileSync(shared, 'utf8'))] : [docs];
  const bad: string[] = [];
  for (const t of SHIPPED_TABLES) {
    for (const [field, entries] of Object.entries(t.fields)) {
      for (const e of entries) {
        for (const s of [e.source, ...(e.alsoIn ?? [])]) {
          if (s.startsWith('derived: ') || s.startsWith('measured: ')) continue;
          if (!lists.every((l) => l.has(s))) bad.push(`${t.name} ${field}: ${s}`);
        }
      }
    }
    for (const r of t.resolved) if (!lists.every((l) => l.has(r.dropped))) bad.push(`${t.name} resolved ${r.field}: ${r.dropped}`);
  }
  assert.ok(docs.size >= 6, 'docs/offset-tables.md lists the source files');
  assert.deepEqual(bad, []);
});
