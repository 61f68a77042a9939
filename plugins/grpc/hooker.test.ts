// The grpc plan from the file alone (no kernel), and the config layout against
// the BPF object's BTF. The stripped build (no DWARF, no module versions) must
// plan exactly what the unstripped one does, from grpc-go's user-agent version
// and the grpc table; with that string gone it must refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GoBinary } from '../../core/binary/go-binary';
import { RuleEngine } from '../../core/engine/engine';
import { loadRuleFile } from '../../core/engine/rule-loader';
import { ROOT, fixture, requireBinary } from '../../test/support/binaries';
import { plugin } from './index';
import type { GrpcConfig } from './hooker';
import { buildClientOnly } from '../../test/support/grpc-client-only';
import { FIELDS } from './offsets';
import { CFG_SIZE, encodeCfg, EVENT_SIZE, HDR_EVENT_HEAD } from './layout';
import { CFG_SLOT_PIDS, CFG_SLOTS } from '../../core/plugin-kit/cfg-slots';
import { btfMapMaxEntries, btfStructSize } from '../../test/support/btf';

function outcome(variant: '' | '-stripped' | '-pie', edit: (b: Buffer) => Buffer = (b) => b) {
  const path = requireBinary(fixture('grpc', variant));
  const rule = loadRuleFile(join(ROOT, 'rules', 'grpc.yaml'));
  return new RuleEngine([plugin]).planAll(new GoBinary(path, edit(readFileSync(path))), [rule])[0]!;
}

/** The binary with every "grpc-go/1.33.3" made unreadable as a version (same length). */
function withoutUserAgent(b: Buffer): Buffer {
  const out = Buffer.from(b), from = Buffer.from('grpc-go/1.33.3'), to = Buffer.from('grpc-go/x.xx.x');
  for (let i = out.indexOf(from); i >= 0; i = out.indexOf(from, i + 1)) to.copy(out, i);
  return out;
}

test('GOPATH build with DWARF: the server-dwarf fallback plans nine probes, offsets from DWARF', () => {
  const o = outcome('');
  assert.equal(o.status, 'planned', o.error?.message);
  const p = o.plan!, c = p.config as GrpcConfig;
  assert.deepEqual(p.probes.map((x) => x.program), ['uprobe_transport_http2server_operateheaders', 'uprobe_transport_loopywriter_writeheader',
    'uprobe_transport_http2server_handledata', 'uprobe_transport_http2server_write', 'uprobe_transport_http2client_operateheaders',
    'uprobe_transport_http2client_handledata', 'uprobe_transport_http2client_write', 'uprobe_transport_http2client_closestream',
    'uprobe_transport_http2server_handlerststream']);
  // grpc 1.33.3: http2Server{lastRead int64; ctx context.Context; done chan; conn net.Conn ...}, loopyWriter.framer after 5 words, bufWriter{buf []byte; offset, batchSize int; conn}.
  assert.deepEqual(c.offsets, { srvConn: 32, cliConn: 72, lwSide: 0, lwFramer: 40, frWriter: 0, bwConn: 40, stId: 0, mhfHeaders: 0, mhfFields: 8,
    fhStream: 8, fhFlags: 2, dfData: 16, rstCode: 12 });
  assert.equal(p.values.find((v) => v.name.endsWith('loopyWriter.framer'))?.source, 'dwarf');
  assert.notEqual(c.tlsConnItab, null);
  assert.notEqual(c.wrapConnItab, null);
  assert.equal(c.locations.length, 27);
});

