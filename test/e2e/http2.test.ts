// http2 end to end: the http2 fixture (Go 1.19) as a net/http TLS server with
// its bundled http2, traced with the shipped rules and driven by curl: single
// requests, then 20 concurrent streams on one connection. Oracles: what curl
// got back and the fixture's handler (X-Fixture, "hello NAME over HTTP/2.0").
// Then the fixture's Go client (bundled net/http over TLS, x/net over h2c)
// with both processes traced, each by its own session: every stream once per
// side, both sides agreeing; the client's own "ok N fail M" is the oracle for
// what completed.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { requireBpf, ourLinks, uprobeEvents } from '../support/bpf';
import { startListening, startRun, stopRuns, type RunningGotrace } from '../support/gotrace-run';
import { fixture, requireBinary, type TestBinary } from '../support/binaries';


interface Http2 {
  reqTcpSeq: number | null; respTcpSeq: number | null;
  type: 'http2'; role: string; tls: boolean | null; method: string; path: string; authority: string; scheme: string; status: number | null; streamId: number;
  reqHeaders: Record<string, string>; respHeaders: Record<string, string>; respTrailers: Record<string, string>; reqBodySize: number; respBodySize: number; latencyNs: number | null;
  fd: number | null; local: string | null; remote: string | null; pid: number; goid: number | null; ts: number; error?: string;
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
        assert.equal(r.tls, scheme === 'https', label);
        assert.equal(r.pid, server.pid);
        assert.equal(r.local, addr, label);
        assert.ok(r.fd !== null && r.fd > 2, label);
      }
    } finally {
      server.kill();
    }
  });
}

// ---- The Go client, traced together with the server ----

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fixture client under its own gotrace session (attached before its first instruction); its records and its "ok N fail M". */
async function tracedClient(bin: string, args: string[]): Promise<{ records: Http2[]; ok: number; fail: number }> {
  const s = await gotrace(['--', bin, '-mode', 'client', ...args]).done();
  assert.equal(s.code, 0, s.stderr);
  const m = /ok (\d+) fail (\d+)/.exec(s.other.join('\n'));
  assert.ok(m, `the client reports its outcome: ${s.other.join('\n')}`);
  return { records: s.records, ok: Number(m[1]), fail: Number(m[2]) };
}

/** A server (traced by its own session) and the client against it; both sides' records. */
async function bothSides(mode: string, clientBin: TestBinary, path: string, clientArgs: string[]): Promise<{ client: Http2[]; server: Http2[]; ok: number; fail: number; addr: string; serverPid: number }> {
  const { server, addr } = await startServer(requireBinary(fixture('http2')), mode);
  try {
    const g = gotrace(['--pid', String(server.pid)]);
    await g.attached;
    const scheme = mode === 'h2c' ? 'http' : 'https';
    const c = await tracedClient(requireBinary(clientBin), ['-url', `${scheme}://${addr}${path}`, ...(mode === 'h2c' ? ['-h2c'] : []), ...clientArgs]);
    await sleep(300);
    const s = await g.stop();
    assert.equal(s.code, 0, s.stderr);
    return { client: c.records, server: s.records, ok: c.ok, fail: c.fail, addr, serverPid: server.pid! };
  } finally {
    server.kill();
  }
}

/**
 * Pairs each client record with the server record of the same stream; both
 * sides once. One connection per run, so the stream id is the key, and the
 * connection's ends must match (h2c's server conn is unwrapped from h2c.bufConn).
 */
function pairs(client: Http2[], server: Http2[]): [Http2, Http2][] {
  const byId = new Map(server.map((r) => [r.streamId, r]));
  assert.equal(byId.size, server.length, 'each server stream once');
  assert.equal(new Set(client.map((r) => r.streamId)).size, client.length, 'each client stream once');
  assert.equal(new Set(client.map((r) => r.local)).size, 1, 'the client used one connection');
  return client.map((c) => {
    const s = byId.get(c.streamId);
    assert.ok(s, `the server saw client stream ${c.streamId}`);
    assert.equal(s.remote, c.local, `stream ${c.streamId}: the same connection`);
    return [c, s];
  });
}

/**
 * The TCP seqs of one stream (docs/tcp-seqs.md): both sides must report the
 * same wire seq for the request's and the response's HEADERS, under TLS and
 * h2c alike (the h2c server reads through x/net's h2c wrapper).
 */
function checkSeqs(c: Http2, s: Http2): void {
  const label = `stream ${c.streamId}: ${JSON.stringify([c.reqTcpSeq, s.reqTcpSeq, c.respTcpSeq, s.respTcpSeq])}`;
  assert.notEqual(c.reqTcpSeq, null, label);
  assert.notEqual(c.respTcpSeq, null, label);
  assert.equal(c.respTcpSeq, s.respTcpSeq, label);
  // h2c too: the server's frames are read through h2c's read-ahead first (bufConn.Reader).
  assert.equal(c.reqTcpSeq, s.reqTcpSeq, label);
}

