// gotrace trace end to end: real uprobes on real Go processes, both ABIs,
// stripped and not. The oracles are the Go programs' own semantics and output
// (what Divide returns, what esbuild prints), and the kernel's view of links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { requireBpf, ourLinks, uprobeEvents } from '../support/bpf';
import { ROOT, fixture, realBinary, requireBinary } from '../support/binaries';

const CLI = join(ROOT, 'dist', 'core', 'cli', 'main.js');

interface Call { function: string; args: Record<string, unknown>; returns: Record<string, unknown>; goid: number; pid: number; latencyNs: number }

function trace(args: string[]): { code: number | null; calls: Call[]; stderr: string; targetOut: string } {
  const r = spawnSync(process.execPath, [CLI, 'trace', '--format', 'json', ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
  const lines = r.stdout.split('\n').filter((l) => l.trim());
  const calls = lines.filter((l) => l.startsWith('{"type":"call"')).map((l) => JSON.parse(l) as Call);
  const targetOut = lines.filter((l) => !l.startsWith('{')).join('\n');
  return { code: r.status, calls, stderr: r.stderr, targetOut };
}

function assertNothingAttached(): void {
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
}

test('every Divide call is seen exactly once with the right arguments and results, across goroutines (DWARF and stripped)', (t) => {
  if (!requireBpf(t)) return;
  const calls = 40, goroutines = 25;
  const untraced = spawnSync(fixture('divide').path, ['-calls', String(calls), '-goroutines', String(goroutines)], { encoding: 'utf8' }).stdout.trim();
  for (const [b, spec] of [[fixture('divide'), 'main.Divide'], [fixture('divide', '-stripped'), 'main.Divide(dividend int, divisor int) (int, int)'], [fixture('divide', '-pie'), 'main.Divide']] as const) {
    const r = trace(['--func', spec, '--', requireBinary(b), '-calls', String(calls), '-goroutines', String(goroutines)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.targetOut, untraced, `${b.label}: the traced program prints what the untraced one does`);
    // The oracle: the program calls Divide(i*7, 3) on main and Divide(i*7+w, 3) on goroutine w.
    const want: string[] = [];
    for (let i = 1; i <= calls; i++) {
      want.push(`${i * 7}/3`);
      for (let w = 0; w < goroutines; w++) want.push(`${i * 7 + w}/3`);
    }
    const got = r.calls.filter((c) => c.function === 'main.Divide');
    assert.deepEqual(got.map((c) => `${c.args.dividend ?? c.args['~p0']}/${c.args.divisor ?? c.args['~p1']}`).sort(), want.sort(), b.label);
    for (const c of got) {
      const [q, rem] = Object.values(c.returns) as number[];
      const d = Number(c.args.dividend ?? c.args['~p0']);
      assert.equal(q, Math.floor(d / 3));
      assert.equal(rem, d % 3);
      assert.ok(Number.isInteger(c.goid) && c.goid > 0);
      assert.ok(c.latencyNs > 0);
    }
    assert.ok(new Set(got.map((c) => c.goid)).size > 1, 'calls come from several goroutines');
    assertNothingAttached();
  }
});

test('entry probes fire once per call while the stack grows (morestack re-runs the prologue)', (t) => {
  if (!requireBpf(t)) return;
  const depth = 3000; // 3000 frames of >256 bytes: the goroutine stack is copied several times
  const r = trace(['--func', 'main.Recurse', '--', requireBinary(fixture('divide')), '-calls', '0', '-depth', String(depth)]);
  assert.equal(r.code, 0, r.stderr);
  const got = r.calls.filter((c) => c.function === 'main.Recurse');
  assert.equal(got.length, depth + 1);
  assert.deepEqual(got.map((c) => c.args.depth).sort((a, b) => Number(a) - Number(b)), Array.from({ length: depth + 1 }, (_, i) => i));
  // Recurse(d) adds depth&1 for each level: the number of odd numbers in 1..d.
  for (const c of got) assert.equal(c.returns['~r0'], Math.ceil(Number(c.args.depth) / 2), `depth ${c.args.depth}`);
  assert.equal(new Set(got.map((c) => c.goid)).size, 1);
  assertNothingAttached();
});

test('both ABIs on real third-party binaries: os.(*File).Write as esbuild prints its version', (t) => {
  if (!requireBpf(t)) return;
  // Go 1.13 (stack ABI, DWARF), 1.16 (stack ABI, stripped), 1.17 and 1.26 (register ABI, stripped).
  for (const minor of [13, 16, 17, 26] as const) {
    const b = realBinary(minor);
    const spec = b.stripped ? 'os.(*File).Write(b []byte) (n int, err error)' : 'os.(*File).Write';
    // esbuild 0.0.x (Go 1.13) prints its version on stderr, later ones on stdout: one write either way.
    const plain = spawnSync(b.path, ['--version'], { encoding: 'utf8' });
    const untraced = plain.stdout || plain.stderr;
    const r = trace(['--func', spec, '--', requireBinary(b), '--version']);
    assert.equal(r.code, 0, `${b.label}: ${r.stderr}`);
    if (plain.stdout) assert.equal(r.targetOut + '\n', untraced, b.label);
    else assert.ok(r.stderr.includes(untraced.trim()), `${b.label}: traced run prints its version too`);
    const writes = r.calls.filter((c) => c.function === 'os.(*File).Write');
    assert.equal(writes.length, 1, `${b.label}: one write of the version line`);
    assert.deepEqual(writes[0]!.args.b, { len: Buffer.byteLength(untraced) }, b.label);
    assert.equal(writes[0]!.returns.n, Buffer.byteLength(untraced), b.label);
    assert.equal(writes[0]!.returns.err, null, b.label);
    assert.equal(writes[0]!.goid, 1, `${b.label}: main goroutine (g from ${minor >= 17 ? 'R14' : 'fsbase-8'})`);
  }
  assertNothingAttached();
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  test(`on ${sig}, gotrace trace --pid detaches everything and the target keeps running`, async (t) => {
    if (!requireBpf(t)) return;
    const server = spawn(requireBinary(fixture('https')), ['-mode', 'server'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise((res) => server.stdout.once('data', res));
      const g = spawn(process.execPath, [CLI, 'trace', '--format', 'json', '--func', 'crypto/tls.(*Conn).Write', '--pid', String(server.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      g.stderr.on('data', (d) => { err += d; });
      await new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`never attached: ${err}`)), 20_000);
        g.stderr.on('data', () => { if (/"attached"/.test(err)) { clearTimeout(timer); res(); } });
      });
      assert.ok(ourLinks().length > 0, 'attached while running');
      g.kill(sig);
      const code = await new Promise<number | null>((res) => g.on('exit', (c) => res(c)));
      assert.equal(code, 0, err);
      assertNothingAttached();
      assert.equal(server.exitCode, null, 'the target is still running');
    } finally {
      server.kill();
    }
  });
}
