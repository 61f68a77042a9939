import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HDR_NAME, HDR_VALUE, readHeaderBlock } from './header-block';
import { packBlock } from './header-block-testing';

/** packBlock's block at offset `at` of a record. */
const block = (count: number, fields: [string, string, number?, number?][], at = 0): Buffer => Buffer.concat([Buffer.alloc(at), packBlock(fields, count)]);

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