function checkAgree(c: Http2, s: Http2, tls: boolean): void {
  const label = `stream ${c.streamId}`;
  assert.equal(c.role, 'client', label);
  assert.equal(s.role, 'server', label);
  for (const k of ['method', 'path', 'authority', 'scheme', 'status', 'streamId', 'reqBodySize', 'respBodySize'] as const) assert.equal(c[k], s[k], `${label}: ${k}`);
  // The fields the client encoded are the ones the server decoded, and the reverse.
  assert.deepEqual(c.reqHeaders, s.reqHeaders, label);
  assert.deepEqual(c.respHeaders, s.respHeaders, label);
  assert.deepEqual(c.respTrailers, s.respTrailers, label);
  assert.equal(c.reqHeaders['x-name'], 'gotrace', label);
  assert.equal(c.reqHeaders['user-agent'], 'Go-http-client/2.0', label);
  assert.equal(c.error, undefined, label);
  assert.equal(s.error, undefined, label);
  assert.equal(c.tls, tls, label);
  assert.equal(s.tls, tls, label);
  assert.equal(c.remote, s.local, label);
  assert.ok(s.fd !== null && s.fd > 2, label);
  assert.ok(c.fd !== null && c.fd > 2 && c.latencyNs !== null && c.latencyNs > 0, label);
}

for (const [label, mode, clientBin] of [
  ['bundled net/http client over TLS', 'bundled', fixture('http2')],
  ['x/net http2.Transport over h2c', 'h2c', fixture('http2')],
  ['bundled client, stripped build (offsets from the Go 1.19 table)', 'bundled', fixture('http2', '-stripped')],
] as const) {
  test(`Go client and server both traced, ${label}: every stream once per side, the sides agree`, async (t) => {
    if (!requireBpf(t)) return;
    const tls = mode !== 'h2c';
    const hello = await bothSides(mode, clientBin, '/hello', ['-n', '4', '-c', '1']);
    assert.deepEqual([hello.ok, hello.fail], [4, 0]);
    assert.equal(hello.client.length, 4, JSON.stringify(hello.client));
    assert.equal(hello.server.length, 4, JSON.stringify(hello.server));
    for (const [c, s] of pairs(hello.client, hello.server)) {
      checkAgree(c, s, tls);
      checkSeqs(c, s);
      assert.equal(c.status, 200);
      assert.equal(c.respBodySize, 'hello gotrace over HTTP/2.0'.length);
      assert.equal(c.respHeaders['x-fixture'], 'http2');
      assert.equal(c.authority, hello.addr);
    }
    // One connection, consecutive odd ids (x/net's Transport starts at 3 with AllowHTTP: 1 is an h2c upgrade's).
    const first = mode === 'h2c' ? 3 : 1;
    assert.deepEqual(hello.client.map((r) => r.streamId).sort((a, b) => a - b), [first, first + 2, first + 4, first + 6]);

    // A request body: DATA frames out on the client, in on the server.
    const up = await bothSides(mode, clientBin, '/upload', ['-n', '2', '-c', '1', '-body', '100000']);
    assert.deepEqual([up.ok, up.fail], [2, 0]);
    assert.equal(up.client.length, 2);
    assert.equal(up.server.length, 2);
    for (const [c, s] of pairs(up.client, up.server)) {
      checkAgree(c, s, tls);
      assert.equal(c.method, 'POST');
      assert.equal(c.reqBodySize, 100000);
      assert.equal(c.respBodySize, 'got 100000'.length);
    }
  });
}

for (const mode of ['bundled', 'xnet'] as const) test(`Go client, 100 concurrent streams on one connection, both sides traced (${mode} server)`, async (t) => {
  if (!requireBpf(t)) return;
  const r = await bothSides(mode, fixture('http2'), '/hello', ['-n', '201', '-c', '100']);
  assert.deepEqual([r.ok, r.fail], [201, 0]);
  assert.equal(r.client.length, 201, `nothing lost, nothing twice: ${JSON.stringify(r.client.filter((x) => x.error))}`);
  assert.equal(r.server.length, 201, `nothing lost, nothing twice: ${JSON.stringify(r.server.filter((x) => x.error))}`);
  assert.equal(new Set(r.client.map((x) => x.local)).size, 1, 'one connection');
  const ids = r.client.map((x) => x.streamId);
  assert.equal(new Set(ids).size, 201);
  const both = pairs(r.client, r.server);
  for (const [c, s] of both) checkAgree(c, s, true);
  // TCP seqs: a HEADERS frame deep in a large TLS flush is placed among the flush's records the way
  // crypto/tls cuts them (docs/tcp-seqs.md); one that straddles two records has none. A seq one side
  // reports is never contradicted by the other, and nearly all streams have both (201 of 201 in runs
  // here; about 87% when only a flush's first record was known).
  for (const [c, s] of both) {
    if (c.reqTcpSeq !== null && s.reqTcpSeq !== null) assert.equal(c.reqTcpSeq, s.reqTcpSeq, `stream ${c.streamId} request`);
    if (c.respTcpSeq !== null && s.respTcpSeq !== null) assert.equal(c.respTcpSeq, s.respTcpSeq, `stream ${c.streamId} response`);
  }
  const known = both.filter(([c, s]) => c.reqTcpSeq !== null && s.reqTcpSeq !== null && c.respTcpSeq !== null && s.respTcpSeq !== null).length;
  t.diagnostic(`streams with all four seqs known: ${known} of ${both.length}`);
  assert.ok(known >= both.length * 0.9, `nearly all streams carry matching seqs: ${known} of ${both.length}`);
  // The streams really overlapped: some began before an earlier one ended.
  const spans = r.client.map((x) => [x.ts, x.ts + x.latencyNs! / 1e6] as const).sort((a, b) => a[0] - b[0]);
  assert.ok(spans.some((sp, i) => i > 0 && sp[0] < spans[i - 1]![1]), 'concurrent streams');
});

