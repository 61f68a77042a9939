// http1-tls end to end: the https fixture (Go 1.19 net/http over crypto/tls)
// traced with the shipped rules, driven by curl and by the fixture's own Go
// client. Oracles: what curl and the Go client got back (the traced programs
// must keep working), the server's handlers, and, for Go to Go, the TCP
// sequence numbers both ends must agree on.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBpf, ourLinks, uprobeEvents } from '../support/bpf';
import { freePort, startListening, startRun, stopRuns, waitForPort, type RunningGotrace, type RunResult } from '../support/gotrace-run';
import { ROOT, fixture, realBinary, requireBinary } from '../support/binaries';


interface Http1 {
  type: 'http1'; role: 'server' | 'client'; method: string; path: string; status: number | null;
  reqHeaders: Record<string, string>; respHeaders: Record<string, string>; reqBodySize: number; respBodySize: number;
  fd: number; local: string | null; remote: string | null; reqTcpSeq: number | null; respTcpSeq: number | null;
  pid: number; goid: number | null; tls: boolean; error?: string;
  reqBody?: string; respBody?: string; truncated?: { req?: boolean; resp?: boolean }; bodySizeAtLeast?: { req?: boolean; resp?: boolean };
}

afterEach(stopRuns);
const gotrace = (args: string[]): RunningGotrace<Http1> => startRun<Http1>('http1', args);

/** Runs a traced command (gotrace holds it until the probes are live) to its end. */
function traceCommand(cmd: string[]): Promise<Awaited<ReturnType<ReturnType<typeof gotrace>['stop']>>> {
  const cli = gotrace(['--', ...cmd]);
  return new Promise((res) => cli.proc.on('close', () => res(cli.stop())));
}

const startServer = (path: string, args: string[] = ['-mode', 'server']): ReturnType<typeof startListening> => startListening(path, args);

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
function checkCurlExchanges(server: Http1[], label: string, addr: string): void {
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
    assert.ok(r.fd > 2, `${label}: a real fd`);
    assert.equal(r.local, addr, `${label}: the server's end`);
    assert.match(r.remote ?? '', /^127\.0\.0\.1:\d+$/);
    assert.notEqual(r.reqTcpSeq, null, `${label}: read seq known`);
    assert.notEqual(r.respTcpSeq, null, `${label}: write seq known`);
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

    checkCurlExchanges(s.records, 'https', addr);
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
      checkCurlExchanges(s.records, `https${variant}`, addr); // stripped too: the itab comes from itablinks
    } finally {
      server.kill();
    }
    assertNothingAttached();
  });
}

