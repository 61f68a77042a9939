// Independent oracle: a real HTTP/1.1 conversation between Node's http server
// and client on loopback, through a TCP proxy that records the bytes each way
// with timestamps. The recorded streams, fed to the decoder as the server's
// and as the client's captures, must give what Node's http module saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { decode } from './testing/calls';
import { DEFAULT_REDACT, type CapturedChunk, type Http1Record } from './types';

interface Logged { readonly conn: number; readonly dir: 'c2s' | 's2c'; readonly ts: number; readonly data: Buffer }
interface Seen { method: string; path: string; status: number; reqHeaders: Record<string, string>; respHeaders: Record<string, string>; reqBodySize: number; respBodySize: number }

const now = () => performance.timeOrigin + performance.now();
const redact = new Set(DEFAULT_REDACT);

/** Node's raw header list as the decoder renders it: lowercased, repeats joined, redacted. */
function joined(raw: string[]): Record<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    m.set(k, m.has(k) ? `${m.get(k)}, ${raw[i + 1]}` : raw[i + 1]!);
  }
  return Object.fromEntries([...m].map(([k, v]) => [k, redact.has(k) ? '[redacted]' : v]));
}

async function recordingProxy(target: number, log: Logged[]): Promise<net.Server> {
  let next = 0;
  const proxy = net.createServer((down) => {
    const conn = next++;
    const up = net.connect(target, '127.0.0.1');
    down.on('data', (d: Buffer) => { log.push({ conn, dir: 'c2s', ts: now(), data: Buffer.from(d) }); up.write(d); });
    up.on('data', (d: Buffer) => { log.push({ conn, dir: 's2c', ts: now(), data: Buffer.from(d) }); down.write(d); });
    const close = () => { down.destroy(); up.destroy(); };
    down.on('close', close).on('error', close);
    up.on('close', close).on('error', close);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  return proxy;
}

interface Planned { method: string; path: string; headers?: Record<string, string>; body?: string[]; expectContinue?: boolean }

/** One request through `agent`; returns what the client saw. */
function request(port: number, agent: http.Agent, o: Planned): Promise<{ status: number; raw: string[]; size: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method: o.method, path: o.path, headers: o.headers }, (res) => {
      let size = 0;
      res.on('data', (d: Buffer) => { size += d.length; });
      res.on('end', () => resolve({ status: res.statusCode!, raw: res.rawHeaders, size }));
    });
    req.on('error', reject);
    const send = () => { for (const part of o.body ?? []) req.write(part); req.end(); };
    if (o.expectContinue) { req.flushHeaders(); req.on('continue', send); } else send();
  });
}

/** [callLen, offset, data] pieces: the recorded reads/writes as they were, as 1-7 byte calls, or as 5-byte chunks of each call. */
function recut(data: Buffer, how: 'as recorded' | 'odd calls' | 'small chunks'): Array<[number, number, Buffer]> {
  if (how === 'as recorded') return [[data.length, 0, data]];
  const out: Array<[number, number, Buffer]> = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = how === 'odd calls' ? 1 + ((i * 5) % 7) : 5;
    const piece = data.subarray(at, at + n);
    out.push(how === 'odd calls' ? [piece.length, 0, piece] : [data.length, at, piece]);
    at += piece.length;
  }
  return out;
}

