import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonEpochMs, jsonNumber } from './json-text';

// The oracle is JSON.stringify: a record's hand-written line must equal it.

test('jsonNumber writes what JSON.stringify writes, small, large, fractional and non-finite', () => {
  const xs = [0, -0, 1, -1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1e6, 1e6 + 1, 3_000_000_007, 2 ** 31 * 1e6 - 1, 2 ** 31 * 1e6,
    2 ** 53 - 1, 2 ** 53, 1e21, -(2 ** 40), 0.5, 1.25e-7, NaN, Infinity, -Infinity];
  let seed = 7;
  const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  for (let i = 0; i < 20000; i++) xs.push(Math.floor(rand() * 2 ** 32), Math.floor(rand() * 2 ** (20 + (i % 33))), 1e6 * Math.floor(rand() * 5000) + (i % 3));
  for (const x of xs) assert.equal(jsonNumber(x), JSON.stringify(x), String(x));
  assert.equal(jsonNumber(null), 'null');
});

test('jsonEpochMs writes what JSON.stringify writes for epoch ms with a µs fraction, and falls back outside its range', () => {
  const xs: number[] = [1e12, 2 ** 42 - 0.001, 2 ** 42, 4399019067729.738, 1795399910582.4558, 1_795_432_432_432.0004, 1_795_432_432_432, 1_795_432_432_432.1, 1_795_432_432_432.01, 1_795_432_432_432.001,
    1_795_432_432_432.999, 1_795_432_432_432.12, 1e12 - 0.5, 4.4e12, 5e12 + 0.123, 12.5, 0, NaN];
  // As clock.ts makes them: whole µs over 1000, across the years the fast path covers.
  let us = 1_000_000_000_000_000;
  while (us < 4_500_000_000_000_000) { for (let i = 0; i < 50; i++) xs.push((us + i * 37) / 1000); us = Math.floor(us * 1.0007) + 1; }
  for (const x of xs) assert.equal(jsonEpochMs(x), JSON.stringify(x), String(x));
  assert.equal(jsonEpochMs(null), 'null');
});
