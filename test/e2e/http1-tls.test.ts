// http1-tls end to end: the https fixture (Go 1.19 net/http over crypto/tls)
// traced with the shipped rules, driven by curl and by the fixture's own Go
// client. Oracles: what curl and the Go client got back (the traced programs
// must keep working), the server's handlers, and, for Go to Go, the TCP
// sequence numbers both ends must agree on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { requireBpf, ourLinks, uprobeEvents } from '../support/bpf';
import { ROOT, fixture, requireBinary } from '../support/binaries';

const CLI = join(ROOT, 'dist', 'core', 'cli', 'main.js');
const RULES = join(ROOT, 'rules');

interface Http1 {
  type: 'http1'; role: 'server' | 'client'; method: string; path: string; status: number | null;
  reqHeaders: Record<string, string>; respHeaders: Record<string, string>; reqBodySize: number; respBodySize: number;
  fd: number; local: string | null; remote: string | null; reqTcpSeq: number | null; respTcpSeq: number | null;
  pid: number; goid: number | null; tls: boolean; error?: string;
}

/** gotrace run in the background; stop() sends SIGINT and returns its records and exit code. */
function gotrace(args: string[]): { proc: ChildProcess; attached: Promise<void>; stop: () => Promise<{ code: number | null; records: Http1[]; other: string[]; stderr: string }> } {
  const proc = spawn(process.execPath, [CLI, 'run', '--rules', RULES, '--format', 'json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stdout!.on('data', (d) => { out += d; });
  const attached = new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`gotrace never attached: ${err}`)), 30_000);
    proc.stderr!.on('data', (d) => {
      err += d;
      if (/"msg":"attached"/.test(err)) { clearTimeout(timer); res(); }
    });
  });
  // 'close', not 'exit': stdout is read to its end before the records are parsed.
  const exited = new Promise<number | null>((res) => proc.on('close', (c) => res(c)));
  const result = async (): Promise<{ code: number | null; records: Http1[]; other: string[]; stderr: string }> => {
    const code = await exited;
    const lines = out.split('\n').filter((l) => l.trim());
    return { code, records: lines.filter((l) => l.startsWith('{"type":"http1"')).map((l) => JSON.parse(l) as Http1), other: lines.filter((l) => !l.startsWith('{')), stderr: err };
  };
  return { proc, attached, stop: async () => { proc.kill('SIGINT'); return result(); } };
}