test('--max-body 64: a POST body is captured and cut at 64 bytes; /big: 1 MiB chunked, sized exactly, marked truncated', async (t) => {
  if (!requireBpf(t)) return;
  const { server, addr } = await startServer(requireBinary(fixture('https')));
  try {
    const srv = gotrace(['--max-body', '64', '--pid', String(server.pid)]);
    await srv.attached;
    const body = Array.from({ length: 10 }, (_, i) => `line-${i}-abc`).join(''); // 100 bytes
    assert.equal(body.length, 100);
    assert.deepEqual(curl(['-X', 'POST', '--data', body, `https://${addr}/echo`]), { body, code: '200' });
    const big = spawnSync('curl', ['-sk', '--http1.1', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `https://${addr}/big`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(big.stdout, '200 1048576');
    await new Promise((r) => setTimeout(r, 300));
    const s = await srv.stop();
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.records.length, 2, JSON.stringify(s.records.map((r) => r.path)));
    const e = s.records.find((r) => r.path === '/echo')!, b = s.records.find((r) => r.path === '/big')!;
    assert.deepEqual([e.method, e.status, e.reqBodySize, e.respBodySize], ['POST', 200, 100, 100]);
    assert.equal(e.reqBody, body.slice(0, 64));
    assert.equal(e.respBody, body.slice(0, 64));
    assert.equal(e.truncated, undefined, 'every byte was captured; --max-body only limits what is kept');
    assert.deepEqual([b.method, b.status, b.respHeaders['transfer-encoding'], b.respBodySize], ['GET', 200, 'chunked', 1048576]);
    assert.equal(b.bodySizeAtLeast, undefined, 'the chunk framing was followed to the end');
    assert.equal(b.truncated?.resp, true, 'BPF keeps 16 KiB of each 64 KiB write');
    assert.equal(b.respBody, '0123456789abcdef'.repeat(4), 'the first 64 bytes were captured');
    assert.equal(b.error, undefined);
  } finally {
    server.kill();
  }
  assertNothingAttached();
});

test('a response the connection close delimits (HTTP/1.0, no length) is reported when the server closes, while tracing goes on', async (t) => {
  if (!requireBpf(t)) return;
  const { server, addr } = await startServer(requireBinary(fixture('https')));
  try {
    const srv = gotrace(['--pid', String(server.pid)]);
    await srv.attached;
    // HTTP/1.0 cannot be chunked: net/http ends the body by closing (curl's view: no length, 1 MiB read to EOF).
    const big = spawnSync('curl', ['-sk', '--http1.0', '--no-alpn', '-D', '-', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `https://${addr}/big`],
      { encoding: 'utf8', timeout: 30_000 });
    assert.match(big.stdout, /^HTTP\/1\.0 200/);
    assert.doesNotMatch(big.stdout, /content-length|transfer-encoding/i);
    assert.match(big.stdout, /200 1048576$/);
    // Before internal/poll.(*FD).Close was probed this record waited for the fd's reuse or the end of tracing.
    let rec: Http1 | undefined;
    for (let i = 0; i < 50 && !rec; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rec = srv.soFar().find((r) => r.path === '/big');
    }
    assert.ok(rec, 'the /big record came while gotrace was still tracing');
    assert.deepEqual([rec.method, rec.status, rec.respBodySize, rec.error], ['GET', 200, 1048576, undefined]);
    const s = await srv.stop();
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.records.filter((r) => r.path === '/big').length, 1, 'reported once');
  } finally {
    server.kill();
  }
  assertNothingAttached();
});

test('200 requests from 50 concurrent Go clients: 200 records on each side, every request seq matched', async (t) => {
  if (!requireBpf(t)) return;
  const bin = requireBinary(fixture('https'));
  const { server, addr } = await startServer(bin);
  try {
    const srv = gotrace(['--pid', String(server.pid)]);
    await srv.attached;
    const c = await traceCommand([bin, '-mode', 'client', '-url', `https://${addr}/hello`, '-n', '200', '-c', '50']);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(c.other, ['ok 200']);
    await new Promise((r) => setTimeout(r, 500));
    const s = await srv.stop();
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.records.length, 200, 'server records');
    assert.equal(c.records.length, 200, 'client records');
    for (const r of [...s.records, ...c.records]) {
      assert.deepEqual([r.method, r.path, r.status, r.respBodySize, r.error], ['GET', '/hello', 200, 'hello gotrace'.length, undefined]);
      assert.notEqual(r.reqTcpSeq, null);
      assert.notEqual(r.respTcpSeq, null);
    }
    // One wire, two views: (server local, server remote, seqs) = (client remote, client local, seqs).
    const srvKeys = s.records.map((r) => `${r.local}|${r.remote}|${r.reqTcpSeq}|${r.respTcpSeq}`).sort();
    const cliKeys = c.records.map((r) => `${r.remote}|${r.local}|${r.reqTcpSeq}|${r.respTcpSeq}`).sort();
    assert.equal(new Set(srvKeys).size, 200, 'no two exchanges share a request seq');
    assert.deepEqual(srvKeys, cliKeys, 'request and response seqs match');
    assert.ok(new Set(c.records.map((r) => r.local)).size > 1, 'several connections were used');
  } finally {
    server.kill();
  }
  assertNothingAttached();
});

/** A self-signed cert and key for localhost in a temp dir (removed by the caller). */
function selfSigned(): { dir: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gotrace-cert-'));
  const cert = join(dir, 'cert.pem'), key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { dir, cert, key };
}

