// http2 end to end: the http2 fixture (Go 1.19) as a net/http TLS server with
// its bundled http2, traced with the shipped rules and driven by curl: single
// requests, then 20 concurrent streams on one connection. Oracles: what curl
// got back and the fixture's handler (X-Fixture, "hello NAME over HTTP/2.0").
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { requireBpf, ourLinks, uprobeEvents } from '../support/bpf';
import { startListening, startRun, stopRuns, type RunningGotrace, type RunResult } from '../support/gotrace-run';
import { ROOT, fixture, requireBinary } from '../support/binaries';


interface Http2 {
  type: 'http2'; role: string; tls: boolean | null; method: string; path: string; authority: string; scheme: string; status: number | null; streamId: number;
  reqHeaders: Record<string, string>; respHeaders: Record<string, string>; reqBodySize: number; respBodySize: number; latencyNs: number | null;
  fd: number | null; local: string | null; remote: string | null; pid: number; goid: number | null; error?: string;
}

const gotrace = (args: string[]): RunningGotrace<Http2> => startRun<Http2>('http2', args);
const startServer = (path: string, mode: string): ReturnType<typeof startListening> => startListening(path, ['-mode', mode]);
afterEach(stopRuns);

function curl(args: string[]): string {
  const r = spawnSync('curl', ['-sS', ...args], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function checkHello(r: Http2, name: string, label: string): void {
  assert.equal(r.role, 'server', label);
  assert.equal(r.method, 'GET', label);
  assert.equal(r.path, '/hello', label);
  assert.equal(r.status, 200, label);
  assert.equal(r.error, undefined, label);
  assert.equal(r.reqHeaders[':method'], 'GET');
  assert.equal(r.reqHeaders['x-name'], name, label);
  assert.equal(r.respHeaders[':status'], '200', label);
  assert.equal(r.respHeaders['x-fixture'], 'http2', label);
  assert.equal(r.respBodySize, `hello ${name} over HTTP/2.0`.length, label);
  assert.ok(r.latencyNs !== null && r.latencyNs > 0, label);
}

test('bundled net/http h2 server: each stream once, with headers, status and sizes, 20 concurrent on one connection', async (t) => {
  if (!requireBpf(t)) return;
  const { server, addr } = await startServer(requireBinary(fixture('http2')), 'bundled');
  try {
    const g = gotrace(['--pid', String(server.pid)]);
    await g.attached;
    for (let i = 0; i < 3; i++) {
      assert.equal(curl(['--http2', '-k', '-H', 'X-Name: curly', '-H', 'Authorization: Bearer secret', `https://${addr}/hello`]), 'hello curly over HTTP/2.0');
    }
    // 20 streams multiplexed on one connection (--parallel-immediate would open one connection each).
    const urls = Array.from({ length: 20 }, () => `https://${addr}/hello`);
    const par = curl(['--http2', '-k', '-Z', '--parallel-max', '20', '-H', 'X-Name: para', ...urls]);
    assert.equal(par, 'hello para over HTTP/2.0'.repeat(20));
    await new Promise((r) => setTimeout(r, 300));
    const s = await g.stop();
    assert.equal(s.code, 0, s.stderr);

    const curly = s.records.filter((r) => r.reqHeaders['x-name'] === 'curly');
    const para = s.records.filter((r) => r.reqHeaders['x-name'] === 'para');
    assert.equal(s.records.length, 23, `nothing else, nothing twice: ${JSON.stringify(s.records.filter((r) => r.error))}`);
    assert.equal(curly.length, 3);
    assert.equal(para.length, 20);
    for (const r of curly) {
      checkHello(r, 'curly', 'curl');
      assert.equal(r.reqHeaders.authorization, '[redacted]');
      assert.match(r.reqHeaders['user-agent'] ?? '', /^curl\//);
      assert.equal(r.streamId, 1, 'a fresh connection per curl: stream 1');
    }
    for (const r of para) checkHello(r, 'para', 'parallel');
    for (const r of s.records) {
      assert.equal(r.tls, true);
      assert.equal(r.scheme, 'https');
      assert.equal(r.authority, addr);
      assert.ok(r.fd !== null && r.fd > 2, 'a real fd');
      assert.equal(r.local, addr);
      assert.match(r.remote ?? '', /^127\.0\.0\.1:\d+$/);
      assert.equal(r.pid, server.pid);
    }
    // One connection for the parallel ones: one remote, 20 distinct odd stream ids.
    assert.equal(new Set(para.map((r) => r.remote)).size, 1);
    const ids = new Set(para.map((r) => r.streamId));
    assert.equal(ids.size, 20);
    assert.ok([...ids].every((id) => id % 2 === 1));
  } finally {
    server.kill();
  }
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
});

// The other two generations of names and transports: the x/net server (golang.org/x/net/http2.(*serverConn)…)
// over TLS, and cleartext h2c; plus the stripped build of the bundled server (offsets from the Go 1.19 table).
for (const [label, mode, bin, scheme, curlFlags] of [
  ['x/net http2.ConfigureServer over TLS', 'xnet', fixture('http2'), 'https', ['--http2', '-k']],
  ['h2c (x/net h2c) with prior knowledge', 'h2c', fixture('http2'), 'http', ['--http2-prior-knowledge']],
  ['bundled server, stripped build', 'bundled', fixture('http2', '-stripped'), 'https', ['--http2', '-k']],
] as const) {
  test(`${label}: each stream once with headers and status`, async (t) => {
    if (!requireBpf(t)) return;
    const { server, addr } = await startServer(requireBinary(bin), mode);
    try {
      const g = gotrace(['--pid', String(server.pid)]);
      await g.attached;
      for (let i = 0; i < 2; i++) {
        assert.equal(curl([...curlFlags, '-H', 'X-Name: curly', `${scheme}://${addr}/hello`]), 'hello curly over HTTP/2.0');
      }
      await new Promise((r) => setTimeout(r, 300));
      const s = await g.stop();
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.records.length, 2, `nothing else, nothing twice: ${JSON.stringify(s.records)}`);
      for (const r of s.records) {
        checkHello(r, 'curly', label);
        assert.equal(r.tls, scheme === 'https' ? true : r.tls, label);
        assert.equal(r.pid, server.pid);
      }
    } finally {
      server.kill();
    }
  });
}
