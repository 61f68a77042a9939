// What each BPF program of a process costs, from the kernel's own counters:
// with kernel.bpf_stats_enabled=1 the kernel times every run of every
// program, and /proc/PID/fdinfo/FD of a program fd shows prog_id, run_cnt
// and run_time_ns. Unlike throughput on a shared 2-core machine, ns per run
// barely moves with other load, so it is the number to compare changes by.
// Counting costs two clock reads per run (tens of ns), in every config alike.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

const SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

export interface ProgRun { readonly id: number; readonly runs: number; readonly ns: number }
export interface ProgCost { readonly name: string; readonly runs: number; readonly ns: number }

/** Turns the kernel's run counters on; returns what puts the setting back. */
export function enableBpfStats(): () => void {
  const before = readFileSync(SYSCTL, 'utf8').trim();
  writeFileSync(SYSCTL, '1');
  return () => writeFileSync(SYSCTL, before);
}

/** Run counters of every BPF program `pid` holds an fd of (one entry per program id). */
export function progRuns(pid: number | 'self'): Map<number, ProgRun> {
  const out = new Map<number, ProgRun>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    const field = (name: string): number | undefined => {
      const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(info);
      return m ? Number(m[1]) : undefined;
    };
    const id = field('prog_id'), runs = field('run_cnt'), ns = field('run_time_ns');
    if (id !== undefined && runs !== undefined && ns !== undefined) out.set(id, { id, runs, ns });
  }
  return out;
}

/** Program names by id, from bpftool (fdinfo has none). */
function progNames(): Map<number, string> {
  const r = spawnSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bpftool prog show failed: ${r.stderr}`);
  return new Map((JSON.parse(r.stdout) as { id: number; name: string }[]).map((p) => [p.id, p.name]));
}

/** Runs and ns per program between two progRuns() samples, by program name, busiest first. */
export function progCosts(before: Map<number, ProgRun>, after: Map<number, ProgRun>): ProgCost[] {
  const names = progNames();
  const byName = new Map<string, { runs: number; ns: number }>();
  for (const [id, a] of after) {
    const b = before.get(id), runs = a.runs - (b?.runs ?? 0), ns = a.ns - (b?.ns ?? 0);
    if (runs <= 0) continue;
    const name = names.get(id) ?? `prog ${id}`;
    const acc = byName.get(name) ?? { runs: 0, ns: 0 };
    byName.set(name, { runs: acc.runs + runs, ns: acc.ns + ns });
  }
  return [...byName].map(([name, c]) => ({ name, ...c })).sort((x, y) => y.ns - x.ns);
}

/** The table bench:overhead prints: runs, ns per run and ns per request of each program, and the floor's. */
export function progCostLines(progs: readonly ProgCost[], requests: number, floor: ProgCost | undefined): string[] {
  const pad = (x: string, n: number): string => x.padStart(n);
  const out = [`\nBPF programs, traced (kernel run counters over the window; per request = over ${requests} requests):`,
    `  ${'program'.padEnd(38)} ${pad('runs/req', 9)} ${pad('ns/run', 7)} ${pad('ns/req', 7)}`];
  let total = 0;
  for (const p of progs) {
    total += p.ns;
    if (p.runs / requests < 0.01) continue; // another binary's programs, or process start/exit
    out.push(`  ${p.name.padEnd(38)} ${pad((p.runs / requests).toFixed(2), 9)} ${pad((p.ns / p.runs).toFixed(0), 7)} ${pad((p.ns / requests).toFixed(0), 7)}`);
  }
  out.push(`  ${'total'.padEnd(38)} ${pad('', 9)} ${pad('', 7)} ${pad((total / requests).toFixed(0), 7)}`);
  if (floor) out.push(`  floor: ${floor.name} ${(floor.ns / floor.runs).toFixed(0)} ns/run (the empty program, counters included)`);
  return out;
}
