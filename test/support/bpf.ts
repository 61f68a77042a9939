// For end-to-end tests that load BPF: whether they can run, and what of ours
// the kernel still holds. Under CI a BPF test that cannot run FAILS; outside
// CI it is skipped with the reason printed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

/** Kernel links whose program is one of gotrace's (uprobe_* / tp_* names), per bpftool. */
export function ourLinks(programPrefixes: readonly string[] = ['uprobe_', 'tp_']): string[] {
  const links = JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { id: number; prog_id: number }[];
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as { id: number; name?: string }[];
  const names = new Map(progs.map((p) => [p.id, p.name ?? '']));
  return links.map((l) => names.get(l.prog_id) ?? '').filter((n) => programPrefixes.some((p) => n.startsWith(p)));
}

export function uprobeEvents(): string {
  return readFileSync(`${TRACEFS}/uprobe_events`, 'utf8').trim();
}
