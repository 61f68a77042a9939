import { test } from 'node:test';
import assert from 'node:assert/strict';
import { streamKey, TwoLevelIndex } from './two-level-index';
import type { NumberTable } from './number-table';

test('entries are found by both keys; a pid and stream id make one exact inner key', () => {
  const ix = new TwoLevelIndex<string>();
  const conn = 0x7f3a_1234_5678;
  ix.add(conn, streamKey(4_194_303, 2 ** 31 - 1), 'max pid, max stream');
  ix.add(conn, streamKey(4_194_303, 2 ** 31 - 3), 'next stream');
  ix.add(conn + 8, streamKey(4_194_303, 2 ** 31 - 1), 'other conn');
  assert.equal(ix.get(conn, streamKey(4_194_303, 2 ** 31 - 1)), 'max pid, max stream');
  assert.equal(ix.get(conn, streamKey(4_194_302, 2 ** 31 - 1)), undefined);
  assert.equal(ix.get(conn + 8, streamKey(4_194_303, 2 ** 31 - 1)), 'other conn');
  assert.notEqual(streamKey(1, 0), streamKey(0, 2 ** 31 - 1));
});

test('remove takes out only the entry still filed there, and an outer key once empty, keeping its table as a spare', () => {
  const spares: NumberTable<{ id: number }>[] = [];
  const ix = new TwoLevelIndex<{ id: number }>(spares);
  const old = { id: 1 }, reused = { id: 2 };
  ix.add(10, 5, old);
  ix.add(10, 5, reused); // the conn's address reused: the new entry replaces the old one
  ix.remove(10, 5, old); // the old call ends later: the new entry stays
  assert.equal(ix.get(10, 5), reused);
  assert.equal(ix.size, 1);
  ix.remove(10, 5, reused);
  assert.equal(ix.get(10, 5), undefined);
  assert.equal(ix.size, 0);
  assert.equal(spares.length, 1);
  ix.add(11, 7, old); // the next outer key takes the spare, empty
  assert.equal(spares.length, 0);
  assert.equal(ix.get(11, 5), undefined);
  assert.equal(ix.get(11, 7), old);
});

test('at most 8 spare tables are kept', () => {
  const spares: NumberTable<number>[] = [];
  const ix = new TwoLevelIndex<number>(spares);
  for (let outer = 0; outer < 20; outer++) ix.add(outer, 1, outer);
  for (let outer = 0; outer < 20; outer++) ix.remove(outer, 1, outer);
  assert.equal(spares.length, 8);
  assert.equal(ix.size, 0);
});