test('a non-Go HTTPS peer (python http.server behind ssl): the traced Go client reports each request once', async (t) => {
  if (!requireBpf(t)) return;
  const bin = requireBinary(fixture('https'));
  const { dir, cert, key } = selfSigned();
  const { server, addr } = await startServer('python3', [join(ROOT, 'test', 'fixtures', 'pyssl', 'server.py'), cert, key]);
  try {
    const c = await traceCommand([bin, '-mode', 'client', '-url', `https://${addr}/`, '-n', '5', '-c', '1']);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(c.other, ['ok 5']);
    assert.equal(c.records.length, 5, JSON.stringify(c.records));
    for (const r of c.records) {
      assert.deepEqual([r.role, r.tls, r.method, r.path, r.status, r.error], ['client', true, 'GET', '/', 200, undefined]);
      assert.equal(r.respHeaders['server']?.startsWith('BaseHTTP/'), true);
      assert.equal(r.respBodySize, 'hello python'.length);
      assert.equal(r.remote, addr);
    }
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  assertNothingAttached();
});

test('esbuild (Go 1.26, stripped) serving HTTPS: curl exchanges with method, path, status and the right connection', async (t) => {
  if (!requireBpf(t)) return;
  const bin = requireBinary(realBinary(26));
  const { dir, cert, key } = selfSigned();
  const www = join(dir, 'www');
  execFileSync('mkdir', [www]);
  const content = 'served over TLS by esbuild\n';
  writeFileSync(join(www, 'page.txt'), content);
  const port = await freePort();
  const server = spawn(bin, [`--serve=127.0.0.1:${port}`, `--servedir=${www}`, `--certfile=${cert}`, `--keyfile=${key}`], { stdio: ['pipe', 'ignore', 'ignore'] }); // esbuild stops serving when stdin closes
  try {
    await waitForPort(server, port, "esbuild");
    const srv = gotrace(['--pid', String(server.pid)]);
    await srv.attached;
    // HTTP/1.1 explicitly: Go's server offers h2 over ALPN, which is the http2 plugin's.
    const get = (path: string): { body: string; code: string; port: string } => {
      const r = spawnSync('curl', ['-sk', '--http1.1', '-w', '\n%{http_code} %{local_port}', `https://127.0.0.1:${port}${path}`], { encoding: 'utf8', timeout: 30_000 });
      const i = r.stdout.lastIndexOf('\n');
      const [code, localPort] = r.stdout.slice(i + 1).split(' ');
      return { body: r.stdout.slice(0, i), code: code!, port: localPort! };
    };
    const ok = get('/page.txt'), missing = get('/missing.txt');
    assert.deepEqual([ok.body, ok.code, missing.code], [content, '200', '404']);
    await new Promise((r) => setTimeout(r, 300));
    const s = await srv.stop();
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.records.length, 2, JSON.stringify(s.records));
    for (const [path, status, c] of [['/page.txt', 200, ok], ['/missing.txt', 404, missing]] as const) {
      const r = s.records.find((x) => x.path === path);
      assert.ok(r, path);
      assert.deepEqual([r.role, r.tls, r.method, r.status, r.error], ['server', true, 'GET', status, undefined]);
      assert.equal(r.respBodySize, c.body.length);
      assert.match(r.reqHeaders['user-agent'] ?? '', /^curl\//);
      // The *net.TCPConn itab comes from itablinks (no .symtab): the fd, and the socket behind it, are known.
      assert.ok(r.fd > 2, 'a real fd');
      assert.equal(r.local, `127.0.0.1:${port}`);
      assert.equal(r.remote, `127.0.0.1:${c.port}`, 'the connection curl used');
      assert.notEqual(r.reqTcpSeq, null);
    }
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  assertNothingAttached();
});

test('--redact adds header names to the redacted ones, --no-redact reports every value', async (t) => {
  if (!requireBpf(t)) return;
  const { server, addr } = await startServer(requireBinary(fixture('https')));
  try {
    for (const [flags, want] of [[['--redact', 'X-Name'], { 'x-name': '[redacted]', authorization: '[redacted]' }], [['--no-redact'], { 'x-name': 'curly', authorization: 'Bearer secret' }]] as const) {
      const srv = gotrace(['--pid', String(server.pid), ...flags]);
      await srv.attached;
      curl(['-H', 'X-Name: curly', '-H', 'Authorization: Bearer secret', `https://${addr}/hello`]);
      await new Promise((r) => setTimeout(r, 300));
      const s = await srv.stop();
      assert.equal(s.records.length, 1, s.stderr);
      assert.equal(s.records[0]!.reqHeaders['x-name'], want['x-name'], flags.join(' '));
      assert.equal(s.records[0]!.reqHeaders.authorization, want.authorization, flags.join(' '));
    }
  } finally {
    server.kill();
  }
});
