import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitRecords } from './ring-buffer';
import { decodeAddEvent, encodePidConfig, type AddEvent } from './testdata/add-event';
import {
  bpftestBinary, expectedSum, GO119_GOID_OFFSET, kernelLinkIds, loadBpftest, requireBpf, sleep,
  startBpftest, symbolFileOffset, u32, uprobeEventsMentioning, waitFor,
} from './testdata/harness';

test('splitRecords cuts a batch at its end offsets, as views', () => {
  const data = Buffer.from('aabbbc');
  const records = splitRecords(data, Uint32Array.from([2, 5, 6]));
  assert.deepEqual(records.map((r) => r.toString()), ['aa', 'bbb', 'c']);
  records[0]![0] = 0x7a;
  assert.equal(data.toString(), 'zabbbc', 'records share the batch buffer');
  assert.deepEqual(splitRecords(Buffer.alloc(0), new Uint32Array(0)), []);
});

test('a uprobe on main.Add streams exactly N events with their args, in batches, with no drops', async (t) => {
  if (!requireBpf(t)) return;
  const N = 5000;
  const binary = bpftestBinary();
  const fileOffset = symbolFileOffset(binary, 'main.Add');
  const cookie = 0xc0ffee_1234n;
  const obj = loadBpftest({ cookie });
  const events: AddEvent[] = [];
  const batchSizes: number[] = [];
  let linkId = 0;
  try {
    const ring = obj.openRingBuffer('events', (records) => {
      batchSizes.push(records.length);
      for (const r of records) events.push(decodeAddEvent(r));
    });
    // Two processes run the same binary; the uprobe is attached to one pid,
    // and both are configured, so only the kernel's pid filter separates them.
    const traced = await startBpftest(binary, N);
    const other = await startBpftest(binary, 300);
    obj.map('pid_config').update(u32(traced.pid), encodePidConfig(GO119_GOID_OFFSET));
    obj.map('pid_config').update(u32(other.pid), encodePidConfig(GO119_GOID_OFFSET));
    const link = obj.attachUprobe('uprobe_main_Add', { binaryPath: binary, fileOffset, pid: traced.pid });
    linkId = link.id;
    assert.ok(linkId > 0 && kernelLinkIds().has(linkId), 'the link is visible to bpftool');
    // libbpf >= 1.0 creates uprobes with perf_event_open on the uprobe PMU,
    // not through tracefs: nothing appears in uprobe_events even now.
    assert.deepEqual(uprobeEventsMentioning('bpftest'), []);
    traced.go();
    other.go();
    assert.equal(await traced.done, `${expectedSum(N)}\n`);
    await other.done;

    assert.ok(await waitFor(() => events.length >= N, 5000), `only ${events.length} of ${N} events arrived`);
    await sleep(100); // an extra event would show up now
    assert.equal(events.length, N);
    for (let i = 0; i < N; i++) {
      const e = events[i]!;
      assert.equal(e.pid, traced.pid);
      assert.equal(e.a, BigInt(i), `event ${i}: a`);
      assert.equal(e.b, BigInt(2 * i + 1), `event ${i}: b`);
      assert.equal(e.cookie, cookie);
      // The loop runs on the main goroutine, goid 1, found both ways.
      assert.equal(e.goidReg, 1n, `event ${i}: goid via R14`);
      assert.equal(e.goidTls, 1n, `event ${i}: goid via FS base`);
    }

    const stats = ring.stats();
    assert.equal(stats.delivered, N);
    assert.equal(stats.dropped, 0n);
    assert.equal(stats.batches, batchSizes.length);
    assert.ok(stats.batches < N && stats.largestBatch > 1, `events came one per call (${stats.batches} calls)`);
    // Idle: no wakeups without data, i.e. no busy polling.
    const wakeups = ring.stats().wakeups;
    await sleep(300);
    assert.equal(ring.stats().wakeups, wakeups);
    assert.ok(stats.emptyWakeups <= stats.batches, `${stats.emptyWakeups} empty wakeups for ${stats.batches} batches`);
    t.diagnostic(`${N} events in ${stats.batches} batches (largest ${stats.largestBatch}, mean ${(N / stats.batches).toFixed(1)}), ` +
      `${stats.wakeups} wakeups (${stats.emptyWakeups} empty), dropped ${stats.dropped}`);
  } finally {
    obj.close();
  }
  assert.equal(obj.links().length, 0);
  assert.ok(!kernelLinkIds().has(linkId), 'close() destroyed the link');
  assert.deepEqual(uprobeEventsMentioning('bpftest'), []);
});

test('a full ring counts every lost record in gotrace_drops', async (t) => {
  if (!requireBpf(t)) return;
  const N = 2000;
  const binary = bpftestBinary();
  const obj = loadBpftest({ ringBytes: 4096 }); // one page: room for 73 events of 48+8 bytes
  try {
    const run = await startBpftest(binary, N);
    obj.map('pid_config').update(u32(run.pid), encodePidConfig(GO119_GOID_OFFSET));
    obj.attachUprobe('uprobe_main_Add', { binaryPath: binary, fileOffset: symbolFileOffset(binary, 'main.Add'), pid: run.pid });
    run.go();
    await run.done;
    // Consume only now: the ring filled up and the rest was dropped.
    const events: AddEvent[] = [];
    const ring = obj.openRingBuffer('events', (records) => events.push(...records.map(decodeAddEvent)));
    assert.ok(await waitFor(() => events.length > 0, 2000), 'records already in the ring are delivered');
    await sleep(50);
    const stats = ring.stats();
    assert.equal(stats.delivered, events.length);
    assert.ok(stats.dropped > 0n);
    assert.equal(BigInt(stats.delivered) + stats.dropped, BigInt(N), 'every call is delivered or counted as dropped');
    events.forEach((e, i) => assert.equal(e.a, BigInt(i), 'the first calls filled the ring'));
    t.diagnostic(`4 KiB ring: ${stats.delivered} delivered, ${stats.dropped} dropped`);
  } finally {
    obj.close();
  }
  assert.ok(obj.droppedRecords() > 0n, 'the count stays readable after close()');
});

test('maxBatch splits a burst across event-loop turns', async (t) => {
  if (!requireBpf(t)) return;
  const N = 1000;
  const binary = bpftestBinary();
  const obj = loadBpftest();
  try {
    const run = await startBpftest(binary, N);
    obj.map('pid_config').update(u32(run.pid), encodePidConfig(GO119_GOID_OFFSET));
    obj.attachUprobe('uprobe_main_Add', { binaryPath: binary, fileOffset: symbolFileOffset(binary, 'main.Add'), pid: run.pid });
    run.go();
    await run.done;
    const sizes: number[] = [];
    const ring = obj.openRingBuffer('events', (records) => sizes.push(records.length), { maxBatch: 100 });
    assert.ok(await waitFor(() => ring.stats().delivered >= N, 2000));
    assert.equal(sizes.reduce((a, b) => a + b, 0), N);
    assert.ok(sizes.every((s) => s <= 100) && sizes.length >= N / 100, `batches: ${sizes.join(',')}`);
  } finally {
    obj.close();
  }
});
