// For end-to-end tests that load BPF: whether they can run, and what of ours
// the kernel still holds. Under CI a BPF test that cannot run FAILS; outside
// CI it is skipped with the reason printed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { checkBpfSupport } from '../../core/bpf/features';

const TRACEFS = '/sys/kernel/tracing';

function unusableReason(): string | undefined {
  const problem = checkBpfSupport();
  if (problem) return problem.message;
  if (!existsSync(`${TRACEFS}/uprobe_events`)) {
    try {
      execFileSync('mount', ['-t', 'tracefs', 'tracefs', TRACEFS], { stdio: 'ignore' });
    } catch {
      return `tracefs is not mounted at ${TRACEFS} and could not be mounted`;
    }
  }
  return undefined;
}

let reason: string | null | undefined;

export function requireBpf(t: TestContext): boolean {
  reason ??= unusableReason() ?? null;
  if (reason === null) return true;
  if (process.env.CI) assert.fail(`BPF tests cannot run under CI: ${reason}`);
  process.stderr.write(`skipping "${t.name}": ${reason}\n`);
  t.skip(reason);
  return false;
}

/** pid → the link ids its open fds hold, from /proc/PID/fdinfo (bpf link fds show `link_id:`). */
function linkHolders(): Map<number, number[]> {
  const holders = new Map<number, number[]>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fdinfo`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        const m = /^link_id:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
        if (m) holders.set(Number(m[1]), [...(holders.get(Number(m[1])) ?? []), pid]);
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  const byPid = new Map<number, number[]>();
  for (const [link, pids] of holders) for (const p of pids) byPid.set(p, [...(byPid.get(p) ?? []), link]);
  return byPid;
}

/** This process and every process it started, through the ppid chain. */
function ourProcessTree(): Set<number> {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const tree = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) if (!tree.has(pid) && tree.has(ppid)) { tree.add(pid); grew = true; }
  }
  return tree;
}

/**
 * Kernel links whose program is one of gotrace's (uprobe_* / tp_* names),
 * per bpftool, that this test run is answerable for: held by this process or
 * one it started, held by a process that is not a gotrace session (a traced
 * target that inherited an fd: a leak), or held by no process at all
 * (pinned: a leak). Links that only other, unrelated gotrace sessions hold
 * (tests of other files, a developer's own trace) are not ours.
 */
export function ourLinks(programPrefixes: readonly string[] = ['uprobe_', 'tp_']): string[] {
  // A link whose last fd just closed lingers in the kernel's list for a moment
  // (its release is deferred): an unheld link counts only if it is still there
  // after the kernel had time to finish.
  let found = sampleLinks(programPrefixes);
  for (let i = 0; i < 10 && found.some((l) => l.unheld); i++) {
    execFileSync('sleep', ['0.2']);
    const again = new Set(sampleLinks(programPrefixes).map((l) => l.id));
    found = found.filter((l) => again.has(l.id));
  }
  return found.map((l) => l.name);
}

function sampleLinks(programPrefixes: readonly string[]): { id: number; name: string; unheld: boolean }[] {
  const links = JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { id: number; prog_id: number }[];
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as { id: number; name?: string }[];
  const names = new Map(progs.map((p) => [p.id, p.name ?? '']));
  const tree = ourProcessTree();
  const heldBy = new Map<number, number[]>();
  for (const [pid, ids] of linkHolders()) for (const id of ids) heldBy.set(id, [...(heldBy.get(id) ?? []), pid]);
  const foreignSession = (pid: number): boolean => {
    if (tree.has(pid)) return false;
    try {
      return /node/.test(readFileSync(`/proc/${pid}/comm`, 'utf8'));
    } catch {
      return true; // gone: it was not holding anything for us
    }
  };
  return links
    .filter((l) => {
      const holders = heldBy.get(l.id) ?? [];
      return holders.length === 0 || !holders.every(foreignSession);
    })
    .map((l) => ({ id: l.id, name: names.get(l.prog_id) ?? '', unheld: (heldBy.get(l.id) ?? []).length === 0 }))
    .filter((l) => programPrefixes.some((p) => l.name.startsWith(p)));
}

export function uprobeEvents(): string {
  return readFileSync(`${TRACEFS}/uprobe_events`, 'utf8').trim();
}
