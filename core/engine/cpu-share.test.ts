import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuShare } from './cpu-share';

test('CpuShare pauses once per slice of work, and a batch starts a fresh slice', () => {
  // Steps of 1/4 ms: exact in binary, so the slice boundaries are too.
  let t = 0;
  const paused: number[] = [];
  const s = new CpuShare({ sliceMs: 1, pauseMs: 0.5, ticksPerCheck: 1, now: () => t, pause: (ms) => { paused.push(ms); t += ms; } });
  for (let i = 0; i < 3; i++) { t += 0.25; s.tick(); } // 0.75 ms of work: no pause yet
  assert.equal(s.pauses, 0);
  t += 0.25; s.tick(); // the slice is done
  assert.deepEqual(paused, [0.5]);
  for (let i = 0; i < 12; i++) { t += 0.25; s.tick(); } // 3 ms more: three more slices
  assert.equal(s.pauses, 4);
  t += 100; // idle between batches is not work
  s.begin();
  t += 0.5; s.tick();
  assert.equal(s.pauses, 4);
});

test('CpuShare really sleeps: a pause gives up the CPU for about its length', () => {
  const s = new CpuShare({ sliceMs: 0, pauseMs: 5, ticksPerCheck: 1 });
  const cpu0 = process.cpuUsage(), t0 = performance.now();
  s.tick();
  const wall = performance.now() - t0, cpu = process.cpuUsage(cpu0);
  assert.equal(s.pauses, 1);
  assert.ok(wall >= 4, `slept ${wall} ms`);
  // Asleep, not spinning: far less CPU than wall time.
  assert.ok((cpu.user + cpu.system) / 1000 < wall / 2, `cpu ${(cpu.user + cpu.system) / 1000} ms over ${wall} ms`);
});

test('CpuShare looks at the clock every ticksPerCheck ticks only, and pauses at the first look past the slice', () => {
  let t = 0, looks = 0;
  const s = new CpuShare({ sliceMs: 1, pauseMs: 0, ticksPerCheck: 4, now: () => { looks++; return t; }, pause: () => {} });
  const looks0 = looks; // the constructor's
  const work = (ticks: number): void => { for (let i = 0; i < ticks; i++) { t += 0.125; s.tick(); } };
  work(7); // looked at tick 4 only, at 0.5 ms
  assert.deepEqual([looks - looks0, s.pauses], [1, 0]);
  work(1); // tick 8 looks at 1 ms: a pause, and a look for the new slice's start
  assert.deepEqual([looks - looks0, s.pauses], [3, 1]);
  work(8); // tick 12 at 0.5 ms into the slice, tick 16 at 1 ms
  assert.deepEqual([looks - looks0, s.pauses], [6, 2]);
});
