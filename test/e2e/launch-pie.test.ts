// `gotrace run -- CMD` with a PIE client: the probes go live while the
// launcher's stub still holds the process, before CMD is mapped, so a PIE's
// load bias (which moves the itab addresses that identify *net.TCPConn and
// *tls.Conn) is unknown at attach time. The session attaches the process
// again right after the exec. Oracles: each client's own report of its
// requests, and the server's address: a record may lack an fd while the
// bias was unknown (the first milliseconds), but an fd it reports must lead
// to the server, and once the exec is seen every record has one.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { requireBpf, ourLinks, uprobeEvents } from '../support/bpf';
import { startListening, startRun, stopRuns } from '../support/gotrace-run';
import { ROOT, fixture, requireBinary } from '../support/binaries';

afterEach(stopRuns);

interface Rec { type: string; role: string; fd: number | null; remote: string | null; status: number | null; pid: number; error?: string }

const N = 200;
const CASES = [
  { label: 'http1-tls (https fixture)', type: 'http1', name: 'https', server: ['-mode', 'server'],
    client: (a: string) => ['-mode', 'client', '-url', `https://${a}/hello`, '-n', String(N), '-c', '1'], report: `ok ${N}` },
  { label: 'http2 (bundled, TLS)', type: 'http2', name: 'http2', server: ['-mode', 'bundled'],
    client: (a: string) => ['-mode', 'client', '-url', `https://${a}/hello`, '-n', String(N), '-c', '1'], report: `ok ${N} fail 0` },
  { label: 'grpc (insecure)', type: 'grpc', name: 'grpc', server: ['-mode', 'server'],
    client: (a: string) => ['-mode', 'client', '-addr', a, '-call', 'check', '-n', String(N), '-c', '1'], report: `done map[true:${N}]` },
] as const;

for (const c of CASES) {
  test(`${c.label}: a PIE client launched by gotrace run -- CMD is traced, and every fd it reports is the right one`, async (t) => {
    if (!requireBpf(t)) return;
    const { server, addr } = await startListening(requireBinary(fixture(c.name)), c.server, { cwd: ROOT });
    try {
      const g = startRun<Rec>(c.type, ['--', requireBinary(fixture(c.name, '-pie')), ...c.client(addr)]);
      const s = await g.done();
      assert.equal(s.code, 0, s.stderr);
      assert.ok(s.other.some((l) => l.includes(c.report)), `the client's own report: ${s.other.join(' | ')}`);
      assert.doesNotMatch(s.stderr, /ERR_BPF_ATTACH|re-attaching after exec failed/);
      const client = s.records.filter((r) => r.role === 'client');
      assert.equal(client.length, N, `every call once on the client side (${s.records.length} records)`);
      for (const r of client) {
        assert.equal(r.error, undefined, JSON.stringify(r));
        if (r.fd !== null && r.fd >= 0) assert.equal(r.remote, addr, `an fd leads to the server: ${JSON.stringify(r)}`);
      }
      const last = client[client.length - 1]!;
      assert.ok(last.fd !== null && last.fd > 2, `after the exec the PIE's itabs are placed: ${JSON.stringify(last)}`);
    } finally {
      server.kill();
    }
    assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
    assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
  });
}

/** Where a process's PIE executable is loaded: the lowest start of its mappings of `exe` (/proc/PID/maps). */
function loadBase(pid: number, exe: string): bigint {
  const starts = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => l.endsWith(exe)).map((l) => BigInt(`0x${l.split('-')[0]}`));
  assert.ok(starts.length, `pid ${pid} maps ${exe}`);
  return starts.reduce((a, b) => (b < a ? b : a));
}

/**
 * Clients that wait before their first request, so that both are attached
 * before it: gotrace takes 2-3 s to load every plugin's BPF object and
 * attach here, and more on a busy machine (a 3 s wait lost that race once
 * in CI, and the test saw no records at all).
 */
const CLIENT_WAIT_MS = 8000;
const TWO = [
  { label: 'grpc', type: 'grpc', name: 'grpc', status: 0, client: (a: string) => ['-mode', 'client', '-addr', a, '-call', 'check', '-n', '50', '-c', '1', '-wait', `${CLIENT_WAIT_MS}ms`] },
  { label: 'http1-tls', type: 'http1', name: 'https', status: 200, client: (a: string) => ['-mode', 'client', '-url', `https://${a}/hello`, '-n', '50', '-c', '1', '-wait', `${CLIENT_WAIT_MS}ms`] },
] as const;

for (const c of TWO) {
  test(`${c.label}: two PIE processes of one binary at once, loaded at different addresses, are each traced with their own itabs (one config in the binary's slot, the other in the per-pid map)`, async (t) => {
    if (!requireBpf(t)) return;
    const pie = requireBinary(fixture(c.name, '-pie'));
    const { server, addr } = await startListening(requireBinary(fixture(c.name)), ['-mode', 'server'], { cwd: ROOT });
    const clients: ChildProcess[] = [];
    try {
      const spawnedAt = Date.now();
      for (let i = 0; i < 2; i++) clients.push(spawn(pie, c.client(addr), { stdio: 'ignore' }));
      const pids = clients.map((p) => p.pid!);
      await new Promise((r) => setTimeout(r, 300)); // exec'd and mapped
      const [a, b] = pids.map((p) => loadBase(p, pie));
      assert.notEqual(a, b, 'ASLR loaded the two at different addresses: their configs differ');
      const g = startRun<Rec>(c.type, pids.flatMap((p) => ['--pid', String(p)]));
      await g.attached;
      const attachedAfter = Date.now() - spawnedAt;
      assert.ok(attachedAfter < CLIENT_WAIT_MS, `gotrace attached ${attachedAfter} ms after the clients started, after their first call: a machine too busy for this test`);
      await Promise.all(clients.map((p) => once(p, 'exit')));
      const s = await g.stop();
      assert.doesNotMatch(s.stderr, /ERR_BPF|ERR_PLUGIN/);
      for (const pid of pids) {
        const mine = s.records.filter((r) => r.role === 'client' && r.pid === pid);
        assert.equal(mine.length, 50, `every call of pid ${pid} once (${s.records.length} records)`);
        for (const r of mine) {
          assert.equal(r.status, c.status, JSON.stringify(r));
          assert.ok(r.fd !== null && r.fd > 2 && r.remote === addr, `its conn found through its own itabs: ${JSON.stringify(r)}`);
        }
      }
    } finally {
      for (const p of clients) p.kill();
      server.kill();
    }
    assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  });
}
