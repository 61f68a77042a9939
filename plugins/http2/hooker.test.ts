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

function plan(variant: '' | '-stripped') {
  const path = requireBinary(fixture('http2', variant));
  const rule = loadRuleFile(join(ROOT, 'rules', 'http2.yaml'));
  const [o] = new RuleEngine([plugin]).planAll(new GoBinary(path, readFileSync(path)), [rule]);
  assert.equal(o!.status, 'planned', o!.error?.message);
  return o!.plan!;
}

test('with DWARF: both http2 copies planned, offsets from DWARF, one cookie per probe', () => {
  const p = plan('');
  const c = p.config as Http2Config;
  assert.deepEqual(c.gens.map((g) => g.pkg).sort(), ['golang.org/x/net/http2', 'net/http']);
  assert.equal(c.cookies.length, p.probes.length);
  for (const g of c.gens) assert.deepEqual(g.offsets, { scConn: 16, scFramer: 72, mhfHeaders: 0, mhfFields: 8, fhStream: 8, dfData: 16, wrhStream: 0, wrhCode: 8, wrhEnd: 48 });
  assert.equal(p.values.find((v) => v.name === 'net/http.http2MetaHeadersFrame.http2HeadersFrame')?.source, 'dwarf');
  assert.ok(p.probes.some((x) => x.symbol === 'vendor/golang.org/x/net/http2/hpack.(*Encoder).WriteField'));
  assert.ok(p.probes.some((x) => x.symbol === 'golang.org/x/net/http2/hpack.(*Encoder).WriteField'));
  assert.notEqual(c.tlsConnItab, null);
});

test('stripped: the bundled copy from the Go 1.19 table; x/net (layout keyed by its own version) is left out and said so', () => {
  const p = plan('-stripped');
  const c = p.config as Http2Config;
  assert.deepEqual(c.gens.map((g) => g.pkg), ['net/http']);
  assert.equal(p.values.find((v) => v.name === 'net/http.http2serverConn.framer')?.source, 'table');
  assert.match(String(p.values.find((v) => v.name === 'golang.org/x/net/http2 http2 server')?.detail), /not traced: .*ERR_OFFSET_UNKNOWN|not traced: .*no DWARF/);
  assert.deepEqual(c.gens[0]!.offsets, (plan('').config as Http2Config).gens.find((g) => g.pkg === 'net/http')!.offsets, 'the table agrees with DWARF');
  // No .symtab: the itab comes from the runtime's itab list, at the address the unstripped twin's symbol has.
  assert.equal(c.tlsConnItab, (plan('').config as Http2Config).tlsConnItab);
  assert.notEqual(c.tlsConnItab, null);
});

test('struct h2_cfg: the encoder matches the BPF object', () => {
  const obj = join(ROOT, 'build', 'bpf', 'http2.bpf.o');
  assert.ok(existsSync(obj), 'build/bpf/http2.bpf.o is built by npm run setup');
  const btf = execFileSync('bpftool', ['btf', 'dump', 'file', obj], { encoding: 'utf8' });
  assert.equal(Number(/STRUCT 'h2_cfg' size=(\d+)/.exec(btf)![1]), CFG_SIZE);
  const c = plan('').config as Http2Config;
  assert.equal(encodeCfg(c, c.gens[0]!, 1n, 2n, true).length, CFG_SIZE);
});
