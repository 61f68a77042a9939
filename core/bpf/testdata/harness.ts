// Test support for core/bpf: builds the test inputs (BPF objects, the Go
// fixture), finds main.Add's file offset with an independent oracle
// (go tool nm + readelf), drives the fixture, and reads what the kernel has
// attached (bpftool, uprobe_events). Not a test file itself.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stdlibFixture } from '../../../test/support/binaries';
import type { TestContext } from 'node:test';
import { BpfObject } from '../bpf-object';
import { checkBpfSupport } from '../features';
import { encodeLocation } from '../go-location';
import { bpfObjectPath, packageRoot } from '../paths';

export const ROOT = packageRoot();
export const TRACEFS = '/sys/kernel/tracing';

let unusable: string | null | undefined;

/**
 * True when BPF tests can run. Otherwise: under CI the test fails (a
 * broken setup must not pass as "skipped"); elsewhere it is skipped with
 * the reason printed.
 */
export function requireBpf(t: TestContext): boolean {
  unusable ??= findUnusableReason() ?? null;
  if (unusable === null) return true;
  if (process.env.CI) assert.fail(`BPF tests cannot run under CI: ${unusable}`);
  process.stderr.write(`skipping "${t.name}": ${unusable}\n`);
  t.skip(unusable);
  return false;
}

function findUnusableReason(): string | undefined {
  const problem = checkBpfSupport();
  if (problem) return problem.message;
  try {
    ensureTestObjects();
    bpftestBinary();
    ensureTracefs();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Builds core/bpf/testdata/*.bpf.c (incrementally) with bpf/build.sh. */
export function ensureTestObjects(): void {
  const dir = join(ROOT, 'core', 'bpf', 'testdata');
  run('bash', [join(ROOT, 'bpf', 'build.sh'), join(dir, 'bpftest.bpf.c'), join(dir, 'bad.bpf.c')]);
}

export function testObject(name: 'bpftest' | 'bad'): string {
  return bpfObjectPath(name);
}

/** build/fixtures/bpftest, built when missing or stale (see stdlibFixture). */
export function bpftestBinary(): string {
  return stdlibFixture('bpftest');
}

/**
 * The file offset of `symbol`, the oracle way: its address from `go tool nm`,
 * mapped through the PT_LOAD segment that holds it (`readelf -lW`):
 * offset = address - segment.vaddr + segment.offset.
 */
export function symbolFileOffset(binary: string, symbol: string): number {
  const line = run('go', ['tool', 'nm', binary]).split('\n').find((l) => l.trim().endsWith(` T ${symbol}`));
  assert.ok(line, `go tool nm: no text symbol ${symbol} in ${binary}`);
  const addr = parseInt(line.trim().split(/\s+/)[0]!, 16);
  for (const l of run('readelf', ['-lW', binary]).split('\n')) {
    const m = /^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/.exec(l);
    if (!m) continue;
    const [offset, vaddr, filesz] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
    if (addr >= vaddr && addr < vaddr + filesz) return addr - vaddr + offset;
  }
  assert.fail(`readelf: no PT_LOAD segment of ${binary} holds 0x${addr.toString(16)}`);
}

/** Mounts tracefs if needed (tracepoints and uprobe_events live there). */
export function ensureTracefs(): void {
  if (existsSync(join(TRACEFS, 'uprobe_events'))) return;
  run('mount', ['-t', 'tracefs', 'tracefs', TRACEFS]);
}

/** Ids of every BPF link the kernel has now. */
export function kernelLinkIds(): Set<number> {
  const links = JSON.parse(run('bpftool', ['link', 'show', '--json'])) as Array<{ id: number }>;
  return new Set(links.map((l) => l.id));
}

/** Lines of uprobe_events naming `needle` (legacy tracefs uprobes libbpf would leave behind). */
export function uprobeEventsMentioning(needle: string): string[] {
  return readFileSync(join(TRACEFS, 'uprobe_events'), 'utf8').split('\n').filter((l) => l.includes(needle));
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** offsetof(runtime.g, goid) in go1.19: https://github.com/golang/go/blob/go1.19/src/runtime/runtime2.go */
export const GO119_GOID_OFFSET = 152;

export interface BpftestRun {
  readonly pid: number;
  /** Sends the go-ahead line: the fixture then calls main.Add n times. */
  go(): void;
  /** Resolves with the fixture's stdout after "ready", i.e. the sum. */
  readonly done: Promise<string>;
}

/** Starts the fixture; resolves once it printed "ready" and waits for the go-ahead. */
export function startBpftest(binary: string, n: number): Promise<BpftestRun> {
  const child: ChildProcess = spawn(binary, [String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out.replace(/^ready\n/, '')) : reject(new Error(`bpftest exited ${code}`))));
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const wasReady = out.startsWith('ready\n');
      out += chunk;
      if (!wasReady && out.startsWith('ready\n')) {
        resolve({ pid: child.pid!, go: () => child.stdin!.end('\n'), done });
      }
    });
  });
}

/** The sum the fixture prints: sum over i < n of Add(i, 2i+1). */
export function expectedSum(n: number): number {
  return (3 * n * (n - 1)) / 2 + n;
}

export interface BpftestOptions {
  readonly cookie?: bigint;
  readonly parentTgid?: number;
  /** Size of the `events` ring buffer in bytes (default: the object's 1 MiB). */
  readonly ringBytes?: number;
  /** LoadOptions.uprobeMulti (default: every SEC("uprobe") program, when the kernel has them). */
  readonly uprobeMulti?: boolean;
}

/** Opens bpftest.bpf.o with main.Add's register-ABI locations set, and loads it. */
export function loadBpftest(options: BpftestOptions = {}): BpfObject {
  const obj = BpfObject.open(testObject('bpftest'));
  try {
    obj.setConst('loc_a', encodeLocation({ kind: 'register', register: 'RAX', size: 8 }));
    obj.setConst('loc_b', encodeLocation({ kind: 'register', register: 'RBX', size: 8 }));
    if (options.cookie !== undefined) obj.setConst('cookie', u64(options.cookie));
    if (options.parentTgid !== undefined) obj.setConst('parent_tgid', u32(options.parentTgid));
    if (options.ringBytes !== undefined) obj.resizeMap('events', options.ringBytes);
    obj.load({ uprobeMulti: options.uprobeMulti });
  } catch (e) {
    obj.close();
    throw e;
  }
  return obj;
}
