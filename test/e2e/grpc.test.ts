// grpc end to end: the grpc fixture (Go 1.19, Debian grpc-go 1.33.3, GOPATH
// build, plain and stripped) as a health server AND as its own client, both
// traced by one `gotrace run --exe` session with the shipped rules, insecure
// and TLS: sequential Checks, NotFound Checks, a server-streaming Watch the
// client cancels, then 200 concurrent Checks over one connection. Oracles:
// the client's own report of how many calls succeeded, and what the fixture
// sends (x-fixture and authorization metadata, HealthCheckResponse SERVING).
// Every call must be reported exactly once per side, and the client's and the
// server's records of one call must agree. The stripped build (no DWARF, no
// module versions) must give the same records as the unstripped one.
import { after, afterEach, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBpf, ourLinks, uprobeEvents } from '../support/bpf';
import { CLI, startListening, startRun, stopRuns } from '../support/gotrace-run';
import { ROOT, fixture, requireBinary } from '../support/binaries';
import { buildClientOnly } from '../support/grpc-client-only';

const CHECK = '/grpc.health.v1.Health/Check';
const WATCH = '/grpc.health.v1.Health/Watch';

interface Grpc {
  type: 'grpc'; role: 'server' | 'client'; tls: boolean | null; method: string | null; authority: string | null; status: number | null; grpcMessage: string | null;
  streamId: number; reqHeaders: Record<string, string>; respHeaders: Record<string, string>; respTrailers: Record<string, string>;
  reqMessages: number; respMessages: number; reqBytes: number; respBytes: number; latencyNs: number | null; fd: number | null;
  local: string | null; remote: string | null; rstCode?: number; reqTcpSeq: null; respTcpSeq: null; pid: number; exe: string; goid: number | null; ts: number; error?: string;
}

// A private copy per run: `--exe` then matches only the processes this test starts.
const dir = mkdtempSync(join(tmpdir(), 'gotrace-grpc-e2e-'));
after(() => rmSync(dir, { recursive: true, force: true }));
afterEach(stopRuns);

/** The fixture client; it sleeps 300 ms before dialing so the session (attaching after exec) is attached first. `statuses` gets the grpc codes its calls ended with, by name. */
function client(path: string, addr: string, tls: boolean, call: string, n: number, c: number, extra: string[] = [], statuses?: Record<string, number>): Promise<{ ok: number; failed: number }> {
  const p = spawn(path, ['-mode', 'client', '-addr', addr, ...(tls ? ['-tls'] : []), '-call', call, '-n', String(n), '-c', String(c), '-wait', '300ms', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  let out = '', err = '';
  p.stdout!.on('data', (d) => { out += d; });
  p.stderr!.on('data', (d) => { err += d; });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => { p.kill(); rej(new Error(`client ${call} timed out: ${err}`)); }, 60_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      const m = /done map\[(.*)\]/.exec(out);
      if (code !== 0 || !m) return rej(new Error(`client ${call} exited ${code}: ${out} ${err}`));
      for (const [, k, v] of (/status map\[(.*)\]/.exec(out)?.[1] ?? '').matchAll(/(\w+):(\d+)/g)) if (statuses) statuses[k!] = Number(v);
      const get = (k: string) => Number(new RegExp(`${k}:(\\d+)`).exec(m[1]!)?.[1] ?? 0);
      res({ ok: get('true'), failed: get('false') });
    });
  });
}

/** What must be equal between the stripped and the unstripped build's records: all but pids, ports, fds, goids, times. */
function shape(r: Grpc): string {
  // TCP seqs differ between runs (and a concurrent call's may be unknown); they are checked against the other side instead.
  const { pid: _p, goid: _g, latencyNs: _l, local: _lo, remote: _re, fd: _f, authority: _a, ts: _t, exe: _e, reqTcpSeq: _rq, respTcpSeq: _rs, ...rest } = r;
  const { ':authority': _ra, 'grpc-timeout': timeout, ...req } = r.reqHeaders; // the deadline left when the call went out varies
  return JSON.stringify({ ...rest, reqHeaders: req, timeout: timeout !== undefined, latency: r.latencyNs !== null && r.latencyNs > 0, fd: r.fd !== null && r.fd > 2 });
}
const shapes = new Map<boolean, string[]>();

