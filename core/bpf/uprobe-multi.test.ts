import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { GotraceError } from '../errors';
import type { BpfObject } from './bpf-object';
import { encodePidConfig } from './testdata/add-event';
import {
  bpftestBinary, GO119_GOID_OFFSET, kernelLinkIds, loadBpftest, requireBpf, run, startBpftest, symbolFileOffset, u32, u64,
} from './testdata/harness';

// Functions the fixture enters after its go-ahead: the Add loop, then
// fmt.Println(sum) down to the write system call (go1.19; none inlined).
const AFTER_GO_AHEAD = [
  'main.Add', 'fmt.Fprintln', 'fmt.newPrinter', 'fmt.(*pp).doPrintln', 'fmt.(*pp).printArg', 'fmt.(*pp).fmtInteger',
  'fmt.(*fmt).fmtInteger', 'fmt.(*pp).free', 'os.(*File).Write', 'internal/poll.(*FD).Write', 'internal/poll.(*fdMutex).rwlock',
  'internal/poll.(*fdMutex).rwunlock', 'internal/poll.(*FD).writeUnlock', 'syscall.write', 'syscall.Syscall',
  'runtime.entersyscall', 'runtime.exitsyscall', 'sync.(*Pool).Get', 'sync.(*Pool).Put', 'runtime.convT64',
];
const CALLS = 50;
const cookieOf = (i: number): bigint => 0x1000n + BigInt(i);

function sites(binary: string): { fileOffset: number; cookie: bigint }[] {
  return AFTER_GO_AHEAD.map((s, i) => ({ fileOffset: symbolFileOffset(binary, s), cookie: cookieOf(i) }));
}

/** Runs the fixture with its pid configured; returns the hits per cookie. */
async function runFixture(obj: BpfObject, binary: string): Promise<Map<bigint, bigint>> {
  const fx = await startBpftest(binary, CALLS);
  obj.map('pid_config').update(u32(fx.pid), encodePidConfig(GO119_GOID_OFFSET));
  fx.go();
  await fx.done;
  const hits = obj.map('cookie_hits');
  const out = new Map<bigint, bigint>();
  for (const k of hits.keys()) out.set(k.readBigUInt64LE(0), hits.lookup(k)!.readBigUInt64LE(0));
  for (const k of hits.keys()) hits.delete(k);
  return out;
}

function assertEveryCookieFired(hits: Map<bigint, bigint>, n = AFTER_GO_AHEAD.length): void {
  assert.equal(hits.get(cookieOf(0)), BigInt(CALLS), 'main.Add: once per call');
  for (const [i, s] of AFTER_GO_AHEAD.slice(0, n).entries()) assert.ok((hits.get(cookieOf(i)) ?? 0n) >= 1n, `${s} (cookie ${cookieOf(i)}) fired`);
  assert.deepEqual([...hits.keys()].filter((c) => c < cookieOf(0) || c >= cookieOf(n)), [], 'no other cookies');
}

function kernelLink(id: number): { type: string | number; prog_id: number } | undefined {
  const links = JSON.parse(run('bpftool', ['link', 'show', '--json'])) as { id: number; type: string | number; prog_id: number }[];
  return links.find((l) => l.id === id);
}

test('one uprobe_multi link carries 20 sites of a binary, each firing with its own cookie, until destroyed', async (t) => {
  if (!requireBpf(t)) return;
  const binary = bpftestBinary();
  const obj = loadBpftest();
  try {
    assert.ok(obj.usesUprobeMulti('test_count_cookie'), 'this kernel (Linux 6.6+) has uprobe_multi');
    const links = obj.attachUprobes('test_count_cookie', { binaryPath: binary, sites: sites(binary) });
    assert.equal(links.length, 1);
    const [link] = links as [typeof links[0]];
    assert.match(link.target, /bpftest:0x[0-9a-f]+ \(\+19 more\)$/);
    // bpftool 7.1 (libbpf 1.1) predates the name and prints the number: BPF_LINK_TYPE_UPROBE_MULTI = 12.
    assert.ok(['uprobe_multi', 12].includes(kernelLink(link.id)?.type ?? ''), `link ${link.id} is uprobe_multi: ${JSON.stringify(kernelLink(link.id))}`);
    assertEveryCookieFired(await runFixture(obj, binary));

    link.destroy();
    assert.ok(!kernelLinkIds().has(link.id), 'destroy() removed the link from the kernel');
    assert.deepEqual(await runFixture(obj, binary), new Map(), 'nothing fires after destroy()');
  } finally {
    obj.close();
  }
});

