// The grpc plan from the file alone (no kernel), and the config layout against
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
import type { GrpcConfig } from './hooker';
import { CFG_SIZE, encodeCfg } from './layout';

function outcome(variant: '' | '-stripped') {
  const path = requireBinary(fixture('grpc', variant));
  const rule = loadRuleFile(join(ROOT, 'rules', 'grpc.yaml'));
  return new RuleEngine([plugin]).planAll(new GoBinary(path, readFileSync(path)), [rule])[0]!;
}

test('GOPATH build with DWARF: the server-dwarf fallback plans four probes, offsets from DWARF', () => {
  const o = outcome('');
  assert.equal(o.status, 'planned', o.error?.message);
  const p = o.plan!, c = p.config as GrpcConfig;
  assert.deepEqual(p.probes.map((x) => x.program), ['uprobe_transport_http2server_operateheaders', 'uprobe_transport_loopywriter_writeheader',
    'uprobe_transport_http2server_handledata', 'uprobe_transport_http2server_write']);
  // grpc 1.33.3: http2Server{lastRead int64; ctx context.Context; done chan; conn net.Conn ...}, loopyWriter.framer after 5 words, bufWriter{buf []byte; offset, batchSize int; conn}.
  assert.deepEqual(c.offsets, { srvConn: 32, lwSide: 0, lwFramer: 40, frWriter: 0, bwConn: 40, stId: 0, mhfHeaders: 0, mhfFields: 8, fhStream: 8, dfData: 16 });
  assert.equal(p.values.find((v) => v.name.endsWith('loopyWriter.framer'))?.source, 'dwarf');
  assert.notEqual(c.tlsConnItab, null);
  assert.notEqual(c.wrapConnItab, null);
  assert.equal(c.locations.length, 13);
});

test('stripped GOPATH build: no grpc version, no DWARF: ERR_OFFSET_UNKNOWN, never a guess', () => {
  const o = outcome('-stripped');
  assert.notEqual(o.status, 'planned');
  assert.match(String(o.error?.message), /ERR_OFFSET_UNKNOWN|no DWARF/);
});

test('struct gr_cfg: the encoder matches the BPF object', (t) => {
  const obj = join(ROOT, 'build', 'bpf', 'grpc.bpf.o');
  if (!existsSync(obj)) return t.skip('build/bpf/grpc.bpf.o is not built');
  const btf = execFileSync('bpftool', ['btf', 'dump', 'file', obj], { encoding: 'utf8' });
  assert.equal(Number(/STRUCT 'gr_cfg' size=(\d+)/.exec(btf)![1]), CFG_SIZE);
  const c = outcome('').plan!.config as GrpcConfig;
  assert.equal(encodeCfg(c, { tcp: 1n, tls: 2n, wrap: 3n }, true).length, CFG_SIZE);
});