async function traceRun(t: TestContext, variant: '' | '-stripped', tls: boolean): Promise<void> {
  if (!requireBpf(t)) return;
  const path = join(dir, `grpc${variant}${tls ? '-tls' : ''}`);
  copyFileSync(requireBinary(fixture('grpc', variant)), path);
  const { server, addr } = await startListening(path, ['-mode', 'server', ...(tls ? ['-tls'] : [])], { cwd: ROOT });
  try {
    const g = startRun<Grpc>('grpc', ['--exe', path]);
    await g.attached;
    assert.deepEqual(await client(path, addr, tls, 'check', 5, 1), { ok: 5, failed: 0 });
    assert.deepEqual(await client(path, addr, tls, 'notfound', 2, 1), { ok: 0, failed: 2 });
    assert.deepEqual(await client(path, addr, tls, 'watch', 1, 1), { ok: 1, failed: 0 }, 'Watch received its first message, then the client cancelled');
    assert.deepEqual(await client(path, addr, tls, 'check', 200, 200), { ok: 200, failed: 0 });
    await new Promise((r) => setTimeout(r, 500));
    const s = await g.stop();
    assert.equal(s.code, 0, s.stderr);

    const bad = s.records.filter((r) => r.error || r.reqHeaders['x-fixture'] !== 'grpc');
    assert.deepEqual(bad, [], 'every record is a whole call the fixture made');
    const servers = s.records.filter((r) => r.role === 'server'), clients = s.records.filter((r) => r.role === 'client');
    assert.equal(servers.length, 208, 'every call once on the server side');
    assert.equal(clients.length, 208, 'every call once on the client side');
    assert.equal(new Set(servers.map((r) => r.pid)).size, 1);
    assert.equal(servers[0]!.pid, server.pid);
    assert.equal(new Set(clients.map((r) => r.pid)).size, 4, 'four client processes');

    // Pair the sides by the connection (the client's local address is the server's remote) and the stream id.
    const byKey = new Map(servers.map((r) => [`${r.remote}|${r.streamId}`, r]));
    let seqsKnown = 0;
    assert.equal(byKey.size, 208, 'no two server records share a connection and stream id');
    for (const c of clients) {
      const sv = byKey.get(`${c.local}|${c.streamId}`);
      const label = JSON.stringify({ client: c, server: sv });
      assert.ok(sv, `the server saw the client's call: ${label}`);
      byKey.delete(`${c.local}|${c.streamId}`);
      for (const k of ['method', 'authority', 'status', 'grpcMessage', 'streamId', 'reqHeaders', 'respHeaders', 'respTrailers', 'tls', 'rstCode',
        'reqMessages', 'respMessages', 'reqBytes', 'respBytes'] as const) {
        assert.deepEqual(c[k], sv[k], `${k} agrees: ${label}`);
      }
      assert.equal(c.remote, addr, label);
      assert.equal(sv.local, addr, label);
      // TCP seqs (docs/tcp-seqs.md): a value one side reports, the other side reports too, or has none.
      if (c.reqTcpSeq !== null && sv.reqTcpSeq !== null) assert.equal(c.reqTcpSeq, sv.reqTcpSeq, `request seq: ${label}`);
      if (c.respTcpSeq !== null && sv.respTcpSeq !== null) assert.equal(c.respTcpSeq, sv.respTcpSeq, `response seq: ${label}`);
      const known = [c.reqTcpSeq, sv.reqTcpSeq, c.respTcpSeq, sv.respTcpSeq].every((x) => x !== null);
      if (known) seqsKnown++;
      if (clients.filter((x) => x.local === c.local).length <= 5) assert.ok(known, `a call alone on its connection has every seq: ${label}`);
    }
    // The sequential calls all carry both seqs on both sides (asserted above per connection). Of the 200
    // concurrent ones, cleartext all do. Under TLS loopy batches many blocks per write, and a block is
    // placed in its write's records from the tls.Conn's record sizing (TLS 1.3); one that straddles two
    // records has none (docs/tcp-seqs.md): 200-208 of 208 in runs here, so 170 leaves room for batching.
    t.diagnostic(`calls with all four seqs known and equal: ${seqsKnown} of 208`);
    assert.ok(tls ? seqsKnown >= 170 : seqsKnown === 208, `calls carrying matching seqs: ${seqsKnown} of 208`);
    for (const r of s.records) {
      const label = JSON.stringify(r);
      assert.equal(r.tls, tls, label);
      assert.ok(r.fd !== null && r.fd > 2, `a real fd: ${label}`);
      assert.match(r.role === 'server' ? r.remote ?? '' : r.local ?? '', /^127\.0\.0\.1:\d+$/, label);
      assert.equal(r.reqHeaders[':path'], r.method, label);
      assert.equal(r.reqHeaders['content-type'], 'application/grpc', label);
      assert.equal(r.reqHeaders.authorization, '[redacted]', label);
      // Strings the BPF side copies from one read of the memory around them (go_hdr_window): short, and longer than a word-wise copy.
      assert.equal(r.reqHeaders['x-fixture-note'], 'a metadata value of fifty-one bytes, for the window', label);
      assert.match(r.reqHeaders['user-agent'] ?? '', /^grpc-go\/1\.33\.\d+$/, label);
      assert.equal(r.reqHeaders.te, 'trailers', label);
      assert.equal(r.authority, addr, label);
      assert.ok(r.streamId % 2 === 1, label);
      assert.ok(r.latencyNs !== null && r.latencyNs > 0, label);
      assert.ok(r.goid !== null && r.goid > 0, label);
      assert.deepEqual([r.reqMessages, r.reqBytes], [1, 5 + 17], `one HealthCheckRequest{service: "gotrace.Fixture" or "no.such.Service"} (15 chars + 2) after the 5-byte prefix: ${label}`);
    }
    const ok = s.records.filter((r) => r.method === CHECK && r.status === 0);
    const notFound = s.records.filter((r) => r.status === 5);
    const watch = s.records.filter((r) => r.method === WATCH);
    assert.deepEqual([ok.length, notFound.length, watch.length], [2 * 205, 2 * 2, 2]);
    for (const r of ok) {
      assert.equal(r.respHeaders[':status'], '200');
      assert.equal(r.respHeaders['content-type'], 'application/grpc');
      assert.equal(r.respTrailers['grpc-status'], '0');
      assert.deepEqual([r.respMessages, r.respBytes], [1, 5 + 2], 'HealthCheckResponse{status: SERVING} is 2 bytes after the 5-byte prefix');
    }
    for (const r of notFound) {
      assert.equal(r.method, CHECK);
      assert.equal(r.respTrailers['grpc-status'], '5');
      assert.equal(r.grpcMessage, 'unknown service');
      assert.deepEqual([r.respMessages, r.respBytes], [0, 0]);
    }
    for (const r of watch) {
      const label = JSON.stringify(r);
      assert.equal(r.status, 1, `the cancelled stream ends CANCELLED: ${label}`);
      assert.equal(r.rstCode, 8, 'RST_STREAM CANCEL');
      assert.deepEqual(r.respTrailers, {}, 'no trailers: the stream was reset');
      assert.equal(r.respHeaders[':status'], '200');
      assert.deepEqual([r.respMessages, r.respBytes], [1, 7], 'the one SERVING update Watch sent before the cancel');
      assert.ok(r.reqHeaders['grpc-timeout'], 'the client set a deadline');
    }
    // Each client run is one connection; the 200 concurrent calls share theirs (200 distinct stream ids: byKey above).
    for (const role of ['server', 'client']) {
      const rs = s.records.filter((r) => r.role === role);
      const conns = new Map<string, number>();
      for (const r of rs) conns.set(role === 'server' ? r.remote! : r.local!, (conns.get(role === 'server' ? r.remote! : r.local!) ?? 0) + 1);
      assert.deepEqual([...conns.values()].sort((a, b) => a - b), [1, 2, 5, 200], `${role}: calls per connection`);
    }
    const got = s.records.map(shape).sort();
    if (variant === '') shapes.set(tls, got);
    else {
      if (!shapes.has(tls)) await traceRun(t, '', tls); // run alone (--test-name-pattern): trace the unstripped build first
      const want = shapes.get(tls);
      assert.ok(want, 'the unstripped run of the same mode gave records');
      assert.deepEqual(got, want, 'the stripped build traces exactly like the unstripped one');
    }
  } finally {
    server.kill();
  }
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
}

