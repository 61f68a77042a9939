// Real processes, no BPF: the scan reads /proc like any root tool would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { scanGoProcesses } from './process-scanner';
import { sleeperBinary, startSleeper, type Sleeper } from './testdata/support';

let binary: string;
let a: Sleeper;
let b: Sleeper;
const cSleep = spawn('/bin/sleep', ['60'], { stdio: 'ignore' });
const tmp = mkdtempSync(join(tmpdir(), 'gotrace-scan-'));

before(async () => {
  binary = sleeperBinary();
  [a, b] = await Promise.all([startSleeper(binary), startSleeper(binary)]);
});

after(async () => {
  cSleep.kill('SIGKILL');
  await Promise.all([a?.stop(), b?.stop()]);
  rmSync(tmp, { recursive: true, force: true });
});

test('finds a running Go program, not /bin/sleep, and not itself', () => {
  const { executables, examined } = scanGoProcesses();
  const allPids = executables.flatMap((e) => e.pids);
  assert.ok(allPids.includes(a.pid), `sleeper ${a.pid} not among ${JSON.stringify(executables)}`);
  assert.ok(!allPids.includes(cSleep.pid!), '/bin/sleep was reported as Go');
  assert.ok(!allPids.includes(process.pid), 'node (this test) was reported as Go');
  assert.ok(examined > 3);
});

test('two processes of one binary are one executable entry with both pids', () => {
  const st = statSync(binary);
  const entries = scanGoProcesses().executables.filter((e) => e.ino === st.ino && e.dev === st.dev);
  assert.equal(entries.length, 1, JSON.stringify(entries));
  const entry = entries[0]!;
  assert.ok(entry.pids.includes(a.pid) && entry.pids.includes(b.pid), JSON.stringify(entry));
  assert.equal(entry.exePath, binary);
  // Read through the process's own root, so a container's file is the one read.
  assert.match(entry.readPath, new RegExp(`^/proc/(${entry.pids.join('|')})/root${binary}$`));
});

test('--exe and --pid narrow the scan; --pid examines only the pids given', () => {
  const byName = scanGoProcesses({ exeGlobs: ['sleep*'] }).executables.flatMap((e) => e.pids);
  assert.ok(byName.includes(a.pid) && byName.includes(b.pid));
  assert.ok(!byName.includes(cSleep.pid!));
  const none = scanGoProcesses({ exeGlobs: ['/nonexistent/**'] });
  assert.equal(none.executables.length, 0);
  const one = scanGoProcesses({ pids: [a.pid, cSleep.pid!] });
  assert.equal(one.examined, 2);
  assert.deepEqual(one.executables.map((e) => e.pids), [[a.pid]]);
  const both = scanGoProcesses({ pids: [a.pid], exeGlobs: ['/bin/*'] });
  assert.equal(both.executables.length, 0, 'a pid whose exe fails --exe is out');
});

test('a copy is a separate executable, and a deleted one is still found through /proc/PID/exe', { timeout: 30_000 }, async () => {
  const copy = join(tmp, 'sleeper-copy');
  copyFileSync(binary, copy);
  const c = await startSleeper(copy);
  try {
    unlinkSync(copy);
    const entries = scanGoProcesses({ pids: [a.pid, c.pid] }).executables;
    assert.equal(entries.length, 2, JSON.stringify(entries));
    const deleted = entries.find((e) => e.pids.includes(c.pid))!;
    assert.equal(deleted.exePath, `${copy} (deleted)`);
    assert.equal(deleted.readPath, `/proc/${c.pid}/exe`);
  } finally {
    await c.stop();
  }
});

test('pids that do not exist or are kernel threads are skipped quietly', () => {
  const r = scanGoProcesses({ pids: [2, 0x3fffffff] }); // 2 is kthreadd
  assert.equal(r.executables.length, 0);
});
