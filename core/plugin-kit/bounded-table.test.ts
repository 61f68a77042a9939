import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedTable, type EvictReason } from './bounded-table';

test('evicts the oldest when full, and entries past their age', () => {
  const evicted: [string, EvictReason][] = [];
  const t = new BoundedTable<{ ts: bigint }>((v) => v.ts, (k, _v, _now, why) => evicted.push([k, why]), { max: 2, maxAgeNs: 100n });
  t.set('a', { ts: 0n }, 0n);
  t.set('b', { ts: 10n }, 10n);
  t.set('c', { ts: 20n }, 20n);
  assert.deepEqual(evicted, [['a', 'full']]);
  t.set('d', { ts: 115n }, 115n);
  assert.deepEqual(evicted, [['a', 'full'], ['b', 'full']]);
  t.set('e', { ts: 300n }, 300n);
  assert.deepEqual(evicted.slice(2), [['c', 'full'], ['d', 'expired']]);
  assert.deepEqual(t.entries().map(([k]) => k), ['e']);
});

test('ages are looked at once per sweep interval (an eighth of the age limit): an entry outlives its age by less than that', () => {
  const evicted: string[] = [];
  const t = new BoundedTable<{ ts: bigint }>((v) => v.ts, (k) => evicted.push(k), { max: 100, maxAgeNs: 800n });
  t.set('a', { ts: 0n }, 0n); // a sweep at 0: the next is due at 100
  t.set('b', { ts: 50n }, 50n);
  t.set('c', { ts: 801n }, 801n); // a is past its age: swept (801 >= 100)
  assert.deepEqual(evicted, ['a']);
  t.set('d', { ts: 860n }, 860n); // b is past its age, but no sweep is due before 901
  assert.deepEqual(evicted, ['a']);
  t.set('e', { ts: 901n }, 901n);
  assert.deepEqual(evicted, ['a', 'b']);
  for (let i = 0; i < 200; i++) t.set(`f${i}`, { ts: 902n }, 902n); // full: evicts at once, sweep or not
  assert.equal(t.size, 100);
});
