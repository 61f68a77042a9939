// The http2 plan from the file alone (no kernel), and the layouts against
// the BPF object's BTF.
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
import type { Http2Config } from './hooker';
import { CFG_SIZE, encodeCfg } from './layout';
import { HTTP2_TABLE } from './offsets';
import { btfStructSize } from '../../test/support/btf';
import { dwarfMemberOffset } from '../../test/support/dwarfdump';

function plan(variant: '' | '-stripped') {
  const path = requireBinary(fixture('http2', variant));
  const rule = loadRuleFile(join(ROOT, 'rules', 'http2.yaml'));
  const [o] = new RuleEngine([plugin]).planAll(new GoBinary(path, readFileSync(path)), [rule]);
  assert.equal(o!.status, 'planned', o!.error?.message);
  return o!.plan!;
}

const FIXTURE_OFFSETS = { scConn: 16, scFramer: 72, mhfHeaders: 0, mhfFields: 8, fhStream: 8, fhFlags: 2, dfData: 16, rstCode: 12, wrhStream: 0, wrhCode: 8, wrhEnd: 48, ccTconn: 8, ccFr: 304, rlCc: 0,
  // TCP seqs (optional offsets): the frames and writers of this copy, and bufio, bytes and crypto/tls of Go 1.19.8.
  fhLength: 4, ccBr: 200, ccBw: 296, scBw: 32, bfwBw: 16, bwN: 40, brR: 40, brW: 48, tlsRawInput: 632, tlsInput: 672, readerI: 24,
  // where a TLS write's records fall (go_tls13_write_seq)
  bwBuf: 16, tlsVers: 64, tlsBytesSent: 784, tlsPacketsSent: 792, tlsConfig: 72, tlsDynOff: 280 };

test('with DWARF: both http2 copies planned with both sides, offsets from DWARF, one cookie per probe', () => {
  const p = plan('');
  const c = p.config as Http2Config;
  assert.deepEqual(c.gens.map((g) => g.pkg).sort(), ['golang.org/x/net/http2', 'net/http']);
  assert.equal(c.cookies.length, p.probes.length);
  for (const g of c.gens) {
    assert.deepEqual(g.sides, ['server', 'client']);
    assert.deepEqual(g.offsets, FIXTURE_OFFSETS);
  }
  for (const prog of ['uprobe_http2_clientconn_writeheader', 'uprobe_http2_clientconn_writeheaders',
    'uprobe_http2_clientconnreadloop_processdata', 'uprobe_http2_clientconnreadloop_processresetstream', 'uprobe_http2_serverconn_processresetstream', 'uprobe_http2_framer_writerststream',
    'uprobe_http2_serverconn_closeallstreamsonconnclose', 'uprobe_http2_clientconnreadloop_cleanup']) {
    assert.equal(p.probes.filter((x) => x.program === prog).length, 2, `${prog}: once per copy`);
  }
  assert.deepEqual(p.probes.filter((x) => x.program === 'uprobe_http2_clientconnreadloop_handleresponse').map((x) => x.symbol.replace(/.*\)\./, '')).sort(),
    ['handleResponse', 'handleResponse', 'processTrailers', 'processTrailers'], 'trailers share the handleResponse program');
  // x/net 0.7's server writes large DATA frames with startWriteDataPadded directly; the bundled copy of Go 1.19 has none.
  assert.ok(p.probes.some((x) => x.symbol === 'golang.org/x/net/http2.(*Framer).startWriteDataPadded'));
  assert.ok(p.probes.some((x) => x.symbol === 'net/http.(*http2Framer).WriteDataPadded'));
  // Signature-derived locations agree with DWARF's (register ABI).
  const bundled = c.gens.find((g) => g.pkg === 'net/http')!;
  assert.deepEqual([bundled.locations.hf_name, bundled.locations.hf_value_len, bundled.locations.wh_stream, bundled.locations.hr_f].map((l) => l && 'register' in l ? l.register : null), ['RBX', 'RSI', 'RBX', 'RCX']);
  assert.equal(p.values.find((v) => v.name === 'net/http.http2MetaHeadersFrame.http2HeadersFrame')?.source, 'dwarf');
  assert.ok(p.probes.some((x) => x.symbol === 'vendor/golang.org/x/net/http2/hpack.(*Encoder).WriteField'));
  assert.ok(p.probes.some((x) => x.symbol === 'golang.org/x/net/http2/hpack.(*Encoder).WriteField'));
  assert.notEqual(c.tlsConnItab, null);
  assert.notEqual(c.wrapConnItab, null, 'h2c.bufConn is linked in');
  assert.equal(c.wrapConn, 0);
  // What an h2c server's frames are read through first: bufConn.Reader, where llvm-dwarfdump puts it.
  assert.equal(c.wrapReader, dwarfMemberOffset(requireBinary(fixture('http2')), 'golang.org/x/net/http2/h2c.bufConn', 'Reader'));
});

test('stripped: the bundled copy from the Go 1.19 table; x/net (layout keyed by its own version) is left out and said so', () => {
  const p = plan('-stripped');
  const c = p.config as Http2Config;
  assert.deepEqual(c.gens.map((g) => g.pkg), ['net/http']);
  assert.equal(p.values.find((v) => v.name === 'net/http.http2serverConn.framer')?.source, 'table');
  assert.match(String(p.values.find((v) => v.name === 'golang.org/x/net/http2 http2 frames')?.detail), /not traced: .*no DWARF/);
  assert.deepEqual(c.gens[0]!.sides, ['server', 'client']);
  assert.equal(p.values.find((v) => v.name === 'net/http.http2ClientConn.fr')?.source, 'table');
  assert.deepEqual(c.gens[0]!.offsets, (plan('').config as Http2Config).gens.find((g) => g.pkg === 'net/http')!.offsets, 'the table agrees with DWARF');
  // No .symtab: the itab comes from the runtime's itab list, at the address the unstripped twin's symbol has.
  assert.equal(c.tlsConnItab, (plan('').config as Http2Config).tlsConnItab);
  assert.notEqual(c.tlsConnItab, null);
});

test('HTTP2_TABLE: every entry equals the DWARF of the Go 1.19 fixture', () => {
  const path = requireBinary(fixture('http2', ''));
  const bin = new GoBinary(path, readFileSync(path));
  assert.equal(bin.goVersion?.semver, '1.19.8');
  for (const [field, entries] of Object.entries(HTTP2_TABLE.fields)) {
    const dot = field.lastIndexOf('.');
    const f = bin.dwarf?.struct(field.slice(0, dot))?.fields.find((x) => x.name === field.slice(dot + 1));
    assert.ok(f, `${field} is in the fixture's DWARF`);
    for (const e of entries) assert.equal(e.value, f.offset, `${field}: table ${e.value}, DWARF ${f.offset}`);
  }
});

test('struct h2_cfg: the encoder matches the BPF object', () => {
  const obj = join(ROOT, 'build', 'bpf', 'http2.bpf.o');
  assert.ok(existsSync(obj), 'build/bpf/http2.bpf.o is built by npm run setup');
  const btf = execFileSync('bpftool', ['btf', 'dump', 'file', obj], { encoding: 'utf8' });
  assert.equal(btfStructSize(btf, 'h2_cfg'), CFG_SIZE);
  const c = plan('').config as Http2Config;
  assert.equal(encodeCfg(c, c.gens[0]!, { tcp: 1n, tls: 2n, wrap: 3n }, true).length, CFG_SIZE);
});
