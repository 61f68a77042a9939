// Every BPF program gotrace ships stays far below the kernel verifier's limit
// of 1M instructions processed. The count depends on how clang lays out loops
// and inlined helpers, so a change that looks harmless can take a program
// over the limit (one did: an inlined 32-field header loop put grpc's
// writeHeader at 700k before go_hdr_block_add_field became a global function),
// and then the plugin fails to load on a kernel whose verifier prunes less.
// The oracle is the kernel's own count, from bpftool's load log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths';
import { requireBpf } from '../../test/support/bpf';

/** A quarter of the kernel's BPF_COMPLEXITY_LIMIT_INSNS: room for older verifiers and growth. */
const BUDGET = 250_000;
const OBJECTS = ['http1_tls', 'http2', 'grpc', 'func_trace', 'exec_watch'];

/** bpftool pins what it loads: a bpffs must be at /sys/fs/bpf (systemd mounts one; a bare container may not). */
function ensureBpffs(): void {
  if (/ \/sys\/fs\/bpf bpf /.test(readFileSync('/proc/mounts', 'utf8'))) return;
  const r = spawnSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`no bpffs at /sys/fs/bpf and mount failed: ${r.stderr.trim()}`);
}

/** Program name → instructions the verifier processed, from `bpftool -d prog loadall`. */
function verifiedInsns(object: string): { counts: Map<string, number>; failed: string[]; log: string } {
  const pin = mkdtempSync('/sys/fs/bpf/gotrace-budget-');
  try {
    const r = spawnSync('bpftool', ['-d', 'prog', 'loadall', object, pin], { encoding: 'utf8', maxBuffer: 256 << 20 });
    const log = `${r.stdout}\n${r.stderr}`;
    const counts = new Map<string, number>();
    const failed: string[] = [];
    let prog = '';
    for (const line of log.split('\n')) {
      const p = /^libbpf: prog '([^']+)': (?:-- BEGIN PROG LOAD LOG --|BPF program load failed)/.exec(line);
      if (p) {
        prog = p[1]!;
        if (line.includes('load failed')) failed.push(prog);
      }
      const n = /^processed (\d+) insns \(limit/.exec(line);
      if (n && prog) counts.set(prog, Number(n[1]));
    }
    return { counts, failed, log };
  } finally {
    // Pinned programs would outlive the test; unpinning frees them.
    for (const f of readdirSync(pin)) rmSync(join(pin, f), { force: true });
    rmSync(pin, { recursive: true, force: true });
  }
}

for (const name of OBJECTS) {
  test(`every program of ${name}.bpf.o verifies in under ${BUDGET} instructions`, (t) => {
    if (!requireBpf(t)) return;
    ensureBpffs();
    const { counts, failed, log } = verifiedInsns(join(packageRoot(), 'build', 'bpf', `${name}.bpf.o`));
    assert.deepEqual(failed, [], `programs the kernel refused:\n${log.slice(-4000)}`);
    assert.ok(counts.size > 0, `bpftool's log showed no verifier counts:\n${log.slice(-2000)}`);
    const over = [...counts].filter(([, n]) => n >= BUDGET);
    assert.deepEqual(over, [], `over budget: ${over.map(([p, n]) => `${p} ${n}`).join(', ')}`);
  });
}
