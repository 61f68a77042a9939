import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { formatSupport, supportMatrix } from './support-command';
import { ROOT } from '../../test/support/binaries';

const rules = join(__dirname, '..', '..', '..', 'rules');

test('the support matrix follows the rules and tables', () => {
  const m = supportMatrix(rules);
  const tls = m.rules.find((r) => r.id === 'http1-tls/tls');
  assert.ok(tls, 'rules/http1-tls.yaml is in the matrix');
  const at = (minor: string) => tls.cells[m.go.indexOf(minor)]!;
  assert.deepEqual(at('1.19'), { dwarf: 'yes', stripped: 'yes' });
  // runtime.g.goid is listed by a source up to Go 1.27.0 only.
  assert.deepEqual(at('1.27'), { dwarf: 'yes', stripped: '1.27.0' });
  const xnet = m.modules.find((x) => x.module === 'golang.org/x/net');
  assert.deepEqual(xnet?.fields['golang.org/x/net/http2.ClientConn.tconn'], ['>=0.12.0 <=0.59.0']);
  assert.deepEqual(m.modules.find((x) => x.module === 'google.golang.org/grpc')?.fields['google.golang.org/grpc/internal/transport.Stream.id'], ['>=1.14.0 <=1.85.0-dev']);
  // Stripped http1-tcp needs only goid and Sysfd, both in the Go table for every version it lists.
  const tcp = m.rules.find((r) => r.id === 'http1-tls/tcp')!;
  assert.deepEqual(tcp.cells[m.go.indexOf('1.16')], { dwarf: 'yes', stripped: 'yes' });
  // grpc reads fields keyed by grpc's version: stripped works where the grpc table knows them all.
  const grpc = m.rules.find((r) => r.id === 'grpc/server')!;
  assert.deepEqual(grpc.cells[m.go.indexOf('1.19')], { dwarf: 'yes', stripped: 'yes' });
  assert.deepEqual(grpc.strippedModules, { 'google.golang.org/grpc': ['1.33.3'] });
  const text = formatSupport(m);
  assert.match(text, /^  grpc\/server: google\.golang\.org\/grpc 1\.33\.3$/m);
  assert.match(text, /^1\.19\s+.*yes \/ yes/m);
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
});

test('the README shows the support matrix gotrace support prints now', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /<!-- support:start -->\n```\n([\s\S]*?)\n```\n<!-- support:end -->/.exec(readme);
  assert.ok(section, 'README has the support markers');
  const out = execFileSync(process.execPath, [join(ROOT, 'dist', 'core', 'cli', 'main.js'), 'support'], { encoding: 'utf8' });
  assert.equal(section[1], out.trimEnd(), 'README is stale: run node scripts/readme-support.js');
});
