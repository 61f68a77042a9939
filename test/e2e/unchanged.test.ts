// Tracing must not change what a traced program does. Each fixture server is
// driven by the same clients three times: untraced, traced by `gotrace run
// --rules rules/` with every shipped rule (server and Go clients traced, by
// --exe), and again after gotrace detached. The oracle is the clients' own
// view (curl's full response with headers, the Go clients' reports, a 1 MiB
// body's hash) and the server's stderr: all three runs must be identical, the
// server must still be alive, and no probe may be left behind.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { requireBpf, ourLinks, uprobeEvents } from '../support/bpf';
import { startRun, stopRuns } from '../support/gotrace-run';
import { ROOT, fixture, requireBinary } from '../support/binaries';

afterEach(stopRuns);

/** What one client run showed, normalised only where the protocol itself varies (Date, ports). */
type Exchange = (addr: string) => string;

function run(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'buffer', timeout: 60_000, cwd: ROOT, maxBuffer: 16 << 20 });
  // A large body is compared by its hash; headers (curl -i) stay text.
  const sep = r.stdout.indexOf('\r\n\r\n');
  const head = sep >= 0 && r.stdout.length > 4096 ? r.stdout.subarray(0, sep + 4) : r.stdout.length > 4096 ? Buffer.alloc(0) : r.stdout;
  const body = head.length === r.stdout.length ? Buffer.alloc(0) : r.stdout.subarray(head.length);
  const out = head.toString('utf8') + (body.length ? `sha256:${createHash('sha256').update(body).digest('hex')} bytes:${body.length}` : '');
  return `${args.join(' ')} → exit ${r.status}\n${out.replace(/^date: .*$/gim, 'date: -')}${r.stderr.toString('utf8')}`;
}

const curl = (flags: readonly string[], url: string, more: readonly string[] = []): Exchange => (addr) =>
  run('curl', ['-sS', '-i', ...flags, ...more, url.replace('ADDR', addr)]).replaceAll(addr, 'ADDR');
const goClient = (bin: string, args: readonly string[]): Exchange => (addr) =>
  run(bin, args.map((a) => a.replace('ADDR', addr))).replaceAll(addr, 'ADDR');

interface Case {
  readonly label: string;
  readonly bin: string;
  readonly serverArgs: readonly string[];
  readonly exchanges: (bin: string) => Exchange[];
}

const CASES: readonly Case[] = [
  {
    label: 'https (HTTP/1.1 over TLS)', bin: 'https', serverArgs: ['-mode', 'server'],
    exchanges: (bin) => [
      curl(['-k'], 'https://ADDR/hello', ['-H', 'X-Name: same']),
      curl(['-k'], 'https://ADDR/echo', ['--data-binary', 'the body']),
      curl(['-k'], 'https://ADDR/big'),
      goClient(bin, ['-mode', 'client', '-url', 'https://ADDR/hello', '-n', '20', '-c', '4']),
    ],
  },
  {
    label: 'http2 (net/http bundled over TLS)', bin: 'http2', serverArgs: ['-mode', 'bundled'],
    exchanges: () => [
      curl(['-k', '--http2'], 'https://ADDR/hello', ['-H', 'X-Name: same']),
      curl(['-k', '--http2'], 'https://ADDR/big'),
    ],
  },
  {
    label: 'http2 (h2c)', bin: 'http2', serverArgs: ['-mode', 'h2c'],
    exchanges: () => [curl(['--http2-prior-knowledge'], 'http://ADDR/hello', ['-H', 'X-Name: same'])],
  },
  {
    label: 'grpc (TLS)', bin: 'grpc', serverArgs: ['-mode', 'server', '-tls'],
    exchanges: (bin) => [
      goClient(bin, ['-mode', 'client', '-addr', 'ADDR', '-tls', '-call', 'check', '-n', '20', '-c', '4']),
      goClient(bin, ['-mode', 'client', '-addr', 'ADDR', '-tls', '-call', 'notfound', '-n', '2', '-c', '1']),
    ],
  },
];

for (const c of CASES) {
  test(`${c.label}: clients and server see the same before, while and after tracing`, async (t) => {
    if (!requireBpf(t)) return;
    const bin = requireBinary(fixture(c.bin));
    const server = spawn(bin, [...c.serverArgs], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
    let stderr = '';
    server.stderr!.on('data', (d) => { stderr += d; });
    try {
      const addr = await new Promise<string>((res, rej) => {
        let buf = '';
        server.stdout!.on('data', (d) => { buf += d; const m = /listening (\S+)/.exec(buf); if (m) res(m[1]!); });
        server.on('exit', () => rej(new Error(`server exited: ${stderr}`)));
      });
      const drive = (): string[] => c.exchanges(bin).map((x) => x(addr));

      const untraced = drive();
      const g = startRun<unknown>('none', ['--exe', bin]);
      await g.attached;
      const traced = drive();
      const s = await g.stop();
      assert.equal(s.code, 0, s.stderr);
      const after = drive();

      assert.deepEqual(traced, untraced, `${c.label}: traced clients see what untraced ones did`);
      assert.deepEqual(after, untraced, `${c.label}: and so after gotrace detached`);
      assert.equal(server.exitCode, null, `${c.label}: the server is still running`);
      assert.equal(stderr, '', `${c.label}: the server wrote nothing to stderr (no panic, no errors)`);
      assert.ok(untraced.every((o) => / → exit 0\n/.test(o)), `every client succeeded: ${untraced.join('\n')}`);
    } finally {
      server.kill();
    }
    assert.deepEqual(ourLinks(), [], 'no gotrace links left in the kernel');
    assert.equal(uprobeEvents(), '', 'no uprobe_events entries');
  });
}
