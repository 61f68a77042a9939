// The http1-tls plan from the file alone (no kernel): probes, offsets with
// their provenance, the itab, on the https fixture with DWARF, stripped, PIE.
import { test } from 'node:test';
import { CFG_SLOT_PIDS, CFG_SLOTS } from '../../core/plugin-kit/cfg-slots';
import { btfMapMaxEntries, btfStructSize } from '../../test/support/btf';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GoBinary } from '../../core/binary/go-binary';
import { RuleEngine } from '../../core/engine/engine';
import { loadRuleFile } from '../../core/engine/rule-loader';
import { ROOT, fixture, requireBinary } from '../../test/support/binaries';
import { plugin } from './index';
import type { Http1TlsConfig } from './hooker';
import { PROC_CFG_SIZE, encodeProcConfig } from './layout';

function plan(variant: '' | '-stripped' | '-pie') {
  const path = requireBinary(fixture('https', variant));
  const rule = loadRuleFile(join(ROOT, 'rules', 'http1-tls.yaml'));
  const [o] = new RuleEngine([plugin]).planAll(new GoBinary(path, readFileSync(path)), [rule]);
  assert.equal(o!.status, 'planned', o!.error?.message);
  return o!.plan!;
}

test('with DWARF: every probe, offsets from DWARF, the itab from .symtab', () => {
  const p = plan('');
  const c = p.config as Http1TlsConfig;
  const programs = p.probes.map((x) => x.program);
  assert.equal(programs.filter((x) => x === 'uprobe_crypto_tls_conn_write').length, 1);
  // Read's arguments are read at its RETs (next test), so Read has no entry probe.
  assert.equal(programs.filter((x) => x === 'uprobe_crypto_tls_conn_read').length, 0);
  assert.ok(programs.filter((x) => x === 'uprobe_crypto_tls_conn_read_ret').length >= 1);
  assert.ok(programs.filter((x) => x === 'uprobe_poll_fd_read_ret').length >= 1);
  assert.deepEqual([c.ifaceOff, c.connFd, c.netfdPfd, c.pfdSysfd, c.goidOffset], [0, 0, 0, 16, 152]);
  for (const f of ['crypto/tls.Conn.conn', 'net.conn.fd', 'net.netFD.pfd', 'internal/poll.FD.Sysfd']) {
    assert.equal(p.values.find((v) => v.name === f)?.source, 'dwarf', f);
  }
  // Cross-checked with nm: the address of go.itab.*net.TCPConn,net.Conn.
  const nm = execFileSync('nm', [requireBinary(fixture('https'))], { encoding: 'utf8' });
  const want = /^([0-9a-f]+) \S go\.itab\.\*net\.TCPConn,net\.Conn$/m.exec(nm)![1]!;
  assert.equal(c.tcpConnItab, parseInt(want, 16));
  assert.equal(c.pie, false);
  assert.deepEqual(c.write, { conn: { kind: 'register', register: 'RAX', size: 8 }, buf: { kind: 'register', register: 'RBX', size: 8 }, len: { kind: 'register', register: 'RCX', size: 8 } });
  assert.deepEqual(c.read.n, { kind: 'register', register: 'RAX', size: 8 });
});

/** [from, to) → expression text of one parameter's location list, as llvm-dwarfdump prints it. */
function dwarfdumpLocations(path: string, fn: string, param: string): { from: number; to: number; expr: string }[] {
  const out = execFileSync('llvm-dwarfdump', [`--name=${fn}`, '-c', path], { encoding: 'utf8' });
  const at = out.indexOf(`DW_AT_name\t("${param}")`);
  assert.ok(at > 0, `llvm-dwarfdump shows no parameter ${param} of ${fn}`);
  const block = out.slice(at, out.indexOf('DW_TAG', at));
  // The last entry is followed by the ')' that closes the list.
  return [...block.matchAll(/\[0x([0-9a-f]+), 0x([0-9a-f]+)\): (.*?)\)?$/gm)]
    .map((m) => ({ from: parseInt(m[1]!, 16), to: parseInt(m[2]!, 16), expr: m[3]!.trim() }));
}

test('with DWARF: the c and b.ptr of crypto/tls.(*Conn).Read are read at every RET from the spill slots llvm-dwarfdump places them in', () => {
  const p = plan('');
  const c = p.config as Http1TlsConfig;
  const rets = p.probes.filter((x) => x.program === 'uprobe_crypto_tls_conn_read_ret').map((x) => x.address);
  const path = requireBinary(fixture('https'));
  const recv = dwarfdumpLocations(path, 'crypto/tls.(*Conn).Read', 'c'), buf = dwarfdumpLocations(path, 'crypto/tls.(*Conn).Read', 'b');
  for (const pc of rets) {
    const r = recv.find((x) => pc >= x.from && pc < x.to), b = buf.find((x) => pc >= x.from && pc < x.to);
    // CFA is SP+8 at a RET (SP points at the return address), so CFA+0 is sp+8, and fbreg +8 is sp+16.
    assert.equal(r?.expr, 'DW_OP_call_frame_cfa', `c at the RET 0x${pc.toString(16)}`);
    assert.match(b?.expr ?? '', /^DW_OP_fbreg \+8, DW_OP_piece 0x8,/, `b.ptr at the RET 0x${pc.toString(16)}`);
  }
  assert.deepEqual(c.readAtReturn, { recv: { kind: 'stack', offset: 8, size: 8 }, bufPtr: { kind: 'stack', offset: 16, size: 8 } });
});