test('grpc-go server and client, cleartext: every call once per side, both sides agree; NOT_FOUND, cancelled Watch, 200 concurrent', (t) => traceRun(t, '', false));
test('grpc-go server and client, TLS through grpc\'s credentials wrapper: the same', (t) => traceRun(t, '', true));
test('stripped grpc fixture (no DWARF, no module versions), cleartext: grpc 1.33.3 from its user agent, records identical to the unstripped build', (t) => traceRun(t, '-stripped', false));
test('stripped grpc fixture, TLS: records identical to the unstripped build', (t) => traceRun(t, '-stripped', true));

test('a client deadline: the client reports 4 DEADLINE_EXCEEDED as the caller saw it, though its reset says CANCEL; plain and stripped', async (t) => {
  if (!requireBpf(t)) return;
  const plain = join(dir, 'grpc-deadline'), stripped = join(dir, 'grpc-deadline-stripped');
  copyFileSync(requireBinary(fixture('grpc', '')), plain);
  copyFileSync(requireBinary(fixture('grpc', '-stripped')), stripped);
  const { server, addr } = await startListening(plain, ['-mode', 'server'], { cwd: ROOT });
  try {
    const g = startRun<Grpc>('grpc', ['--exe', plain, '--exe', stripped]);
    await g.attached;
    const seen = [{}, {}] as Record<string, number>[];
    assert.deepEqual(await client(plain, addr, false, 'deadline', 1, 1, [], seen[0]), { ok: 0, failed: 1 });
    assert.deepEqual(await client(stripped, addr, false, 'deadline', 1, 1, [], seen[1]), { ok: 0, failed: 1 });
    assert.deepEqual(seen, [{ DeadlineExceeded: 1 }, { DeadlineExceeded: 1 }], 'the oracle: the status each client saw');
    await new Promise((r) => setTimeout(r, 500));
    const s = await g.stop();
    assert.equal(s.code, 0, s.stderr);
    const clients = s.records.filter((r) => r.role === 'client'), servers = s.records.filter((r) => r.role === 'server');
    assert.deepEqual(clients.map((r) => r.exe).sort(), [plain, stripped].sort(), 'one client record per client');
    for (const r of clients) {
      const label = JSON.stringify(r);
      assert.equal(r.method, WATCH, label);
      assert.equal(r.status, 4, `DEADLINE_EXCEEDED, as the client saw it: ${label}`);
      assert.equal(r.rstCode, 8, `its RST_STREAM said CANCEL: ${label}`);
      assert.equal(r.error, undefined, label);
      assert.deepEqual([r.respMessages, r.respBytes], [1, 7], 'the one SERVING update before the deadline');
    }
    // The server's side ends CANCELLED either way: by the client's RST_STREAM, or by its own copy of the deadline (Watch returns Canceled).
    assert.equal(servers.length, 2, JSON.stringify(servers));
    for (const r of servers) assert.equal(r.status, 1, JSON.stringify(r));
  } finally {
    server.kill();
  }
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
});

