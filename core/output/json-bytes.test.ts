import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonBytes, jsonLineOf, jsonRaw, JsonRunCache, type OwnJsonBytes } from './json-bytes';

// The oracle is JSON.stringify: a record's hand-written line must equal it.

/** What one piece writes, as text. */
function piece(write: (w: JsonBytes) => void): string {
  return jsonLineOf({ writeJson: write });
}

let seed = 7;
const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };

test('number writes what JSON.stringify writes, small, large, negative, fractional and non-finite', () => {
  const xs = [0, -0, 1, -1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, 1e6, 1e6 + 1, 3_000_000_007, 1e15, 1e15 - 1, 1e16 - 1,
    2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, 1e21, -(2 ** 40), 0.5, -0.5, 1.25e-7, 123.456, NaN, Infinity, -Infinity];
  for (let i = 0; i < 20000; i++) xs.push(Math.floor(rand() * 2 ** 32), Math.floor(rand() * 2 ** (20 + (i % 34))), -Math.floor(rand() * 2 ** (i % 54)), rand() * 1e9);
  for (const x of xs) assert.equal(piece((w) => w.number(x)), JSON.stringify(x), String(x));
  assert.equal(piece((w) => w.number(null)), 'null');
});

test('epochMs writes what JSON.stringify writes for epoch ms with a µs fraction, and falls back outside its range', () => {
  const xs: number[] = [1e12, 2 ** 42 - 0.001, 2 ** 42, 4399019067729.738, 1795399910582.4558, 1_795_432_432_432.0004, 1_795_432_432_432, 1_795_432_432_432.1,
    1_795_432_432_432.01, 1_795_432_432_432.001, 1_795_432_432_432.999, 1_795_432_432_432.12, 1_795_432_432_432.05, 1_795_432_432_432.005, 1e12 - 0.5, 4.4e12, 5e12 + 0.123, 12.5, 0, -3, NaN];
  // As clock.ts makes them: whole µs over 1000, across the years the fast path covers.
  let us = 1_000_000_000_000_000;
  while (us < 4_500_000_000_000_000) { for (let i = 0; i < 50; i++) xs.push((us + i * 37) / 1000); us = Math.floor(us * 1.0007) + 1; }
  for (const x of xs) assert.equal(piece((w) => w.epochMs(x)), JSON.stringify(x), String(x));
  assert.equal(piece((w) => w.epochMs(null)), 'null');
});

test('string, bool and object write what JSON.stringify writes, past the string cache\'s bound and for frozen objects seen again', () => {
  const awkward = ['', 'plain', 'say "hi"', 'back\\slash', 'tab\tnew\nline\u0000\u001f', '\u007f\u0080é中', '\ud83d\ude00', 'lone \ud800 high', 'lone \udfff low', '</script>'];
  for (let i = 0; i < 5000; i++) {
    const s = `${awkward[i % awkward.length]}${i % 3 ? '' : i}`; // some repeat, some do not: the cache fills and starts over
    assert.equal(piece((w) => w.string(s)), JSON.stringify(s));
  }
  assert.equal(piece((w) => w.string(null)), 'null');
  assert.equal(piece((w) => { w.bool(true); w.bool(false); w.bool(null); }), 'truefalsenull');
  const frozen = Object.freeze({ ':path': '/a.B/C', 'x-é': 'v"\n' });
  const open: Record<string, string> = { a: '1' };
  for (let i = 0; i < 3; i++) {
    assert.equal(piece((w) => w.object(frozen)), JSON.stringify(frozen));
    open[`k${i}`] = String(i); // not frozen: written as it is now, never from a cache
    assert.equal(piece((w) => w.object(open)), JSON.stringify(open));
  }
});

test('a piece that does not fit sets overflow and writes nothing past the end; jsonLineOf grows for a long line', () => {
  const w = new JsonBytes(Buffer.alloc(16, 0x78), 0, 10);
  w.raw(jsonRaw('{"a":'));
  w.number(123456789);
  assert.equal(w.overflow, true);
  assert.equal(w.buf.toString('latin1', 5), 'xxxxxxxxxxx', 'nothing written after the piece that did not fit');
  const long: OwnJsonBytes = { writeJson: (x) => { x.raw(jsonRaw('[')); for (let i = 0; i < 20000; i++) { x.number(i * 1e9); x.raw(jsonRaw(',')); } x.string('end'); x.raw(jsonRaw(']')); } };
  const text = jsonLineOf(long);
  assert.ok(text.length > 1 << 16);
  assert.deepEqual(JSON.parse(text).at(-1), 'end');
});

test('JsonRunCache finds a run by the identity of every key value, and keeps the last `ways` combinations', () => {
  const c = new JsonRunCache(2, 2);
  const a = Object.freeze({ x: 1 }), b = Object.freeze({ x: 1 }); // equal, not the same object
  const put = (k0: unknown, k1: unknown, text: string): void => { c.key[0] = k0; c.key[1] = k1; const buf = Buffer.from(`..${text}..`); c.remember(buf, 2, 2 + text.length); };
  const get = (k0: unknown, k1: unknown): string | undefined => { c.key[0] = k0; c.key[1] = k1; return c.find()?.toString(); };
  assert.equal(get(a, 's'), undefined);
  put(a, 's', 'one');
  assert.equal(get(a, 's'), 'one');
  assert.equal(get(b, 's'), undefined, 'an equal object is not the same key');
  assert.equal(get(a, 't'), undefined, 'every value counts');
  put(b, 's', 'two');
  assert.deepEqual([get(a, 's'), get(b, 's')], ['one', 'two']);
  put(a, null, 'three'); // two ways: replaces the oldest, (a, 's')
  assert.deepEqual([get(a, 's'), get(b, 's'), get(a, null)], [undefined, 'two', 'three']);
  assert.equal(get(NaN, null), undefined);
});
