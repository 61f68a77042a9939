import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { checkBpfSupport, hasBpfPrivileges, parseCapEff } from './features';
import { requireBpf } from './testdata/harness';

const ROOT_STATUS = 'Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n';
const bit = (n: number): bigint => 1n << BigInt(n);

test('parseCapEff reads the effective set from /proc/<pid>/status', () => {
  assert.equal(parseCapEff(ROOT_STATUS), 0x1ffffffffffn);
  assert.equal(parseCapEff('Name:\tx\n'), undefined);
});

test('BPF needs CAP_SYS_ADMIN, or CAP_BPF together with CAP_PERFMON', () => {
  assert.equal(hasBpfPrivileges(0x1ffffffffffn), true);
  assert.equal(hasBpfPrivileges(bit(21)), true);
  assert.equal(hasBpfPrivileges(bit(39) | bit(38)), true);
  assert.equal(hasBpfPrivileges(bit(39)), false, 'CAP_BPF alone cannot open perf-event uprobes');
  assert.equal(hasBpfPrivileges(0n), false);
});

test('a process without capabilities gets one sentence naming them', () => {
  const e = checkBpfSupport({ procStatus: 'CapEff:\t0000000000000000\n' });
  assert.equal(e?.code, 'ERR_BPF_PRIVILEGE');
  assert.match(e.message, /CAP_BPF/);
  assert.match(e.message, /sudo/);
});

test('a kernel without BTF is named as such', () => {
  const e = checkBpfSupport({ procStatus: ROOT_STATUS, btfPath: '/nonexistent/vmlinux' });
  assert.equal(e?.code, 'ERR_BPF_FEATURE');
  assert.match(e.message, /no BTF at \/nonexistent\/vmlinux/);
  assert.match(e.message, /CONFIG_DEBUG_INFO_BTF/);
});

// Runs with no capabilities: the pre-check, and (bypassing it) the kernel's own EPERM.
const UNPRIVILEGED_SCRIPT = `
const dist = process.argv[1];
const { BpfObject } = require(dist + '/bpf-object.js');
const { loadAddon } = require(dist + '/addon.js');
const { translateNativeError } = require(dist + '/native-error.js');
const { bpfObjectPath } = require(dist + '/paths.js');
const out = {};
try { BpfObject.open(bpfObjectPath('bpftest')).load(); out.load = 'loaded'; } catch (e) { out.load = [e.code, e.message]; }
const addon = loadAddon();
out.probe = addon.probeMapType(addon.constants.BPF_MAP_TYPE_RINGBUF);
try { new addon.BpfObject(bpfObjectPath('bpftest')).load(); out.raw = 'loaded'; }
catch (e) { const t = translateNativeError(e); out.raw = [t.code, t.message]; }
process.stdout.write(JSON.stringify(out));
`;

test('an unprivileged process is told it lacks privileges, by the pre-check and on a raw EPERM', (t) => {
  if (!requireBpf(t)) return;
  // Still uid 0, so the files stay readable wherever the checkout is, but an
  // empty bounding set leaves the exec'd process without any capability.
  const stdout = execFileSync('setpriv', ['--bounding-set=-all', '--inh-caps=-all',
    process.execPath, '-e', UNPRIVILEGED_SCRIPT, __dirname], { encoding: 'utf8' });
  const out = JSON.parse(stdout) as { load: [string, string]; probe: number; raw: [string, string] };
  assert.equal(out.load[0], 'ERR_BPF_PRIVILEGE');
  assert.match(out.load[1], /CAP_BPF.*sudo/);
  assert.equal(out.probe, -1, 'the kernel refuses to create a ring buffer: -EPERM');
  assert.equal(out.raw[0], 'ERR_BPF_PRIVILEGE');
  assert.match(out.raw[1], /Operation not permitted: gotrace needs root, or CAP_BPF and CAP_PERFMON/);
});
