// Real kernel: the sched tracepoints through exec_watch.bpf.o.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { kernelLinkIds } from '../bpf/testdata/harness';
import type { ExecEvent, ExitEvent } from './exec-event';
import { ExecWatcher } from './exec-watcher';
import { requireBpf, sleep, sleeperBinary, startSleeper, waitFor } from './testdata/support';

/** A started watcher recording everything it sees. */
function record(): { w: ExecWatcher; execs: ExecEvent[]; exits: ExitEvent[] } {
  const w = ExecWatcher.start();
  const execs: ExecEvent[] = [];
  const exits: ExitEvent[] = [];
  w.on('exec', (e) => execs.push(e));
  w.on('exit', (e) => exits.push(e));
  return { w, execs, exits };
}

test('sees a new process exec within a bounded time, then its exit with the status', { timeout: 30_000 }, async (t) => {
  if (!requireBpf(t)) return;
  const { w, execs, exits } = record();
  try {
    const before = process.hrtime.bigint();
    const child = spawn('/bin/sh', ['-c', 'exit 3'], { stdio: 'ignore' });
    const pid = child.pid!;
    assert.ok(await waitFor(() => execs.some((e) => e.pid === pid), 2000), `no exec event for pid ${pid} within 2 s`);
    const exec = execs.find((e) => e.pid === pid)!;
    assert.equal(exec.path, '/bin/sh');
    assert.equal(exec.ppid, process.pid);
    assert.ok(exec.ts > before && exec.ts < process.hrtime.bigint(), 'ts is CLOCK_MONOTONIC, as process.hrtime');
    assert.ok(await waitFor(() => exits.some((e) => e.pid === pid), 2000), `no exit event for pid ${pid} within 2 s`);
    const exit = exits.find((e) => e.pid === pid)!;
    assert.equal(exit.exitCode, 3);
    assert.equal(exit.signal, null);
    assert.ok(exit.ts > exec.ts);
    const stats = w.stats();
    assert.ok(stats.exec >= 1 && stats.exit >= 1);
    assert.equal(stats.dropped, 0n);
  } finally {
    w.close();
  }
});

test('a multi-threaded Go process exits once: thread exits are not reported', { timeout: 30_000 }, async (t) => {
  if (!requireBpf(t)) return;
  const { w, execs, exits } = record();
  try {
    const s = await startSleeper(sleeperBinary());
    const threads = readdirSync(`/proc/${s.pid}/task`).length;
    assert.ok(threads > 1, `the Go runtime should run several threads, saw ${threads}`);
    assert.ok(execs.some((e) => e.pid === s.pid && e.path.endsWith('/sleeper')));
    s.child.kill('SIGTERM');
    assert.deepEqual(await s.exited, { code: null, signal: 'SIGTERM' });
    assert.ok(await waitFor(() => exits.some((e) => e.pid === s.pid), 2000));
    await sleep(100); // room for stray thread records, which must not come
    const mine = exits.filter((e) => e.pid === s.pid);
    assert.equal(mine.length, 1, JSON.stringify(mine, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    assert.equal(mine[0]!.signal, 15);
    assert.ok(exits.every((e) => e.pid === e.tid), 'only thread-group leaders');
  } finally {
    w.close();
  }
});

test('close() detaches both tracepoints from the kernel', { timeout: 30_000 }, async (t) => {
  if (!requireBpf(t)) return;
  const { w } = record();
  const links = w.links();
  assert.deepEqual(links.map((l) => l.target).sort(), ['sched:sched_process_exec', 'sched:sched_process_exit']);
  const ours = links.map((l) => l.id);
  const present = kernelLinkIds();
  assert.ok(ours.every((id) => id > 0 && present.has(id)), `links ${ours} not in the kernel`);
  w.close();
  w.close();
  assert.ok(w.closed);
  const left = kernelLinkIds();
  assert.ok(ours.every((id) => !left.has(id)), 'links left attached after close()');
});

test('a missing BPF object is ERR_BPF_OPEN telling how to build it', (t) => {
  if (!requireBpf(t)) return;
  assert.throws(() => ExecWatcher.start({ objectPath: '/nonexistent/exec_watch.bpf.o' }),
    (e: unknown) => (e as { code?: string }).code === 'ERR_BPF_OPEN' && /bpf\/build\.sh/.test((e as Error).message));
});
