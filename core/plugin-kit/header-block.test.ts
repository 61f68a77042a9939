import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HDR_NAME, HDR_VALUE, readHeaderBlock } from './header-block';
import { packBlock, type RodataString } from './header-block-testing';

/** packBlock's block at offset `at` of a record. */
const block = (count: number, fields: [string | RodataString, string | RodataString, number?, number?][], at = 0): Buffer => Buffer.concat([Buffer.alloc(at), packBlock(fields, count)]);

test('packed fields come back with their real lengths, at any offset, aligned to 4', () => {
  const b = block(3, [[':method', 'GET'], ['x-a', 'é'], [':path', '/']], 24);
  const r = readHeaderBlock(b, 24);
  assert.equal(r.count, 3);
  assert.deepEqual(r.fields.map((f) => [f.name, f.value, f.nameLen, f.valueLen]), [
    [':method', 'GET', 7, 3], ['x-a', 'é', 3, 2], [':path', '/', 5, 1],
  ]);
});

test('cut names and values keep their real lengths; fields not kept still count', () => {
  const r = readHeaderBlock(block(40, [['n'.repeat(HDR_NAME), 'v'.repeat(HDR_VALUE), 100, 9000]]), 0);
  assert.equal(r.count, 40);
  assert.equal(r.fields[0]!.name.length, HDR_NAME);
  assert.equal(r.fields[0]!.valueLen, 9000);
});

test('a record shorter than its block says ends the fields where it ends', () => {
  const b = block(2, [['a', 'b'], ['c', 'd']]);
  assert.equal(readHeaderBlock(b.subarray(0, b.length - 4), 0).fields.length, 1);
  assert.deepEqual(readHeaderBlock(Buffer.alloc(4), 0), { count: 0, fields: [] });
});

test('strings sent as .rodata references are read from the binary\'s bytes, cut like copied ones', () => {
  const bytes = Buffer.from(`..:status..200..content-type${'x'.repeat(300)}`, 'latin1');
  const ro = { lo: 0x400000n, hi: 0x400000n + BigInt(bytes.length), bytes };
  const b = block(3, [[{ at: 2, len: 7 }, { at: 11, len: 3 }], [{ at: 16, len: 12 }, 'text/plain'], ['x-long', { at: 28, len: 300 }]], 16);
  const r = readHeaderBlock(b, 16, ro);
  assert.deepEqual(r.fields.map((f) => [f.name, f.value, f.nameLen, f.valueLen]), [
    [':status', '200', 7, 3], ['content-type', 'text/plain', 12, 10], ['x-long', 'x'.repeat(HDR_VALUE), 6, 300],
  ]);
});

test('a reference past the end of .rodata, or with no .rodata known, ends the fields there', () => {
  const bytes = Buffer.from('abc', 'latin1');
  const ro = { lo: 0n, hi: 3n, bytes };
  assert.deepEqual(readHeaderBlock(block(2, [['a', 'b'], [{ at: 2, len: 5 }, 'v']]), 0, ro).fields.map((f) => f.name), ['a']);
  assert.deepEqual(readHeaderBlock(block(1, [[{ at: 0, len: 3 }, 'v']]), 0).fields, []);
});
