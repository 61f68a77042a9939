// npm run bench:pipeline — the tracing pipeline under the highest call rate a
// Go loop makes: events per second through ring buffer, addon, decoder and
// JSON lines (drops counted); the added time per traced call (traced against
// untraced, same run); and how soon after exec a new process has live probes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, fixture } from '../test/support/binaries';

const CLI = join(ROOT, 'dist', 'core', 'cli', 'main.js');
const CALLS = Number(process.env.BENCH_CALLS ?? 1_000_000);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const DIVIDE = fixture('divide').path;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeRun(cmd: string, args: string[]): { ms: number; stderr: string; stdoutBytes: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 4 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stderr: r.stderr, stdoutBytes: r.stdout.length };
}

function doneStats(stderr: string): { events: number; drops: number } {
  const line = stderr.split('\n').reverse().find((l) => l.includes('"msg":"done"'));
  if (!line) throw new Error(`no summary in: ${stderr}`);
  return JSON.parse(line);
}

/** The Go loop's own duration, which the fixture prints with -report. */
const loopMs = (stderr: string): number => Number(/loop_ns (\d+)/.exec(stderr)![1]) / 1e6;

function throughput(): void {
  const untraced: number[] = [], tracedLoop: number[] = [], tracedWall: number[] = [];
  let stats = { events: 0, drops: 0 }, bytes = 0;
  for (let i = 0; i < REPS; i++) {
    untraced.push(loopMs(timeRun(DIVIDE, ['-calls', String(CALLS), '-report']).stderr));
    // One Go loop calling Divide back to back: the highest rate one thread makes.
    const r = timeRun(process.execPath, [CLI, 'trace', '--format', 'json', '--func', 'main.Divide', '--', DIVIDE, '-calls', String(CALLS), '-report']);
    tracedLoop.push(loopMs(r.stderr));
    tracedWall.push(r.ms);
    stats = doneStats(r.stderr);
    bytes = r.stdoutBytes;
  }
  const u = median(untraced), t = median(tracedLoop), w = median(tracedWall);
  console.log(`calls per run: ${CALLS}, reps ${REPS} (medians)`);
  console.log(`Divide loop: untraced ${u.toFixed(1)} ms, traced ${t.toFixed(1)} ms; gotrace wall time incl. start, analysis, attach, drain: ${w.toFixed(0)} ms`);
  console.log(`events delivered: ${stats.events} of ${CALLS}  drops: ${stats.drops}  JSON bytes: ${bytes}`);
  console.log(`events/s while the loop ran (events / traced loop time): ${(stats.events / (t / 1000)).toFixed(0)}`);
  console.log(`events/s through to JSON lines (events / gotrace wall time): ${(stats.events / (w / 1000)).toFixed(0)}`);
  console.log(`added time per traced call: ${(((t - u) * 1e6) / CALLS / 1000).toFixed(2)} µs (2 uprobe hits: entry after the stack check, RET)`);
}

async function attachLatency(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gotrace-bench-'));
  const rules = join(dir, 'rules');
  spawnSync('mkdir', ['-p', rules]);
  writeFileSync(join(rules, 'tls.yaml'), 'id: func-trace/tls-write\nplugin: func-trace\nfailureMode: warn\nchecker:\n  symbols: ["crypto/tls.(*Conn).Write"]\nselectors:\n  - hooker: function\n');
  const g = spawn(process.execPath, [CLI, 'run', '--rules', rules, '--format', 'json', '--exe', 'https'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  g.stderr.on('data', (d) => { err += d; });
  await new Promise<void>((res) => { const i = setInterval(() => { if (err.includes('tracing;')) { clearInterval(i); res(); } }, 20); });
  for (let i = 0; i < 20; i++) {
    const s = spawn(fixture('https').path, ['-mode', 'server'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    s.kill();
    await new Promise((r) => setTimeout(r, 50));
  }
  g.kill('SIGINT');
  await new Promise((r) => g.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
  const done = err.split('\n').find((l) => l.includes('"msg":"done"'));
  const lat = done ? JSON.parse(done).attachAfterExecMs : undefined;
  console.log(`probes live after exec (20 launches of the https fixture): p50 ${lat?.p50?.toFixed(1)} ms, max ${lat?.max?.toFixed(1)} ms (goal ≤ 100 ms)`);
}

async function main(): Promise<void> {
  console.log(`bench:pipeline  ${new Date().toISOString()}  node ${process.version}`);
  throughput();
  await attachLatency();
}

void main();