test('--format pretty: a Watch held open shows in progress on the status line (both sides), then one line per side when cancelled', async (t) => {
  if (!requireBpf(t)) return;
  const path = join(dir, 'grpc-pretty');
  copyFileSync(requireBinary(fixture('grpc', '')), path);
  const { server, addr } = await startListening(path, ['-mode', 'server'], { cwd: ROOT });
  try {
    const g = spawn(process.execPath, [CLI, 'run', '--rules', join(ROOT, 'rules'), '--format', 'pretty', '--exe', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    g.stdout!.on('data', (d) => { out += d; });
    try {
      await new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`never attached: ${err}`)), 30_000);
        g.stderr!.on('data', (d) => { err += d; if (/"msg":"attached"/.test(err)) { clearTimeout(timer); res(); } });
      });
      const held = client(path, addr, false, 'watch', 1, 1, ['-hold', '3s']);
      const seen = await new Promise<string>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no in-progress status: ${out}`)), 10_000);
        const poll = setInterval(() => {
          const line = out.split(/[\r\n]/).find((l) => /in progress: .*grpc server \/grpc\.health\.v1\.Health\/Watch/.test(l) && /grpc client \/grpc\.health\.v1\.Health\/Watch/.test(l));
          if (line) { clearInterval(poll); clearTimeout(timer); res(line); }
        }, 100);
      });
      assert.match(seen, /1 responses/, 'the SERVING update was counted while the stream was open');
      const before = out.split('\n').filter((l) => /grpc .*method=\/grpc\.health\.v1\.Health\/Watch/.test(l));
      assert.deepEqual(before, [], 'no record before the stream ends');
      assert.deepEqual(await held, { ok: 1, failed: 0 });
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      g.kill('SIGINT');
      await new Promise((r) => g.on('close', r));
    }
    const lines = out.split(/\r?\n/).map((l) => l.replace(/^.*\r(\x1b\[2K)?/, '')).filter((l) => /grpc .*method=\/grpc\.health\.v1\.Health\/Watch/.test(l));
    assert.equal(lines.length, 2, out);
    for (const role of ['server', 'client']) assert.equal(lines.filter((l) => l.includes(`role=${role}`) && l.includes('status=1 ')).length, 1, lines.join('\n'));
  } finally {
    server.kill();
  }
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
});

test('a program that only dials (no server side linked) is traced as a client; the server agrees', async (t) => {
  if (!requireBpf(t)) return;
  const path = join(dir, 'grpc-server'), only = join(dir, 'grpc-clientonly');
  copyFileSync(requireBinary(fixture('grpc', '')), path);
  copyFileSync(buildClientOnly(), only);
  const { server, addr } = await startListening(path, ['-mode', 'server'], { cwd: ROOT });
  try {
    const g = startRun<Grpc>('grpc', ['--exe', path, '--exe', only]);
    await g.attached;
    const p = spawn(only, [addr, '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout!.on('data', (d) => { out += d; });
    assert.equal(await new Promise((r) => p.on('close', r)), 0);
    assert.match(out, /done ok=3/);
    await new Promise((r) => setTimeout(r, 500));
    const s = await g.stop();
    assert.equal(s.code, 0, s.stderr);
    const cl = s.records.filter((r) => r.role === 'client'), sv = s.records.filter((r) => r.role === 'server');
    assert.deepEqual([cl.length, sv.length], [3, 3], JSON.stringify(s.records));
    assert.deepEqual(cl.map((r) => [r.method, r.status, r.streamId, r.reqHeaders['x-fixture'], r.respMessages, r.error]),
      sv.map((r) => [r.method, r.status, r.streamId, r.reqHeaders['x-fixture'], r.respMessages, r.error]));
    assert.ok(cl.every((r) => r.pid === p.pid && r.method === CHECK && r.status === 0 && r.remote === addr));
  } finally {
    server.kill();
  }
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
});

test('a request message split over three DATA frames counts once, with all its bytes, on both sides', async (t) => {
  if (!requireBpf(t)) return;
  const path = join(dir, 'grpc-big');
  copyFileSync(requireBinary(fixture('grpc', '')), path);
  const { server, addr } = await startListening(path, ['-mode', 'server'], { cwd: ROOT });
  try {
    const g = startRun<Grpc>('grpc', ['--exe', path]);
    await g.attached;
    assert.deepEqual(await client(path, addr, false, 'big', 2, 1), { ok: 0, failed: 2 }, 'an unknown (40,000-byte) service name: NOT_FOUND');
    await new Promise((r) => setTimeout(r, 500));
    const s = await g.stop();
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.records.length, 4, JSON.stringify(s.records));
    for (const r of s.records) {
      // 5-byte prefix, then field 1: tag 0x0a, length 40000 as a 3-byte varint, the 40,000 bytes
      assert.deepEqual([r.status, r.reqMessages, r.reqBytes, r.respMessages, r.error], [5, 1, 5 + 1 + 3 + 40000, 0, undefined], JSON.stringify(r));
    }
  } finally {
    server.kill();
  }
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
});