test('decoded records equal what Node http saw, from both ends of real loopback connections', async () => {
  const serverSaw: Array<Pick<Seen, 'method' | 'path' | 'reqHeaders' | 'reqBodySize'>> = [];
  const server = http.createServer((req, res) => {
    let size = 0;
    req.on('data', (d: Buffer) => { size += d.length; });
    req.on('end', () => {
      serverSaw.push({ method: req.method!, path: req.url!, reqHeaders: joined(req.rawHeaders), reqBodySize: size });
      if (req.url === '/chunked') { res.write('first part;'); setTimeout(() => { res.write('second'); res.end(' and last'); }, 5); }
      else if (req.url === '/head') { res.setHeader('Content-Length', '1234'); res.end(); }
      else if (req.url === '/empty') { res.statusCode = 204; res.end(); }
      else { res.setHeader('Set-Cookie', ['a=1', 'b=2']); res.setHeader('X-Seen', String(size)); res.end(`echo ${size} bytes`); }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const log: Logged[] = [];
  const proxy = await recordingProxy((server.address() as AddressInfo).port, log);
  const port = (proxy.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const plan: Planned[] = [
    { method: 'GET', path: '/hello?x=1', headers: { 'X-Multi': 'one', Authorization: 'Bearer s3cret' } },
    { method: 'POST', path: '/echo', headers: { 'Content-Type': 'text/plain', 'Content-Length': '3000' }, body: ['a'.repeat(1000), 'b'.repeat(2000)] },
    { method: 'GET', path: '/chunked' },
    { method: 'POST', path: '/continue', headers: { Expect: '100-continue', 'Content-Length': '11' }, body: ['hello world'], expectContinue: true },
    { method: 'HEAD', path: '/head' },
    { method: 'DELETE', path: '/empty' },
    { method: 'PUT', path: '/upload', body: ['chunk one;', 'chunk two'] },
  ];
  const clientSaw: Array<{ status: number; raw: string[]; size: number }> = [];
  try {
    for (const p of plan) clientSaw.push(await request(port, agent, p));
    // A second connection: a fresh agent, one more exchange.
    const other = new http.Agent({ keepAlive: false });
    clientSaw.push(await request(port, other, { method: 'GET', path: '/second-conn' }));
    agent.destroy();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    agent.destroy();
    server.close();
    proxy.close();
  }

  const expected: Seen[] = serverSaw.map((s, i) => ({
    ...s, status: clientSaw[i]!.status, respHeaders: joined(clientSaw[i]!.raw), respBodySize: clientSaw[i]!.size,
  }));
  assert.equal(expected.length, plan.length + 1);
  assert.ok(log.some((l) => l.conn === 1), 'two connections were recorded');

  assert.ok(log.some((l) => l.dir === 's2c' && l.data.includes('HTTP/1.1 100 Continue\r\n')), 'the server sent 100 Continue');

  for (const [role, cut] of [['server', 'as recorded'], ['client', 'as recorded'], ['server', 'odd calls'], ['client', 'small chunks']] as const) {
    const chunks = log.flatMap((l) => {
      const direction = (l.dir === 'c2s') === (role === 'client') ? 'write' : 'read';
      const base = { connKey: `${role}-${l.conn}`, pid: 1, fd: 3 + l.conn, goid: null, direction, tls: false, ts: l.ts, tcpSeq: null, local: null, remote: null } as const;
      return recut(l.data, cut).map(([callLen, offset, data]): CapturedChunk => ({ ...base, callLen, offset, data }));
    });
    const { records, unparsable } = decode(chunks, 'close', { maxBody: 0 });
    assert.deepEqual(unparsable, [], `${role} ${cut}`);
    const got = records.map((r: Http1Record): Seen => ({
      method: r.method, path: r.path, status: r.status!, reqHeaders: r.reqHeaders, respHeaders: r.respHeaders, reqBodySize: r.reqBodySize, respBodySize: r.respBodySize,
    }));
    assert.deepEqual(got, expected, `${role} ${cut}`);
    for (const r of records) {
      assert.equal(r.role, role);
      assert.equal(r.error, undefined);
      assert.ok(r.latencyNs !== null && r.latencyNs >= 0, `${r.path} latency ${r.latencyNs}`);
    }
    assert.equal(records.find((r) => r.path === '/chunked')!.respHeaders['transfer-encoding'], 'chunked');
    assert.equal(records.find((r) => r.path === '/upload')!.reqHeaders['transfer-encoding'], 'chunked');
  }
});