test('Go client, a 1 MiB response body: 1048576 bytes on both sides', async (t) => {
  if (!requireBpf(t)) return;
  for (const mode of ['bundled', 'xnet', 'h2c']) {
    const r = await bothSides(mode, fixture('http2'), '/big', ['-n', '1']);
    assert.deepEqual([r.ok, r.fail], [1, 0]);
    assert.equal(r.client.length, 1, mode);
    assert.equal(r.server.length, 1, mode);
    const [[c, s]] = pairs(r.client, r.server);
    assert.equal(c!.respBodySize, 1 << 20, mode);
    assert.equal(s!.respBodySize, 1 << 20, mode);
    assert.equal(c!.status, 200, mode);
    assert.deepEqual(c!.respHeaders, s!.respHeaders, mode);
  }
});

test('Go client, a response ending with trailers: complete on both sides', async (t) => {
  if (!requireBpf(t)) return;
  for (const mode of ['bundled', 'h2c']) {
    const r = await bothSides(mode, fixture('http2'), '/trailer', ['-n', '2', '-c', '1']);
    assert.deepEqual([r.ok, r.fail], [2, 0]);
    assert.equal(r.client.length, 2, `${mode}: ${JSON.stringify(r.client)}`);
    assert.equal(r.server.length, 2, `${mode}: ${JSON.stringify(r.server)}`);
    for (const [c, s] of pairs(r.client, r.server)) {
      checkAgree(c, s, mode !== 'h2c');
      assert.equal(c.status, 200);
      assert.equal(c.respBodySize, 'body then trailers'.length);
      assert.equal(c.respHeaders.trailer, 'X-Sum', 'the announced trailer, not the trailer itself');
      assert.deepEqual([c.respTrailers, s.respTrailers], [{ 'x-sum': '42' }, { 'x-sum': '42' }], 'the trailer the handler set after its body, on both sides');
    }
  }
});

test('a stream reset by the client (timeout on /slow): once per side, status null and an error', async (t) => {
  if (!requireBpf(t)) return;
  for (const mode of ['bundled', 'xnet', 'h2c']) {
    const r = await bothSides(mode, fixture('http2'), '/slow', ['-n', '1', '-timeout', '700ms']);
    assert.deepEqual([r.ok, r.fail], [0, 1], 'the client gave up');
    assert.equal(r.client.length, 1, `${mode}: ${JSON.stringify(r.client)}`);
    assert.equal(r.server.length, 1, `${mode}: ${JSON.stringify(r.server)}`);
    const [[c, s]] = pairs(r.client, r.server);
    assert.equal(c!.status, null);
    assert.equal(s!.status, null);
    assert.equal(c!.path, '/slow');
    assert.equal(s!.path, '/slow');
    assert.equal(c!.error, 'reset by this side: RST_STREAM CANCEL', mode);
    assert.equal(s!.error, 'reset by the peer: RST_STREAM CANCEL', mode);
    // It was reset after the timeout, not at once.
    assert.ok(c!.latencyNs! >= 600e6, `${mode}: ${c!.latencyNs}`);
  }
  // curl gives up by closing the connection, without RST_STREAM: the server reports the stream when its conn ends.
  const { server, addr } = await startServer(requireBinary(fixture('http2')), 'bundled');
  try {
    const g = gotrace(['--pid', String(server.pid)]);
    await g.attached;
    const r = spawnSync('curl', ['-sS', '-k', '--http2', '--max-time', '1', `https://${addr}/slow`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 28, 'curl timed out');
    await sleep(300);
    const s = await g.stop();
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.records.length, 1, JSON.stringify(s.records));
    const [x] = s.records;
    // Not 'no response seen before tracing stopped': it was reported when the connection ended.
    assert.deepEqual([x!.path, x!.status, x!.error], ['/slow', null, 'the connection closed before the stream was answered']);
  } finally {
    server.kill();
  }
  assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
  assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
});