/** DW_AT_data_member_location of one member of a struct type, as llvm-dwarfdump prints it. */
function dwarfdumpMember(path: string, type: string, member: string): number {
  const out = execFileSync('llvm-dwarfdump', [`--name=${type}`, '-c', path], { encoding: 'utf8' });
  const m = new RegExp(`DW_AT_name\\t\\("${member}"\\)\\s+DW_AT_data_member_location\\t\\((\\d+)\\)`).exec(out);
  assert.ok(m, `llvm-dwarfdump shows no member ${member} of ${type}`);
  return Number(m[1]);
}

test('with DWARF: internal/poll.(*FD).Read has no entry probe; fd and p.ptr come from the spill slots llvm-dwarfdump places them in at every RET', () => {
  const p = plan('');
  const c = p.config as Http1TlsConfig;
  assert.equal(p.probes.filter((x) => x.program === 'uprobe_poll_fd_read').length, 0);
  const rets = p.probes.filter((x) => x.program === 'uprobe_poll_fd_read_ret').map((x) => x.address);
  assert.ok(rets.length >= 1);
  const path = requireBinary(fixture('https'));
  const fd = dwarfdumpLocations(path, 'internal/poll.(*FD).Read', 'fd'), buf = dwarfdumpLocations(path, 'internal/poll.(*FD).Read', 'p');
  for (const pc of rets) {
    const f = fd.find((x) => pc >= x.from && pc < x.to), b = buf.find((x) => pc >= x.from && pc < x.to);
    assert.equal(f?.expr, 'DW_OP_call_frame_cfa', `fd at the RET 0x${pc.toString(16)}`);
    assert.match(b?.expr ?? '', /^DW_OP_fbreg \+8, DW_OP_piece 0x8,/, `p.ptr at the RET 0x${pc.toString(16)}`);
  }
  // The closed bit the RET checks: FD.fdmu.state.
  const state = dwarfdumpMember(path, 'internal/poll.FD', 'fdmu') + dwarfdumpMember(path, 'internal/poll.fdMutex', 'state');
  assert.deepEqual(c.fdRead?.atReturn, { recv: { kind: 'stack', offset: 8, size: 8 }, bufPtr: { kind: 'stack', offset: 16, size: 8 }, fdmuState: state });
  // decrypt's receiver is &c.in: the Conn is the receiver minus Conn.in's offset.
  assert.equal(c.decrypt?.connIn, dwarfdumpMember(path, 'crypto/tls.Conn', 'in'));
});

test('stripped: offsets from the table, locations from the signature, the itab from itablinks', () => {
  const p = plan('-stripped');
  const c = p.config as Http1TlsConfig;
  // No DWARF, no proof that Read's arguments survive to its RETs: the entry probe stays.
  assert.equal(c.readAtReturn, null);
  assert.equal(p.probes.filter((x) => x.program === 'uprobe_crypto_tls_conn_read').length, 1);
  assert.equal(c.itabWhy, undefined);
  assert.ok(p.values.some((v) => v.name === 'itablinks' && v.value === `0x${c.tcpConnItab!.toString(16)}`));
  assert.equal(p.values.find((v) => v.name === 'internal/poll.FD.Sysfd')?.source, 'table');
  assert.equal(p.values.find((v) => v.name === 'crypto/tls.(*Conn).Write buffer length')?.source, 'signature/abi');
  assert.equal(c.fdRead?.atReturn, null);
  assert.equal(p.probes.filter((x) => x.program === 'uprobe_poll_fd_read').length, 1, 'FD.Read keeps its entry probe');
  const dwarf = plan('').config as Http1TlsConfig;
  // crypto/tls.Conn.in is only a shortcut (no table has it): stripped, TLS calls walk to their socket.
  assert.equal(c.decrypt?.connIn, null);
  assert.deepEqual(c, { ...dwarf, readAtReturn: null, fdRead: { ...dwarf.fdRead!, atReturn: null }, decrypt: { ...dwarf.decrypt!, connIn: null } },
    'the same facts as with DWARF, the itab address included');
});

test('PIE: the itab is marked to move with the load address', () => {
  const c = plan('-pie').config as Http1TlsConfig;
  assert.equal(c.pie, true);
  assert.ok(c.tcpConnItab !== null);
});

test('struct h1_proc_cfg and its config slot: the encoder matches the BPF object', (t) => {
  const obj = join(ROOT, 'build', 'bpf', 'http1_tls.bpf.o');
  if (!existsSync(obj)) return t.skip('build/bpf/http1_tls.bpf.o is not built');
  const btf = execFileSync('bpftool', ['btf', 'dump', 'file', obj], { encoding: 'utf8' });
  assert.equal(btfStructSize(btf, 'h1_proc_cfg'), PROC_CFG_SIZE);
  // A binary's config slot (go_cfg_slot.h): the config, then the pids core/plugin-kit/cfg-slots.ts writes after it.
  assert.equal(btfStructSize(btf, 'h1_slot'), PROC_CFG_SIZE + 4 * CFG_SLOT_PIDS);
  assert.equal(btfMapMaxEntries(btf, 'h1_slots'), CFG_SLOTS);
  assert.equal(encodeProcConfig({ tls: plan('').config as Http1TlsConfig, tcp: null }, 0x1000n, true).length, PROC_CFG_SIZE);
});
