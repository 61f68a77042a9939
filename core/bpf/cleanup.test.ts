import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { closeAllTracked, detachAllTracked, trackedCount, trackForCleanup, type Closeable } from './cleanup';
import { bpftestBinary, kernelLinkIds, requireBpf, symbolFileOffset, uprobeEventsMentioning } from './testdata/harness';

class Fake implements Closeable {
  detached = 0;
  closed = 0;
  constructor(readonly failing = false) {}
  detachAll(): void {
    this.detached++;
    if (this.failing) throw new Error('detach failed');
  }
  close(): void {
    this.closed++;
    if (this.failing) throw new Error('close failed');
  }
}

const listeners = (): number[] => ['exit', 'SIGINT', 'SIGTERM'].map((e) => process.listenerCount(e));

test('the registry listens for exit, SIGINT and SIGTERM only while something is tracked', () => {
  const before = listeners();
  const untrackA = trackForCleanup(new Fake());
  const untrackB = trackForCleanup(new Fake());
  assert.deepEqual(listeners(), before.map((n) => n + 1), 'one listener each, however many objects');
  untrackA();
  assert.deepEqual(listeners(), before.map((n) => n + 1));
  untrackB();
  assert.deepEqual(listeners(), before);
  assert.equal(trackedCount(), 0);
});

test('closeAllTracked closes everything even when one close throws', () => {
  const fakes = [new Fake(), new Fake(true), new Fake()];
  for (const f of fakes) trackForCleanup(f);
  detachAllTracked();
  assert.deepEqual(fakes.map((f) => f.detached), [1, 1, 1]);
  closeAllTracked();
  assert.deepEqual(fakes.map((f) => f.closed), [1, 1, 1]);
  assert.equal(trackedCount(), 0);
});

test('a signal the application also handles detaches links but leaves the exit to it', () => {
  const appHandler = (): void => {};
  process.on('SIGTERM', appHandler);
  const fake = new Fake();
  const untrack = trackForCleanup(fake);
  try {
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(fake.detached, 1);
    assert.equal(fake.closed, 0, 'maps stay readable for the application to drain');
    assert.equal(trackedCount(), 1);
  } finally {
    untrack();
    process.removeListener('SIGTERM', appHandler);
  }
});

const CHILD = join(__dirname, 'testdata', 'signal-child.js');

async function startChild(mode: 'alone' | 'listener') {
  const binary = bpftestBinary();
  const child = spawn(process.execPath, [CHILD, mode, binary, String(symbolFileOffset(binary, 'main.Add'))],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const { value, done } = await lines.next();
    assert.ok(!done, 'the child ended before reporting');
    return JSON.parse(value as string) as Record<string, unknown>;
  };
  const { ids } = (await next()) as { ids: number[] };
  assert.equal(ids.length, 2);
  const live = kernelLinkIds();
  assert.ok(ids.every((id) => id > 0 && live.has(id)), 'the child attached for real');
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return { child, ids, next, exited, stop };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to a process that only gotrace handles: links gone, and it dies of ${signal}`, async (t) => {
    if (!requireBpf(t)) return;
    const { child, ids, exited, stop } = await startChild('alone');
    t.after(stop);
    child.kill(signal);
    const [code, killedBy] = await exited;
    assert.deepEqual([code, killedBy], [null, signal], 'the signal is re-raised, not swallowed');
    const live = kernelLinkIds();
    assert.ok(ids.every((id) => !live.has(id)), 'no link of the child is left');
    assert.deepEqual(uprobeEventsMentioning('bpftest'), []);
  });

  test(`${signal} to a process that handles it too: links are gone before its handler runs`, async (t) => {
    if (!requireBpf(t)) return;
    const { child, ids, next, exited, stop } = await startChild('listener');
    t.after(stop);
    child.kill(signal);
    const seen = await next();
    assert.deepEqual(seen, { signal, attached: 0, state: 'loaded' });
    const live = kernelLinkIds(); // the child is still running
    assert.ok(ids.every((id) => !live.has(id)), 'detached while the process lives on');
    child.stdin!.end();
    const [code] = await exited;
    assert.equal(code, 0);
    assert.deepEqual(uprobeEventsMentioning('bpftest'), []);
  });
}

test('a worker terminated without close(): the addon destroys its links as the worker ends', async (t) => {
  if (!requireBpf(t)) return;
  const binary = bpftestBinary();
  // terminate() stops JavaScript at once: no 'exit' listener runs, and the
  // process (holding the link fds) lives on. What remains is native: the
  // environment cleanup hook, then the objects' finalizers (either suffices).
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const { loadBpftest } = require(workerData.harness);
    const obj = loadBpftest();
    const link = obj.attachUprobe('uprobe_main_Add', { binaryPath: workerData.binary, fileOffset: workerData.fileOffset });
    parentPort.postMessage(link.id);
    setInterval(() => {}, 1000);
  `, { eval: true, workerData: { harness: join(__dirname, 'testdata', 'harness.js'), binary, fileOffset: symbolFileOffset(binary, 'main.Add') } });
  const [id] = (await once(worker, 'message')) as [number];
  assert.ok(kernelLinkIds().has(id), 'the worker attached for real');
  await worker.terminate();
  assert.ok(!kernelLinkIds().has(id), 'the link went with the worker');
});
