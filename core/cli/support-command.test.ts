import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatSupport, supportMatrix } from './support-command';

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
  const text = formatSupport(m);
  assert.match(text, /^1\.19\s+.*yes \/ yes/m);
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
});
