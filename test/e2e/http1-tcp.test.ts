// http1-tls over plain TCP (rules/http1-tcp.yaml) end to end: esbuild built
// with Go 1.16 (stack ABI, stripped) serving plain HTTP, traced by pid and
// requested by curl; and the https fixture, whose TLS bytes also pass through
// internal/poll.(*FD) and must not come out as plain records. Oracles: what
// curl got back, the file served, and the connection curl reports.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBpf, ourLinks, uprobeEvents } from '../support/bpf';
import { freePort, startListening as startFixtureServer, startRun, stopRuns, waitForPort, type RunningGotrace, type RunResult } from '../support/gotrace-run';
import { ROOT, fixture, realBinary, requireBinary } from '../support/binaries';


interface Http1 {
  type: 'http1'; role: 'server' | 'client'; method: string; path: string; status: number | null;
  reqHeaders: Record<string, string>; respHeaders: Record<string, string>; reqBodySize: number; respBodySize: number;
  fd: number; local: string | null; remote: string | null; reqTcpSeq: number | null; respTcpSeq: number | null;
  pid: number; tls: boolean; error?: string;
}

type Stopped = RunResult<Http1>;
afterEach(stopRuns);
const gotrace = (args: string[]): RunningGotrace<Http1> => startRun<Http1>('http1', args);

/** Starts a server and waits until it answers on 127.0.0.1:port. */
async function startListening(cmd: string, args: string[], port: number): Promise<ChildProcess> {
  const p = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] }); // esbuild stops serving when stdin closes
  let err = '';
  p.stderr!.on('data', (d) => { err += d; });
  try {
    await waitForPort(p, port, cmd);
  } catch (e) {
    p.kill();
    throw new Error(`${(e as Error).message}: ${err}`);
  }
  return p;
}

/** curl's body, status and local port (the server's remote). */
function curl(args: string[]): { body: string; code: string; localPort: string } {
  const r = spawnSync('curl', ['-sk', '-w', '\n%{http_code} %{local_port}', ...args], { encoding: 'utf8', timeout: 30_000 });
  const i = r.stdout.lastIndexOf('\n');
  const [code, localPort] = r.stdout.slice(i + 1).split(' ');
  return { body: r.stdout.slice(0, i), code: code!, localPort: localPort! };
}

/**
 * How the BPF side classified pid's sockets (h1_socks: 1 plain, 2 TLS), read
 * while the session is live. Only plain ones are captured by the TCP programs.
 */
function socketKinds(pid: number): number[] {
  const maps = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8' })) as { id: number; name?: string }[];
  const kinds: number[] = [];
  for (const m of maps.filter((x) => x.name === 'h1_socks')) {
    const entries = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'id', String(m.id)], { encoding: 'utf8' })) as { formatted: { key: { pid: number }; value: number } }[];
    for (const e of entries) if (e.formatted.key.pid === pid) kinds.push(e.formatted.value);
  }
  return kinds;
}

function assertNothingAttached(): void {
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
}

test('esbuild (Go 1.16, stack ABI, stripped) serving plain HTTP: a file and a 404, tls false', async (t) => {
  if (!requireBpf(t)) return;
  const bin = requireBinary(realBinary(16));
  const dir = mkdtempSync(join(tmpdir(), 'gotrace-tcp-'));
  const content = 'plain bytes over tcp, served by esbuild\n';
  writeFileSync(join(dir, 'file.txt'), content);
  const port = await freePort();
  const server = await startListening(bin, [`--serve=127.0.0.1:${port}`, `--servedir=${dir}`], port);
  try {
    const g = gotrace(['--pid', String(server.pid)]);
    await g.attached;
    const ok = curl([`http://127.0.0.1:${port}/file.txt`]);
    assert.deepEqual([ok.body, ok.code], [content, '200']);
    const missing = curl([`http://127.0.0.1:${port}/missing.txt`]);
    assert.equal(missing.code, '404');
    // One entry per (fd, kernel socket): two connections give two, or one when the second
    // socket reused the first one's fd and freed memory. Either way every one is plain (1).
    const kinds = socketKinds(server.pid!);
    assert.ok(kinds.length >= 1 && kinds.length <= 2 && kinds.every((k) => k === 1), `plain connections: ${JSON.stringify(kinds)}`);
    await new Promise((r) => setTimeout(r, 300));
    const s = await g.stop();
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.records.length, 2, JSON.stringify(s.records));
    const [a, b] = [s.records.find((r) => r.path === '/file.txt'), s.records.find((r) => r.path === '/missing.txt')];
    assert.ok(a && b, JSON.stringify(s.records));
    assert.deepEqual([a.method, a.status, a.respHeaders['content-length'], a.respBodySize], ['GET', 200, String(content.length), content.length]);
    assert.deepEqual([b.method, b.status, b.respHeaders['content-length'], b.respBodySize], ['GET', 404, String(missing.body.length), missing.body.length]);
    for (const [r, c] of [[a, ok], [b, missing]] as const) {
      assert.equal(r.tls, false);
      assert.equal(r.role, 'server');
      assert.equal(r.error, undefined);
      assert.equal(r.pid, server.pid);
      assert.match(r.reqHeaders['user-agent'] ?? '', /^curl\//);
      assert.ok(r.fd > 2, 'a real fd');
      assert.equal(r.local, `127.0.0.1:${port}`);
      assert.equal(r.remote, `127.0.0.1:${c.localPort}`, 'the connection curl used');
      assert.notEqual(r.reqTcpSeq, null);
      assert.notEqual(r.respTcpSeq, null);
    }
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  assertNothingAttached();
});

test('TLS connections are not reported as plain TCP: the https fixture with curl and a traced Go client', async (t) => {
  if (!requireBpf(t)) return;
  const bin = requireBinary(fixture('https'));
  const { server, addr } = await startFixtureServer(bin, ['-mode', 'server']);
  try {
    const srv = gotrace(['--pid', String(server.pid)]);
    await srv.attached;
    assert.equal(curl(['-H', 'X-Name: curly', `https://${addr}/hello`]).code, '200');
    const cli = gotrace(['--', bin, '-mode', 'client', '-url', `https://${addr}/hello`, '-n', '4', '-c', '2']);
    const c = await cli.done();
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(c.other, ['ok 4'], c.stderr);
    // curl's and the client's (up to 2, keep-alive) connections: every one seen as TLS, none captured as plain.
    const kinds = socketKinds(server.pid!);
    assert.ok(kinds.length >= 2, `the server's sockets were classified: ${kinds}`);
    assert.ok(kinds.every((k) => k === 2), `all TLS: ${kinds}`);
    await new Promise((r) => setTimeout(r, 300));
    const s = await srv.stop();
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.records.length, 5, JSON.stringify(s.records));
    assert.equal(c.records.length, 4, JSON.stringify(c.records));
    for (const r of [...s.records, ...c.records]) {
      assert.equal(r.tls, true, `no plain record: ${JSON.stringify(r)}`);
      assert.equal(r.error, undefined);
      assert.deepEqual([r.method, r.path, r.status], ['GET', '/hello', 200]);
    }
  } finally {
    server.kill();
  }
  assertNothingAttached();
});
