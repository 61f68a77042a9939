// A binary gotrace has no table for: the stripped grpc fixture (Debian's grpc
// 1.33 in a GOPATH build records no module version) with its one remaining
// version mark, grpc-go's "grpc-go/1.33.3" user agent, overwritten, so no
// grpc version can be known. Without DWARF its rule fails with
// ERR_OFFSET_UNKNOWN; a rule file pinning the offsets then traces it. The
// pinned values come from llvm-dwarfdump on the unstripped twin (same source).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBpf } from '../support/bpf';
import { ROOT, fixture, requireBinary } from '../support/binaries';
import { run } from '../support/exec';
import { FIELDS } from '../../plugins/grpc/offsets';

const CLI = join(ROOT, 'dist', 'core', 'cli', 'main.js');

/** `Type.member` → its offset, as llvm-dwarfdump prints the type's members. */
function dwarfdumpOffset(binary: string, field: string): number {
  const dot = field.lastIndexOf('.');
  const type = field.slice(0, dot), member = field.slice(dot + 1);
  const dump = run('llvm-dwarfdump', [`--name=${type}`, '--show-children', binary]);
  const re = new RegExp(`DW_TAG_member\\s+DW_AT_name\\s+\\("${member.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\)\\s+DW_AT_data_member_location\\s+\\((0x[0-9a-f]+|\\d+)\\)`);
  const m = re.exec(dump);
  assert.ok(m, `llvm-dwarfdump knows ${field}`);
  return Number(m[1]);
}

function inspectRule(binary: string, rulesDir: string): { status: string; error?: { code: string; message: string }; values: { name: string; source: string }[] } {
  const r = spawnSync(process.execPath, [CLI, 'inspect', '--json', binary, '--rules', rulesDir], { encoding: 'utf8' });
  return JSON.parse(r.stdout).rules.find((x: { id: string }) => x.id === 'grpc/server');
}

test('an unknown version without DWARF gets the failure mode; pinning its offsets in a rule file traces it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gotrace-pins-'));
  try {
    const bytes = Buffer.from(readFileSync(requireBinary(fixture('grpc', '-stripped'))));
    const ua = Buffer.from('grpc-go/1.33.3'), blank = Buffer.from('grpc-go/x.xx.x');
    for (let i = bytes.indexOf(ua); i >= 0; i = bytes.indexOf(ua, i + 1)) blank.copy(bytes, i);
    const stripped = join(dir, 'grpc-unversioned');
    writeFileSync(stripped, bytes);
    chmodSync(stripped, 0o755);
    const before = inspectRule(stripped, join(ROOT, 'rules'));
    assert.equal(before.status, 'failed');
    assert.equal(before.error?.code, 'ERR_OFFSET_UNKNOWN');

    const pins = Object.fromEntries(Object.values(FIELDS).map((f) => [f, dwarfdumpOffset(fixture('grpc').path, f)]));
    const rule = readFileSync(join(ROOT, 'rules', 'grpc.yaml'), 'utf8')
      .replace('    hooker: server-dwarf', `    hooker: server-dwarf\n    offsets: ${JSON.stringify(pins)}`);
    writeFileSync(join(dir, 'grpc.yaml'), rule);
    assert.notEqual(rule.indexOf('offsets:'), -1, 'the pins went into the rule');
    const after = inspectRule(stripped, dir);
    assert.equal(after.status, 'planned', after.error?.message);
    for (const f of Object.values(FIELDS)) assert.equal(after.values.find((v) => v.name === f)?.source, 'rule-file', f);

    if (!requireBpf(t)) return;
    const server = spawn(stripped, ['-mode', 'server'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const addr = await new Promise<string>((res) => {
        let buf = '';
        server.stdout!.on('data', (d) => { buf += d; const m = /listening (\S+)/.exec(buf); if (m) res(m[1]!); });
      });
      const g = spawn(process.execPath, [CLI, 'run', '--rules', dir, '--format', 'json', '--pid', String(server.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      g.stdout!.on('data', (d) => { out += d; });
      await new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`never attached: ${err}`)), 30_000);
        g.stderr!.on('data', (d) => { err += d; if (/"msg":"attached"/.test(err)) { clearTimeout(timer); res(); } });
      });
      const client = spawnSync(fixture('grpc').path, ['-mode', 'client', '-addr', addr, '-call', 'check', '-n', '3'], { encoding: 'utf8', timeout: 30_000 });
      assert.match(client.stdout, /done map\[true:3\]/, client.stderr);
      await new Promise((r) => setTimeout(r, 300));
      g.kill('SIGINT');
      await new Promise((r) => g.on('close', r));
      const calls = out.split('\n').filter((l) => l.startsWith('{"type":"grpc"')).map((l) => JSON.parse(l));
      assert.equal(calls.length, 3, err);
      for (const c of calls) {
        assert.equal(c.method, '/grpc.health.v1.Health/Check');
        assert.equal(c.status, 0);
        assert.equal(c.reqHeaders['x-fixture'], 'grpc');
      }
    } finally {
      server.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