async function startServer(path: string): Promise<{ server: ChildProcess; addr: string }> {
  const server = spawn(path, ['-mode', 'server'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const addr = await new Promise<string>((res, rej) => {
    let buf = '';
    server.stdout!.on('data', (d) => {
      buf += d;
      const m = /listening (\S+)/.exec(buf);
      if (m) res(m[1]!);
    });
    server.on('exit', () => rej(new Error('server exited')));
  });
  return { server, addr };
}

function curl(args: string[]): { body: string; code: string } {
  const r = spawnSync('curl', ['-sk', '-w', '\n%{http_code}', ...args], { encoding: 'utf8', timeout: 30_000 });
  const i = r.stdout.lastIndexOf('\n');
  return { body: r.stdout.slice(0, i), code: r.stdout.slice(i + 1) };
}

function assertNothingAttached(): void {
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
}

/** The two curl exchanges, exactly once each, as the server saw them. */
function checkCurlExchanges(server: Http1[], label: string, fdKnown: boolean): void {
  const hello = server.filter((r) => r.path === '/hello' && r.reqHeaders['x-name'] === 'curly');
  const echo = server.filter((r) => r.path === '/echo');
  assert.equal(hello.length, 1, `${label}: GET /hello once`);
  assert.equal(echo.length, 1, `${label}: POST /echo once`);
  const h = hello[0]!, e = echo[0]!;
  assert.equal(h.method, 'GET');
  assert.equal(h.status, 200);
  assert.match(h.reqHeaders['user-agent'] ?? '', /^curl\//);
  assert.equal(h.respHeaders['x-fixture'], 'https');
  assert.equal(h.respHeaders['content-length'], String('hello curly'.length));
  assert.equal(h.respBodySize, 'hello curly'.length);
  assert.equal(e.method, 'POST');
  assert.equal(e.status, 200);
  assert.equal(e.reqHeaders['content-length'], '9');
  assert.equal(e.respHeaders['content-type'], 'application/octet-stream');
  assert.equal(e.reqBodySize, 9);
  assert.equal(e.respBodySize, 9);
  for (const r of [h, e]) {
    assert.equal(r.role, 'server');
    assert.equal(r.tls, true);
    assert.equal(r.error, undefined);
    if (fdKnown) {
      assert.ok(r.fd > 2, `${label}: a real fd`);
      assert.match(r.local ?? '', /^127\.0\.0\.1:\d+$/);
      assert.match(r.remote ?? '', /^127\.0\.0\.1:\d+$/);
      assert.notEqual(r.reqTcpSeq, null, `${label}: read seq known`);
      assert.notEqual(r.respTcpSeq, null, `${label}: write seq known`);
    } else {
      // No .symtab: the *net.TCPConn itab is unknown, so no fd rather than a wrong one.
      assert.equal(r.fd, -1, label);
      assert.equal(r.local, null);
      assert.equal(r.reqTcpSeq, null);
    }
  }
}

test('server and Go client exchanges over TLS are reported exactly once per side, with matching TCP seqs', async (t) => {
  if (!requireBpf(t)) return;
  const bin = requireBinary(fixture('https'));
  const { server, addr } = await startServer(bin);
  try {
    const srv = gotrace(['--pid', String(server.pid)]);
    await srv.attached;
    assert.deepEqual(curl(['-H', 'X-Name: curly', `https://${addr}/hello`]), { body: 'hello curly', code: '200' });
    assert.deepEqual(curl(['-X', 'POST', '--data', 'ping-body', `https://${addr}/echo`]), { body: 'ping-body', code: '200' });
    // The Go client, traced from its first instruction (gotrace holds it until the probes are live).
    // The same file as the server, which the first session has probed: the second session must read
    // the file itself, not the breakpoints the kernel writes into private mappings of it.
    const cli = gotrace(['--', bin, '-mode', 'client', '-url', `https://${addr}/hello`, '-n', '20', '-c', '1']);
    const c = await new Promise<Awaited<ReturnType<typeof cli.stop>>>((res) => cli.proc.on('close', () => res(cli.stop())));
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(c.other, ['ok 20'], 'the traced client got all its responses');
    await new Promise((r) => setTimeout(r, 300)); // the server's last chunks reach its ring
    const s = await srv.stop();
    assert.equal(s.code, 0, s.stderr);

    checkCurlExchanges(s.records, 'https', true);
    const srvGo = s.records.filter((r) => r.reqHeaders['x-name'] === 'gotrace');
    assert.equal(s.records.length, 22, 'nothing else, nothing twice');
    assert.equal(srvGo.length, 20);
    assert.equal(c.records.length, 20);
    for (const r of [...srvGo, ...c.records]) {
      assert.deepEqual([r.method, r.path, r.status, r.respHeaders['x-fixture'], r.respBodySize], ['GET', '/hello', 200, 'https', 'hello gotrace'.length]);
      assert.equal(r.reqHeaders['user-agent'], 'Go-http-client/1.1');
      assert.equal(r.reqHeaders['x-name'], 'gotrace');
    }
    assert.ok(c.records.every((r) => r.role === 'client'));
    // Keep-alive with -c 1: one connection, seen as the same endpoints from both ends.
    assert.equal(new Set(srvGo.map((r) => `${r.local}|${r.remote}`)).size, 1);
    assert.equal(new Set(c.records.map((r) => `${r.remote}|${r.local}`)).size, 1);
    assert.equal(`${c.records[0]!.remote}|${c.records[0]!.local}`, `${srvGo[0]!.local}|${srvGo[0]!.remote}`);
    // The same bytes on the wire: the client's request write is the server's request read, and back.
    const seqs = (rs: Http1[], k: 'reqTcpSeq' | 'respTcpSeq'): (number | null)[] => rs.map((r) => r[k]);
    assert.ok(seqs(c.records, 'reqTcpSeq').every((x) => x !== null));
    assert.deepEqual(seqs(srvGo, 'reqTcpSeq'), seqs(c.records, 'reqTcpSeq'), 'request seqs match');
    assert.deepEqual(seqs(srvGo, 'respTcpSeq'), seqs(c.records, 'respTcpSeq'), 'response seqs match');
  } finally {
    server.kill();
  }
  assertNothingAttached();
});

for (const variant of ['-pie', '-stripped'] as const) {
  test(`curl exchanges on the https${variant} server`, async (t) => {
    if (!requireBpf(t)) return;
    const { server, addr } = await startServer(requireBinary(fixture('https', variant)));
    try {
      const srv = gotrace(['--pid', String(server.pid)]);
      await srv.attached;
      assert.deepEqual(curl(['-H', 'X-Name: curly', `https://${addr}/hello`]), { body: 'hello curly', code: '200' });
      assert.deepEqual(curl(['-X', 'POST', '--data', 'ping-body', `https://${addr}/echo`]), { body: 'ping-body', code: '200' });
      await new Promise((r) => setTimeout(r, 300));
      const s = await srv.stop();
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.records.length, 2, JSON.stringify(s.records));
      checkCurlExchanges(s.records, `https${variant}`, variant === '-pie');
    } finally {
      server.kill();
    }
    assertNothingAttached();
  });
}
