// http1-tls on servers that speak HTTP/2: once a connection's HTTP/2 client
// preface goes by, its BPF programs stop sending that connection's bytes up
// (they were never HTTP/1; the decoder ignored them at a high cost). HTTP/1.1
// on the same server is still captured. Oracle: curl, which says how many
// exchanges it made and over which protocol; the measure is the number of
// ring-buffer records gotrace read from http1-tls (its closing log line).
// Both http1 rules are loaded: TLS bytes, and plain bytes for h2c.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, fixture, requireBinary } from '../support/binaries';
import { requireBpf } from '../support/bpf';
import { startListening, startRun, stopRuns } from '../support/gotrace-run';

interface Http1 { path: string; status: number | null; reqHeaders: Record<string, string> }

afterEach(stopRuns);

const EXCHANGES = 60;

/** ringRecords of gotrace's closing "done" log line. */
function ringRecords(stderr: string): Record<string, number> {
  const done = stderr.split('\n').filter((l) => l.includes('"msg":"done"')).pop();
  assert.ok(done, `gotrace logged no "done" line:\n${stderr}`);
  return (JSON.parse(done) as { ringRecords: Record<string, number> }).ringRecords;
}

/** EXCHANGES HTTP/2 exchanges on one connection: curl over TLS (it reports each exchange's HTTP version), the fixture's Go client over h2c. */
function http2Exchanges(mode: 'bundled' | 'h2c', addr: string): void {
  if (mode === 'h2c') {
    const c = spawnSync(requireBinary(fixture('http2')), ['-mode', 'client', '-h2c', '-url', `http://${addr}/hello`, '-n', String(EXCHANGES)], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(c.stdout.trim(), `ok ${EXCHANGES} fail 0`, c.stderr);
    return;
  }
  const urls = Array.from({ length: EXCHANGES }, (_, i) => `https://${addr}/hello?i=${i}`);
  const h2 = spawnSync('curl', ['-sk', '--http2', '-w', '%{http_version}\n', ...urls.flatMap((u) => ['-o', '/dev/null', u])], { encoding: 'utf8', timeout: 60_000 });
  assert.deepEqual(h2.stdout.trim().split('\n'), Array(EXCHANGES).fill('2'), `curl made ${EXCHANGES} HTTP/2 exchanges: ${h2.stderr}`);
}

for (const [label, mode, scheme] of [
  ['TLS (ALPN h2)', 'bundled', 'https'],
  ['h2c with prior knowledge', 'h2c', 'http'],
] as const) {
  test(`http1-tls sends up almost nothing of ${EXCHANGES} HTTP/2 exchanges over ${label}, and still captures HTTP/1.1 beside them`, async (t) => {
    if (!requireBpf(t)) return;
    const rules = mkdtempSync(join(tmpdir(), 'gotrace-h1-rules-'));
    for (const f of ['http1-tls.yaml', 'http1-tcp.yaml']) copyFileSync(join(ROOT, 'rules', f), join(rules, f));
    const { server, addr } = await startListening(requireBinary(fixture('http2')), ['-mode', mode]);
    try {
      const g = startRun<Http1>('http1', ['--pid', String(server.pid)], rules);
      await g.attached;
      http2Exchanges(mode, addr);
      const h1 = spawnSync('curl', ['-sk', '--http1.1', '-H', 'X-Name: one', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${scheme}://${addr}/hello`],
        { encoding: 'utf8', timeout: 30_000 });
      assert.equal(h1.stdout, '1.1 200', h1.stderr);
      const r = await g.stop();
      assert.equal(r.code, 0, r.stderr);
      // HTTP/1.1 is untouched by the HTTP/2 marking.
      assert.deepEqual(r.records.filter((x) => x.reqHeaders['x-name'] === 'one').map((x) => [x.path, x.status]), [['/hello', 200]]);
      assert.equal(r.records.length, 1, 'no HTTP/1 records from the HTTP/2 connection');
      // Each HTTP/2 exchange costs the server at least one read and one write:
      // without the marking that is >= 2 * EXCHANGES records. With it, only
      // what the server wrote before it read the preface, and the HTTP/1.1 exchange.
      const sent = ringRecords(r.stderr)['http1-tls'] ?? 0;
      assert.ok(sent <= 12, `http1-tls sent ${sent} ring records for ${EXCHANGES} HTTP/2 exchanges and one HTTP/1.1 exchange`);
    } finally {
      server.kill('SIGKILL');
      rmSync(rules, { recursive: true, force: true });
    }
  });
}