test('without uprobe_multi (older kernels), attachUprobes makes one link per site with the same cookies', async (t) => {
  if (!requireBpf(t)) return;
  const binary = bpftestBinary();
  const obj = loadBpftest({ uprobeMulti: false });
  try {
    assert.equal(obj.usesUprobeMulti('test_count_cookie'), false);
    // 5 sites: each of these links costs ~100 ms to detach.
    const links = obj.attachUprobes('test_count_cookie', { binaryPath: binary, sites: sites(binary).slice(0, 5) });
    assert.equal(links.length, 5);
    assert.ok(links.every((l) => kernelLink(l.id)?.type === 'perf_event'));
    assertEveryCookieFired(await runFixture(obj, binary), 5);
  } finally {
    obj.close();
  }
  assert.ok(obj.links().length === 0);
});

test('attachUprobes checks sites first and names the binary on a kernel refusal', (t) => {
  if (!requireBpf(t)) return;
  const binary = bpftestBinary();
  const obj = loadBpftest();
  const isAttachError = (...fragments: string[]) => (e: unknown): boolean => {
    assert.ok(e instanceof GotraceError && e.code === 'ERR_BPF_ATTACH', String(e));
    for (const f of fragments) assert.ok(e.message.includes(f), `message lacks "${f}": ${e.message}`);
    return true;
  };
  try {
    const good = sites(binary).slice(0, 2);
    assert.deepEqual(obj.attachUprobes('test_count_cookie', { binaryPath: binary, sites: [] }), []);
    assert.throws(() => obj.attachUprobes('test_count_cookie', { binaryPath: binary, sites: [...good, { fileOffset: -4 }] }), isAttachError('file offset -4'));
    assert.throws(() => obj.attachUprobes('test_count_cookie', { binaryPath: binary, sites: [{ fileOffset: 0, cookie: -1n }] }), isAttachError('u64'));
    assert.throws(() => obj.attachUprobes('test_count_cookie', { binaryPath: '/nonexistent/bin', sites: good }),
      isAttachError('/nonexistent/bin', '(+1 more)', 'check that the binary exists'));
    assert.equal(obj.links().length, 0, 'nothing half-attached');
  } finally {
    obj.close();
  }
});

test('detach time of N sites: one link per site vs one uprobe_multi link (printed, not asserted)', (t) => {
  if (!requireBpf(t)) return;
  const binary = bpftestBinary();
  const where = sites(binary);
  const measure = (multi: boolean): { attachMs: number; detachMs: number; links: number } => {
    const obj = loadBpftest({ uprobeMulti: multi });
    try {
      let t0 = performance.now();
      const links = obj.attachUprobes('test_count_cookie', { binaryPath: binary, sites: where });
      const attachMs = performance.now() - t0;
      t0 = performance.now();
      obj.detachAll(); // what close() and exit do
      return { attachMs, detachMs: performance.now() - t0, links: links.length };
    } finally {
      obj.close();
    }
  };
  const single = measure(false);
  const multi = measure(true);
  const line = (name: string, m: typeof single): string =>
    `${name}: ${m.links} link(s), attach ${m.attachMs.toFixed(1)} ms, detach ${m.detachMs.toFixed(1)} ms`;
  t.diagnostic(`${AFTER_GO_AHEAD.length} sites. ${line('per-site links', single)}; ${line('uprobe_multi', multi)}`);
  process.stderr.write(`uprobe detach, ${AFTER_GO_AHEAD.length} sites: ${line('per-site links', single)}; ${line('uprobe_multi', multi)}\n`);
});
