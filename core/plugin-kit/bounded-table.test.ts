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
