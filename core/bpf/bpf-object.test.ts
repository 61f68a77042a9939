import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GotraceError } from '../errors';
import { BpfObject } from './bpf-object';
import { encodeLocation } from './go-location';
import { bpfObjectPath } from './paths';
import { encodePidConfig } from './testdata/add-event';
import {
  bpftestBinary, kernelLinkIds, loadBpftest, requireBpf, symbolFileOffset, testObject, u32, u64,
} from './testdata/harness';

function hasCode(code: string, ...fragments: string[]): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof GotraceError, `not a GotraceError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const f of fragments) assert.ok(e.message.includes(f), `message lacks "${f}":\n${e.message}`);
    return true;
  };
}

test('consts set before load are what the loaded program sees in .rodata', (t) => {
  if (!requireBpf(t)) return;
  const obj = BpfObject.open(testObject('bpftest'));
  try {
    const consts = new Map(obj.consts().map((c) => [c.name, c]));
    assert.deepEqual([...consts.keys()].filter((n) => !n.includes('.')).sort(),
      ['cookie', 'gotrace_debug', 'loc_a', 'loc_b', 'parent_tgid']);
    const locA = encodeLocation({ kind: 'stack', offset: 16, size: 4 });
    obj.setConst('loc_a', locA);
    obj.setConst('cookie', u64(0x1122334455667788n));
    obj.setConst('parent_tgid', u32(4242));
    obj.load();
    assert.equal(obj.state, 'loaded');
    // Read back from the kernel's copy of the (now frozen) map.
    const rodata = obj.map('.rodata').lookup(u32(0));
    assert.ok(rodata);
    const at = (name: string): Buffer => {
      const c = consts.get(name)!;
      return rodata.subarray(c.offset, c.offset + c.size);
    };
    assert.deepEqual(at('loc_a'), locA);
    assert.equal(at('cookie').readBigUInt64LE(0), 0x1122334455667788n);
    assert.equal(at('parent_tgid').readUInt32LE(0), 4242);
    assert.deepEqual(at('loc_b'), Buffer.alloc(8), 'an unset const keeps its initializer');
    assert.throws(() => obj.setConst('cookie', u64(1n)), hasCode('ERR_BPF_STATE', 'before load()'));
  } finally {
    obj.close();
  }
});

test('setConst names the consts on a wrong name and the size on a wrong size', (t) => {
  if (!requireBpf(t)) return;
  const obj = BpfObject.open(testObject('bpftest'));
  try {
    assert.throws(() => obj.setConst('cokie', u64(1n)), hasCode('ERR_BPF_CONST', "'cokie'", 'cookie, '));
    assert.throws(() => obj.setConst('cookie', u32(1)), hasCode('ERR_BPF_CONST', '8 bytes', 'given is 4'));
  } finally {
    obj.close();
  }
});

test("a program the verifier rejects fails load with the verifier's log in the error", (t) => {
  if (!requireBpf(t)) return;
  const obj = BpfObject.open(testObject('bad'));
  let error: unknown;
  try {
    obj.load();
  } catch (e) {
    error = e;
  }
  hasCode('ERR_BPF_LOAD', "'uprobe_bad_null_deref'", 'Verifier log', "R0 invalid mem access 'map_value_or_null'", 'processed ')(error);
  // The cause keeps libbpf's full output.
  const cause = (error as GotraceError).cause as { log: string; code: string };
  assert.equal(cause.code, 'EACCES');
  assert.match(cause.log, /-- BEGIN PROG LOAD LOG --[\s\S]*-- END PROG LOAD LOG --/);
  assert.equal(obj.state, 'closed', 'a failed load frees what it created');
});

test('opening a missing object says how to build it', (t) => {
  if (!requireBpf(t)) return;
  assert.throws(() => BpfObject.open('/nonexistent/x.bpf.o'), hasCode('ERR_BPF_OPEN', 'bash bpf/build.sh'));
});

test('hash map update, lookup, keys and delete by name with Buffer keys', (t) => {
  if (!requireBpf(t)) return;
  const obj = loadBpftest();
  try {
    const map = obj.map('pid_config');
    assert.deepEqual([map.type, map.keySize, map.valueSize, map.maxEntries], ['hash', 4, 8, 64]);
    assert.equal(map.lookup(u32(1)), undefined);
    map.update(u32(1), encodePidConfig(152));
    map.update(u32(2), encodePidConfig(160), 'noexist');
    assert.deepEqual(map.lookup(u32(1)), encodePidConfig(152));
    assert.deepEqual(map.keys().map((k) => k.readUInt32LE(0)).sort(), [1, 2]);
    assert.throws(() => map.update(u32(2), encodePidConfig(1), 'noexist'), hasCode('ERR_BPF_MAP', 'already there'));
    assert.throws(() => map.update(u32(3), encodePidConfig(1), 'exist'), hasCode('ERR_BPF_MAP'));
    assert.throws(() => map.lookup(Buffer.alloc(3)), hasCode('ERR_BPF_MAP', '4-byte key, not 3'));
    assert.equal(map.delete(u32(1)), true);
    assert.equal(map.delete(u32(1)), false);
    assert.deepEqual(map.keys().map((k) => k.readUInt32LE(0)), [2]);
    // Per-CPU: one slot per possible CPU.
    const drops = obj.map('gotrace_drops');
    assert.equal(drops.perCpu, true);
    assert.ok((drops.lookupPerCpu(u32(0)) ?? []).length >= 1);
    assert.equal(obj.droppedRecords(), 0n);
    assert.throws(() => obj.map('nope'), hasCode('ERR_BPF_MAP', 'pid_config'));
  } finally {
    obj.close();
  }
  assert.throws(() => obj.map('pid_config'), hasCode('ERR_BPF_STATE', 'closed'));
});

test('a tracepoint program counts the exits of our children until detached', async (t) => {
  if (!requireBpf(t)) return;
  const obj = loadBpftest({ parentTgid: process.pid });
  const exits = obj.map('exits');
  const runChild = async (): Promise<number> => {
    const child = spawn('/bin/true');
    await once(child, 'exit');
    return child.pid!;
  };
  try {
    const link = obj.attachTracepoint('tp_sched_process_exit', 'sched', 'sched_process_exit');
    assert.ok(kernelLinkIds().has(link.id));
    const first = await runChild();
    assert.equal(exits.lookup(u32(first))?.readBigUInt64LE(0), 1n);
    link.destroy();
    assert.equal(link.attached, false);
    assert.ok(!kernelLinkIds().has(link.id));
    const second = await runChild();
    assert.equal(exits.lookup(u32(second)), undefined, 'no events after destroy()');
    assert.throws(() => obj.attachTracepoint('tp_sched_process_exit', 'sched', 'no_such_event'),
      hasCode('ERR_BPF_ATTACH', 'tracefs'));
  } finally {
    obj.close();
  }
});

test('attach errors name the program and what to check', (t) => {
  if (!requireBpf(t)) return;
  const binary = bpftestBinary();
  const fileOffset = symbolFileOffset(binary, 'main.Add');
  const fresh = BpfObject.open(testObject('bpftest'));
  try {
    assert.throws(() => fresh.attachUprobe('uprobe_main_Add', { binaryPath: binary, fileOffset }), hasCode('ERR_BPF_STATE', 'load() first'));
  } finally {
    fresh.close();
  }
  const obj = loadBpftest();
  try {
    assert.throws(() => obj.attachUprobe('uprobe_main_Sub', { binaryPath: binary, fileOffset }), hasCode('ERR_BPF_ATTACH', 'uprobe_main_Add'));
    assert.throws(() => obj.attachUprobe('uprobe_main_Add', { binaryPath: '/nonexistent/bin', fileOffset }),
      hasCode('ERR_BPF_ATTACH', '/nonexistent/bin', 'check that the binary exists'));
    assert.throws(() => obj.attachUprobe('uprobe_main_Add', { binaryPath: binary, fileOffset: -1 }), hasCode('ERR_BPF_ATTACH', 'file offset'));
    const link = obj.attachUprobe('uprobe_main_Add', { binaryPath: binary, fileOffset, cookie: 7n });
    assert.equal(obj.links().length, 1);
    obj.detachAll();
    assert.equal(link.attached, false);
    assert.ok(!kernelLinkIds().has(link.id));
  } finally {
    obj.close();
  }
});

test("an object loads under node's sampling profiler (SIGPROF every 0.1 ms while the verifier runs)", async (t) => {
  if (!requireBpf(t)) return;
  // The verifier gives up with EAGAIN on a pending signal; the grpc object
  // takes it about a second here, far longer than libbpf's 5 tries survive.
  const dir = mkdtempSync(join(tmpdir(), 'gotrace-prof-'));
  const script = `const { BpfObject } = require(${JSON.stringify(join(__dirname, 'bpf-object.js'))});
const o = BpfObject.open(${JSON.stringify(bpfObjectPath('grpc'))}); o.load(); o.close(); console.log('loaded');`;
  try {
    const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, err);
    assert.equal(out.trim(), 'loaded');
    assert.ok(readdirSync(dir).some((f) => f.endsWith('.cpuprofile')), 'the profiler ran');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
