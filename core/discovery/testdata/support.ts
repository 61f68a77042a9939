// Test support for core/discovery: builds the inputs (exec_watch.bpf.o, the
// sleeper Go fixture), starts and stops fixture processes, and gates the
// BPF tests like core/bpf's harness does. Not a test file itself.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stdlibFixture } from '../../../test/support/binaries';
import type { TestContext } from 'node:test';
import { requireBpf as requireCoreBpf } from '../../bpf/testdata/harness';
import { packageRoot } from '../../bpf/paths';

export const ROOT = packageRoot();

let buildProblem: string | null | undefined;

/**
 * True when BPF tests can run: core/bpf's checks (privileges, BTF, tracefs,
 * its test objects) plus exec_watch.bpf.o building. Under CI a problem
 * fails the test; elsewhere it is skipped with the reason printed.
 */
export function requireBpf(t: TestContext): boolean {
  if (!requireCoreBpf(t)) return false;
  buildProblem ??= buildExecWatch() ?? null;
  if (buildProblem === null) return true;
  if (process.env.CI) assert.fail(`BPF tests cannot run under CI: ${buildProblem}`);
  process.stderr.write(`skipping "${t.name}": ${buildProblem}\n`);
  t.skip(buildProblem);
  return false;
}

function buildExecWatch(): string | undefined {
  try {
    execFileSync('bash', [join(ROOT, 'bpf', 'build.sh'), join(ROOT, 'bpf', 'exec_watch.bpf.c')], { stdio: ['ignore', 'pipe', 'pipe'] });
    return undefined;
  } catch (e) {
    return `bpf/build.sh bpf/exec_watch.bpf.c failed: ${(e as { stderr?: Buffer }).stderr?.toString() ?? (e as Error).message}`;
  }
}

/** build/fixtures/sleeper, built when missing or stale (see stdlibFixture). */
export function sleeperBinary(): string {
  return stdlibFixture('sleeper');
}

export interface Sleeper {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit status once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Starts the sleeper (or any binary printing "started") and resolves once it printed "started". */
export function startSleeper(binary: string, args: readonly string[] = ['-for', '120s']): Promise<Sleeper> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((ok, fail) => {
    let out = '';
    child.once('error', fail);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (out.includes('started\n')) ok({ child, pid: child.pid!, exited, stop });
    });
    void exited.then((st) => fail(new Error(`${binary} exited before "started": ${JSON.stringify(st)}`)));
  });
}

/** Pids whose parent is `ppid` (from /proc/PID/stat: field 4, after the parenthesized comm). */
export function childrenOf(ppid: number): number[] {
  const kids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) kids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return kids;
}

/** Median and 95th percentile (nearest rank) of `xs`. */
export function percentiles(xs: readonly number[]): { median: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const rank = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { median: rank(0.5), p95: rank(0.95), max: s[s.length - 1]! };
}

export { sleep, waitFor } from '../../bpf/testdata/harness';
