import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ElfFile, PT_LOAD } from '../binary/elf';
import { decodeAddEvent, encodePidConfig, type AddEvent } from '../bpf/testdata/add-event';
import { bpftestBinary, expectedSum, GO119_GOID_OFFSET, loadBpftest, startBpftest, symbolFileOffset, u32 } from '../bpf/testdata/harness';
import { GotraceError } from '../errors';
import { exitStatus, launch, resolveCommand, STUB_CANCELLED_STATUS, type LaunchedCommand } from './launcher';
import { childrenOf, requireBpf, sleep, sleeperBinary, waitFor } from './testdata/support';

const tmp = mkdtempSync(join(tmpdir(), 'gotrace-launch-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const isUsage = (e: unknown): boolean => e instanceof GotraceError && e.code === 'ERR_USAGE' && !e.message.includes('\n');
const which = (cmd: string): string => execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();

/** Collects a piped stdout as text. */
function stdoutOf(l: LaunchedCommand): { text: () => string } {
  let out = '';
  l.child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  return { text: () => out };
}

test('resolveCommand finds commands like execvp: PATH order, paths with a slash, executables only', () => {
  assert.equal(resolveCommand('sh'), which('sh'));
  const dir1 = join(tmp, 'p1');
  const dir2 = join(tmp, 'p2');
  mkdirSync(dir1);
  mkdirSync(dir2);
  writeFileSync(join(dir1, 'tool'), '#!/bin/sh\n', { mode: 0o644 }); // first on PATH, not executable
  writeFileSync(join(dir2, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
  assert.equal(resolveCommand('tool', { PATH: `${dir1}:${dir2}` }), join(dir2, 'tool'));
  assert.equal(resolveCommand('./tool', {}, dir2), join(dir2, 'tool'));
  assert.equal(resolveCommand('tool', { PATH: '' }, dir2), join(dir2, 'tool'), 'an empty PATH entry is the current directory');
});

test('a missing, non-executable or directory CMD is one ERR_USAGE line saying what to do', () => {
  const plain = join(tmp, 'plain');
  writeFileSync(plain, 'data');
  chmodSync(plain, 0o644);
  const cases: Array<[string, NodeJS.ProcessEnv, RegExp]> = [
    ['gotrace-no-such-command', { PATH: '/usr/bin:/bin' }, /command not found: gotrace-no-such-command .*add its folder to PATH/],
    [plain, {}, /not executable \(mode 644\); chmod \+x it/],
    [tmp, {}, /is a directory/],
    ['plain', { PATH: tmp }, /not executable/],
    ['', {}, /no command given/],
  ];
  for (const [cmd, env, message] of cases) {
    assert.throws(() => resolveCommand(cmd, env), (e: unknown) => isUsage(e) && message.test((e as Error).message), cmd);
  }
});

test('launch() with a bad CMD rejects with ERR_USAGE and leaves nothing running', { timeout: 30_000 }, async () => {
  const before = childrenOf(process.pid);
  await assert.rejects(launch('gotrace-no-such-command', []), isUsage);
  await assert.rejects(launch(tmp, []), isUsage);
  assert.deepEqual(childrenOf(process.pid), before);
});

test('the command does not run before release(), then runs in the same pid', { timeout: 30_000 }, async () => {
  const marker = join(tmp, 'ran');
  const sleeper = sleeperBinary();
  const l = await launch(sleeper, ['-touch', marker, '-for', '30s'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = stdoutOf(l);
  try {
    assert.equal(l.exePath, sleeper);
    await sleep(300); // ample time for a program that was not held to create its file
    assert.equal(existsSync(marker), false, 'the command ran before release()');
    assert.equal(out.text(), '');
    assert.notEqual(readlinkSync(`/proc/${l.pid}/exe`), sleeper, 'still the stub');
    l.release();
    assert.ok(await waitFor(() => out.text().includes('started'), 5000), 'no output after release()');
    assert.equal(readFileSync(marker, 'utf8').trim(), String(l.pid), 'exec kept the pid');
    assert.equal(readlinkSync(`/proc/${l.pid}/exe`), sleeper);
    // The stub's gate is not passed on to the command.
    assert.ok(!existsSync(`/proc/${l.pid}/fd/3`) || !readlinkSync(`/proc/${l.pid}/fd/3`).startsWith('socket:'), 'fd 3 leaked into the command');
    // SIGTERM sent to gotrace reaches the command, and gotrace stays up to report it.
    const listeners = process.listenerCount('SIGTERM');
    assert.ok(listeners >= 1);
    process.kill(process.pid, 'SIGTERM');
    assert.deepEqual(await l.exited, { code: null, signal: 'SIGTERM' });
    assert.equal(process.listenerCount('SIGTERM'), listeners - 1, 'forwarding ends with the command');
  } finally {
    l.child.kill('SIGKILL');
    await l.exited;
  }
});

test('arguments pass through the stub verbatim and the exit status is reported', { timeout: 30_000 }, async () => {
  const l = await launch('sh', ['-c', 'printf "%s|" "$@"; exit 7', 'argv0', 'a b', '$HOME', '"q"', '', '*'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = stdoutOf(l);
  l.release();
  assert.deepEqual(await l.exited, { code: 7, signal: null });
  assert.equal(out.text(), 'a b|$HOME|"q"||*|');
  assert.throws(() => l.release(), /already released/);
});

test('exitStatus() is what a shell reports: the code, or 128 + the signal', () => {
  assert.equal(exitStatus({ code: 7, signal: null }), 7);
  assert.equal(exitStatus({ code: null, signal: 'SIGTERM' }), 143);
  assert.equal(exitStatus({ code: null, signal: 'SIGINT' }), 130);
});

test('cancel() ends the stub without running the command', { timeout: 30_000 }, async () => {
  const marker = join(tmp, 'cancelled');
  const l = await launch(sleeperBinary(), ['-touch', marker, '-for', '5s'], { stdio: 'ignore' });
  l.cancel();
  assert.deepEqual(await l.exited, { code: STUB_CANCELLED_STATUS, signal: null });
  assert.equal(existsSync(marker), false);
});

test('if gotrace dies before release(), the command never runs', { timeout: 30_000 }, async () => {
  const marker = join(tmp, 'orphan');
  const script = `require(${JSON.stringify(join(__dirname, 'launcher.js'))})
    .launch(${JSON.stringify(sleeperBinary())}, ['-touch', ${JSON.stringify(marker)}, '-for', '5s'], { stdio: 'ignore' })
    .then((l) => { process.stdout.write(String(l.pid)); process.exit(0); });`;
  const pid = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  assert.ok(pid > 0);
  const gone = (): boolean => !existsSync(`/proc/${pid}`) || / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').slice(-200));
  assert.ok(await waitFor(gone, 3000), `stub ${pid} still running after its launcher died`);
  assert.equal(existsSync(marker), false, 'the command ran untraced');
});

/** File offset of the ELF entry point: the first instruction of a static Go binary. */
function entryFileOffset(binary: string): number {
  const elf = ElfFile.parse(readFileSync(binary), binary);
  const seg = elf.segments.find((s) => s.type === PT_LOAD && elf.entry >= s.vaddr && elf.entry < s.vaddr + s.filesz)!;
  return elf.entry - seg.vaddr + seg.offset;
}

/** Loads bpftest.bpf.o for `pid` with the probe at `fileOffset`; returns the events it sees. */
function probe(binary: string, pid: number, fileOffset: number, cookie: bigint): { events: AddEvent[]; close: () => void } {
  const obj = loadBpftest({ cookie });
  const events: AddEvent[] = [];
  obj.map('pid_config').update(u32(pid), encodePidConfig(GO119_GOID_OFFSET));
  obj.openRingBuffer('events', (recs) => events.push(...recs.map(decodeAddEvent)));
  obj.attachUprobe('uprobe_main_Add', { binaryPath: binary, fileOffset, pid });
  return { events, close: () => obj.close() };
}

test('a uprobe attached between launch and release catches the very first instruction', { timeout: 30_000 }, async (t) => {
  if (!requireBpf(t)) return;
  const binary = bpftestBinary();
  const entry = entryFileOffset(binary);
  const add = symbolFileOffset(binary, 'main.Add');

  const l = await launch(binary, ['3'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out = stdoutOf(l);
  const atEntry = probe(l.exePath, l.pid, entry, 1n);
  const atAdd = probe(l.exePath, l.pid, add, 2n);
  try {
    l.release();
    assert.ok(await waitFor(() => out.text().startsWith('ready\n'), 5000));
    l.child.stdin!.end('\n');
    assert.deepEqual(await l.exited, { code: 0, signal: null });
    assert.equal(out.text(), `ready\n${expectedSum(3)}\n`);
    await waitFor(() => atAdd.events.length >= 3, 1000);
    assert.deepEqual(atEntry.events.map((e) => [e.pid, e.cookie]), [[l.pid, 1n]], 'the entry point ran exactly once, probed');
    assert.deepEqual(atAdd.events.map((e) => [e.a, e.b]), [[0n, 1n], [1n, 3n], [2n, 5n]]);
  } finally {
    atEntry.close();
    atAdd.close();
  }

  // Control: the same probes attached once the program runs (a plain spawn)
  // see every main.Add call but never the entry: the proof above is not vacuous.
  const late = await startBpftest(binary, 3);
  const lateEntry = probe(binary, late.pid, entry, 3n);
  const lateAdd = probe(binary, late.pid, add, 4n);
  try {
    late.go();
    assert.equal(await late.done, `${expectedSum(3)}\n`);
    await waitFor(() => lateAdd.events.length >= 3, 1000);
    assert.equal(lateAdd.events.length, 3);
    assert.equal(lateEntry.events.length, 0);
  } finally {
    lateEntry.close();
    lateAdd.close();
  }
});
