import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedList, type EvictReason } from './bounded-list';

test('evicts the oldest when full, and entries past their age', () => {
  const evicted: [string, EvictReason][] = [];
  const t = new BoundedList<{ name: string; ts: bigint }>((v) => v.ts, (v, _now, why) => evicted.push([v.name, why]), { max: 2, maxAgeNs: 100n });
  t.add({ name: 'a', ts: 0n }, 0n);
  t.add({ name: 'b', ts: 10n }, 10n);
  t.add({ name: 'c', ts: 20n }, 20n);
  assert.deepEqual(evicted, [['a', 'full']]);
  t.add({ name: 'd', ts: 115n }, 115n);
  assert.deepEqual(evicted, [['a', 'full'], ['b', 'full']]);
  t.add({ name: 'e', ts: 300n }, 300n);
  assert.deepEqual(evicted.slice(2), [['c', 'full'], ['d', 'expired']]);
  assert.deepEqual(t.nodes().map((n) => n.value.name), ['e']);
});

test('ages are looked at once per sweep interval (an eighth of the age limit): an entry outlives its age by less than that', () => {
  const evicted: string[] = [];
  const t = new BoundedList<{ name: string; ts: bigint }>((v) => v.ts, (v) => evicted.push(v.name), { max: 100, maxAgeNs: 800n });
  t.add({ name: 'a', ts: 0n }, 0n); // a sweep at 0: the next is due at 100
  t.add({ name: 'b', ts: 50n }, 50n);
  t.add({ name: 'c', ts: 801n }, 801n); // a is past its age: swept (801 >= 100)
  assert.deepEqual(evicted, ['a']);
  t.add({ name: 'd', ts: 860n }, 860n); // b is past its age, but no sweep is due before 901
  assert.deepEqual(evicted, ['a']);
  t.add({ name: 'e', ts: 901n }, 901n);
  assert.deepEqual(evicted, ['a', 'b']);
  for (let i = 0; i < 200; i++) t.add({ name: `f${i}`, ts: 902n }, 902n); // full: evicts at once, sweep or not
  assert.equal(t.size, 100);
});

test('BoundedList: a node removes its entry, once; order is kept around removals; a removed node holds no neighbours', () => {
  const evicted: number[] = [];
  const l = new BoundedList<{ id: number; ts: bigint }>((v) => v.ts, (v) => evicted.push(v.id), { max: 3, maxAgeNs: 1_000n });
  const a = l.add({ id: 1, ts: 0n }, 0n);
  const b = l.add({ id: 2, ts: 1n }, 1n);
  const c = l.add({ id: 3, ts: 2n }, 2n);
  l.remove(b);
  assert.equal(b.prev, null);
  assert.equal(b.next, null);
  l.remove(b); // twice: nothing
  assert.equal(l.size, 2);
  assert.deepEqual(l.nodes().map((n) => n.value.id), [1, 3]);
  l.add({ id: 4, ts: 3n }, 3n);
  l.add({ id: 5, ts: 4n }, 4n); // 4 entries > 3: the oldest (1) goes
  assert.deepEqual(evicted, [1]);
  l.remove(a); // already evicted: nothing
  assert.deepEqual(l.nodes().map((n) => n.value.id), [3, 4, 5]);
  l.remove(c);
  l.remove(l.nodes()[1]!); // the tail
  assert.deepEqual(l.nodes().map((n) => n.value.id), [4]);
  const last = l.add({ id: 6, ts: 5_000n }, 5_000n); // 4 is past its age; 6, the one added, is never evicted by its own add
  assert.deepEqual(evicted, [1, 4]);
  assert.deepEqual(l.nodes(), [last]);
});