test('stripped GOPATH build: grpc 1.33.3 from its user agent, offsets from the table, the same plan as with DWARF', () => {
  const o = outcome('-stripped'), d = outcome('');
  assert.equal(o.status, 'planned', o.error?.message);
  const v = o.plan!.values.find((x) => x.name === 'google.golang.org/grpc version');
  assert.deepEqual([v?.value, v?.source], ['1.33.3', 'rodata']);
  for (const f of Object.values(FIELDS)) {
    const got = o.plan!.values.find((x) => x.name === f);
    assert.ok(got?.source === 'table' && /grpc@1\.33\.3|go1\.19/.test(got.detail ?? ''), `${f}: ${JSON.stringify(got)}`);
  }
  const c = o.plan!.config as GrpcConfig, dc = d.plan!.config as GrpcConfig;
  assert.deepEqual(c.offsets, dc.offsets);
  assert.deepEqual(c.locations, dc.locations);
  // Itabs from the runtime's itab list equal the .symtab ones of the same link.
  assert.deepEqual([c.tcpConnItab, c.tlsConnItab, c.wrapConnItab, c.wrapConn], [dc.tcpConnItab, dc.tlsConnItab, dc.wrapConnItab, dc.wrapConn]);
  assert.deepEqual(o.plan!.probes.map((x) => x.fileOffset), d.plan!.probes.map((x) => x.fileOffset));
});

test('stripped GOPATH build without the user-agent version: no grpc version, no DWARF: ERR_OFFSET_UNKNOWN, never a guess', () => {
  const o = outcome('-stripped', withoutUserAgent);
  assert.notEqual(o.status, 'planned');
  assert.equal(o.error?.code, 'ERR_OFFSET_UNKNOWN');
  assert.match(String(o.error?.message), /no "grpc-go\/<version>" user-agent string.*no DWARF/);
  // With DWARF the same edit still plans: DWARF answers first.
  assert.equal(outcome('', withoutUserAgent).status, 'planned');
});

test('a program that only dials (no http2Server methods linked): the client side is planned alone', () => {
  const path = buildClientOnly();
  const rule = loadRuleFile(join(ROOT, 'rules', 'grpc.yaml'));
  const bin = new GoBinary(path, readFileSync(path));
  assert.equal(bin.findFunction('google.golang.org/grpc/internal/transport.(*http2Server).operateHeaders'), undefined, 'the linker left the server out');
  const o = new RuleEngine([plugin]).planAll(bin, [rule])[0]!;
  assert.equal(o.status, 'planned', o.error?.message);
  assert.deepEqual(o.plan!.probes.map((x) => x.program), ['uprobe_transport_loopywriter_writeheader', 'uprobe_transport_http2client_operateheaders',
    'uprobe_transport_http2client_handledata', 'uprobe_transport_http2client_write', 'uprobe_transport_http2client_closestream']);
  const c = o.plan!.config as GrpcConfig;
  assert.equal(c.offsets.cliConn, 72);
  assert.equal(c.locations.length, 27);
});

test('struct gr_cfg and the events: the encoder and decoder match the BPF object', () => {
  const obj = join(ROOT, 'build', 'bpf', 'grpc.bpf.o');
  assert.ok(existsSync(obj), 'build/bpf/grpc.bpf.o is built by npm run setup');
  const btf = execFileSync('bpftool', ['btf', 'dump', 'file', obj], { encoding: 'utf8' });
  assert.equal(btfStructSize(btf, 'gr_cfg'), CFG_SIZE);
  assert.equal(btfStructSize(btf, 'gr_event'), EVENT_SIZE);
  // A binary's config slot (go_cfg_slot.h): the config, then the pids core/plugin-kit/cfg-slots.ts writes after it.
  assert.equal(btfStructSize(btf, 'gr_slot'), CFG_SIZE + 4 * CFG_SLOT_PIDS);
  assert.equal(btfMapMaxEntries(btf, 'gr_slots'), CFG_SLOTS);
  // The header-block record's head ends where its struct go_hdr_block begins.
  assert.equal(Number(/STRUCT 'gr_hdr_event' size=\d+ vlen=\d+\n(?:\t.*\n)*?\t'b' type_id=\d+ bits_offset=(\d+)/.exec(btf)![1]) / 8, HDR_EVENT_HEAD);
  const c = outcome('').plan!.config as GrpcConfig;
  assert.equal(encodeCfg(c, { tcp: 1n, tls: 2n, wrap: 3n, bufr: 4n }, true).length, CFG_SIZE);
});
