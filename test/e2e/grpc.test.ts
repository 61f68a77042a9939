// grpc end to end: the grpc fixture (Go 1.19, Debian grpc-go 1.33.3, GOPATH
// build) as a health server, traced with the shipped rules, driven by the
// fixture's own client: sequential Checks, NotFound Checks, then 50 Checks
// over 10 goroutines on one connection. Oracles: the client's report of how
// many calls succeeded, and the metadata it sends (x-fixture, authorization).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { requireBpf, ourLinks, uprobeEvents } from '../support/bpf';
import { startListening, startRun, stopRuns, type RunningGotrace, type RunResult } from '../support/gotrace-run';
import { ROOT, fixture, requireBinary } from '../support/binaries';

const CHECK = '/grpc.health.v1.Health/Check';

interface Grpc {
  type: 'grpc'; role: string; tls: boolean | null; method: string | null; authority: string | null; status: number | null; grpcMessage: string | null;
  streamId: number; reqHeaders: Record<string, string>; respHeaders: Record<string, string>; respTrailers: Record<string, string>;
  respMessages: number; reqBytes: number; respBytes: number; latencyNs: number | null; fd: number | null; local: string | null; remote: string | null;
  pid: number; goid: number | null; error?: string;
}

const gotrace = (args: string[]): RunningGotrace<Grpc> => startRun<Grpc>('grpc', args);
const startServer = (path: string, tls: boolean): ReturnType<typeof startListening> =>
  startListening(path, ['-mode', 'server', ...(tls ? ['-tls'] : [])], { cwd: ROOT });
afterEach(stopRuns);

function client(path: string, addr: string, tls: boolean, call: string, n: number, c: number): { ok: number; failed: number } {
  const r = spawnSync(path, ['-mode', 'client', '-addr', addr, ...(tls ? ['-tls'] : []), '-call', call, '-n', String(n), '-c', String(c)], { encoding: 'utf8', timeout: 60_000, cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  const m = /done map\[(.*)\]/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const get = (k: string) => Number(new RegExp(`${k}:(\\d+)`).exec(m[1]!)?.[1] ?? 0);
  return { ok: get('true'), failed: get('false') };
}

async function traceRun(t: import('node:test').TestContext, tls: boolean): Promise<void> {
  if (!requireBpf(t)) return;
  const path = requireBinary(fixture('grpc', ''));
  const { server, addr } = await startServer(path, tls);
  try {
    const g = gotrace(['--pid', String(server.pid)]);
    await g.attached;
    assert.deepEqual(client(path, addr, tls, 'check', 5, 1), { ok: 5, failed: 0 });
    assert.deepEqual(client(path, addr, tls, 'notfound', 2, 1), { ok: 0, failed: 2 });
    assert.deepEqual(client(path, addr, tls, 'check', 50, 10), { ok: 50, failed: 0 });
    await new Promise((r) => setTimeout(r, 300));
    const s = await g.stop();
    assert.equal(s.code, 0, s.stderr);

    const calls = s.records.filter((r) => r.reqHeaders['x-fixture'] === 'grpc');
    assert.equal(s.records.length, 57, `every call once, nothing else: ${JSON.stringify(s.records.filter((r) => r.error || r.status === null))}`);
    assert.equal(calls.length, 57);
    const ok = calls.filter((r) => r.status === 0), notFound = calls.filter((r) => r.status === 5);
    assert.equal(ok.length, 55);
    assert.equal(notFound.length, 2);
    for (const r of calls) {
      const label = JSON.stringify(r);
      assert.equal(r.role, 'server', label);
      assert.equal(r.method, CHECK, label);
      assert.equal(r.error, undefined, label);
      assert.equal(r.reqHeaders[':path'], CHECK, label);
      assert.equal(r.reqHeaders['content-type'], 'application/grpc', label);
      assert.equal(r.reqHeaders.authorization, '[redacted]', label);
      assert.equal(r.authority, addr, label);
      assert.ok(r.streamId % 2 === 1, label);
      assert.ok(r.latencyNs !== null && r.latencyNs > 0, label);
      assert.ok(r.reqBytes > 5, 'a length-prefixed request message');
      assert.equal(r.pid, server.pid);
      assert.equal(r.tls, tls, label);
      assert.ok(r.fd !== null && r.fd > 2, `a real fd: ${label}`);
      assert.equal(r.local, addr, label);
      assert.match(r.remote ?? '', /^127\.0\.0\.1:\d+$/, label);
    }
    for (const r of ok) {
      assert.equal(r.respHeaders[':status'], '200');
      assert.equal(r.respHeaders['content-type'], 'application/grpc');
      assert.equal(r.respTrailers['grpc-status'], '0');
      assert.equal(r.respMessages, 1);
      assert.equal(r.respBytes, 5 + 2, 'HealthCheckResponse{status: SERVING} is 2 bytes after the 5-byte prefix');
    }
    for (const r of notFound) {
      assert.equal(r.respTrailers['grpc-status'], '5');
      assert.equal(r.grpcMessage, 'unknown service');
      assert.equal(r.respMessages, 0);
    }
    // The concurrent calls share one connection: one remote, 50 distinct stream ids.
    const conc = calls.slice(7);
    assert.equal(new Set(conc.map((r) => r.remote)).size, 1);
    assert.equal(new Set(conc.map((r) => r.streamId)).size, 50);
  } finally {
    server.kill();
  }
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
}

test('grpc-go server, cleartext: every call once, method, status, metadata, redaction, 10 concurrent', (t) => traceRun(t, false));
test('grpc-go server, TLS: the same through grpc\'s credentials wrapper', (t) => traceRun(t, true));
