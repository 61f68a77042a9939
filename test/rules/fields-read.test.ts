// `gotrace support` trusts each hooker's fieldsRead to say which struct
// offsets a stripped binary needs. Here they are checked against what the
// hooker's plan really resolves from DWARF on the fixtures, so a hooker that
// starts reading a new field without saying so fails.
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { GoBinary } from '../../core/binary/go-binary';
import { RuleEngine } from '../../core/engine/engine';
import { loadRuleDir } from '../../core/engine/rule-loader';
import { loadPlugins } from '../../core/cli/load-plugins';
import { ROOT, fixture } from '../support/binaries';
import { SEQ_FIELDS, genFields } from '../../plugins/http2/offsets';
import { SEQ_FIELDS as GRPC_SEQ_FIELDS, STATUS_FIELDS as GRPC_STATUS_FIELDS } from '../../plugins/grpc/offsets';
import { FD_READ_AT_RET_FIELDS } from '../../plugins/http1-tls/fd-read';
import { TLS_CONN_IN } from '../../plugins/http1-tls/hooker';

const plugins = loadPlugins();
const rules = loadRuleDir(join(ROOT, 'rules'));

/** Struct-field values of a plan resolved from DWARF: `pkg.Type.field`, no spaces or parentheses. */
const dwarfFields = (values: readonly { name: string; source: string }[]): string[] =>
  [...new Set(values.filter((v) => v.source === 'dwarf' && !/[\s(]/.test(v.name)).map((v) => v.name))].sort();

for (const [name, ruleId, optional] of [
  ['divide', 'func-trace/demo-divide', []],
  // FD.Read's fdmu.state is read only where DWARF lets its entry probe go; stripped binaries keep the entry probe.
  // crypto/tls.Conn.in is a shortcut too: without it TLS calls walk from their Conn to the socket.
  ['https', 'http1-tls/tls', [...FD_READ_AT_RET_FIELDS, TLS_CONN_IN]],
  ['https', 'http1-tls/tcp', FD_READ_AT_RET_FIELDS],
  // syscallConn.Conn is optional: without it wrapped conns are reported with no fd. So is the status a
  // client's closeStream is given (a call closed by a reset then reports the reset's status).
  ['grpc', 'grpc/server', ['google.golang.org/grpc/internal/credentials.syscallConn.Conn', ...Object.values(GRPC_SEQ_FIELDS), ...Object.values(GRPC_STATUS_FIELDS)]],
  // fieldsRead is the bundled copy's; the fixture also links x/net's copy (keyed by the x/net version) and h2c (optional).
  // x/net's copy and h2c's wrapper are optional (stripped, the bundled copy is traced alone), and so are the TCP seqs' offsets (null seqs without them).
  ['http2', 'http2/streams', [...genFields({ pkg: 'golang.org/x/net/http2', prefix: '' }), 'golang.org/x/net/http2/h2c.bufConn.Conn', 'golang.org/x/net/http2/h2c.bufConn.Reader',
    ...[{ pkg: 'golang.org/x/net/http2', prefix: '' as const }, { pkg: 'net/http', prefix: 'http2' as const }].flatMap((g) =>
      Object.values(SEQ_FIELDS).map((f) => (typeof f === 'string' ? f : `${g.pkg}.${g.prefix}${f[0]}.${f[1]}`)))]],
] as const) {
  test(`${ruleId}: fieldsRead is what its plan resolves from DWARF on the ${name} fixture`, () => {
    const path = fixture(name).path;
    const bin = new GoBinary(path, readFileSync(path));
    const rule = rules.filter((r) => r.rule.id === ruleId);
    assert.equal(rule.length, 1, `rule ${ruleId} is shipped`);
    const [outcome] = new RuleEngine(plugins).planAll(bin, rule);
    assert.equal(outcome?.status, 'planned', outcome?.error?.message);
    const hooker = plugins.find((p) => p.name === outcome!.plugin)!.hookers.find((h) => h.name === outcome!.selection!.selector.hooker);
    assert.ok(hooker?.fieldsRead, `${ruleId}: hooker ${outcome!.selection!.selector.hooker} declares fieldsRead`);
    const planned = dwarfFields(outcome!.plan!.values).filter((f) => !(optional as readonly string[]).includes(f));
    assert.deepEqual([...hooker.fieldsRead].sort(), planned);
  });
}
