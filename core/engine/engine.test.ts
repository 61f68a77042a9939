import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoBinary } from '../binary/go-binary';
import { GotraceError } from '../errors';
import { parseRuleText, loadRuleDir } from './rule-loader';
import { ruleJsonSchema, type RuleSpec } from './rule-schema';
import { selectHooker, versionFacts } from './selector';
import { RuleEngine } from './engine';
import type { GotracePlugin } from './plugin';
import { ROOT, fixture, realBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';

const open = (p: string): GoBinary => new GoBinary(p, readFileSync(p));

function expectRuleError(text: string, line: number, re: RegExp): void {
  assert.throws(() => parseRuleText(text, 'r.yaml'), (e: unknown) => {
    assert.ok(e instanceof GotraceError && e.code === 'ERR_RULE_INVALID', String(e));
    assert.match(e.message, new RegExp(`^r\\.yaml: line ${line}: `));
    assert.match(e.message, re);
    return true;
  });
}

const GOOD = `id: demo/x
plugin: demo
checker:
  symbols: [main.main]
selectors:
  - hooker: h
`;

test('rule files: errors name the file, the line and what is wrong', () => {
  assert.equal(parseRuleText(GOOD, 'r.yaml').failureMode, 'warn');
  expectRuleError(GOOD.replace('demo/x', 'Demo X'), 1, /id: a rule id looks like <plugin>\/<what>/);
  expectRuleError(GOOD + '    when: { go: ">=banana" }\n', 7, /selectors\.0\.when\.go: not a valid semver range/);
  expectRuleError(GOOD + 'extra: 1\n', 1, /Unrecognized key.*extra/i);
  expectRuleError(GOOD.replace('symbols: [main.main]', 'symbols: []'), 4, /checker\.symbols/);
  expectRuleError('id: demo/x\nid: demo/y\n', 2, /not valid YAML.*unique/);
  expectRuleError(GOOD + '    offsets: { "runtime.g.goid": -4 }\n', 7, /offsets/);
});

test('loadRuleDir rejects duplicate ids and skips the schema file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gotrace-rules-'));
  try {
    writeFileSync(join(dir, 'a.yaml'), GOOD);
    writeFileSync(join(dir, 'rule.schema.json'), '{}');
    assert.equal(loadRuleDir(dir).length, 1);
    writeFileSync(join(dir, 'b.json'), JSON.stringify(parseRuleText(GOOD, 'x')));
    assert.throws(() => loadRuleDir(dir), /demo\/x is also defined in/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shipped JSON Schema is the one generated from the zod schema', () => {
  assert.deepEqual(JSON.parse(readFileSync(join(ROOT, 'rules', 'rule.schema.json'), 'utf8')), ruleJsonSchema());
});

const rule = (selectors: RuleSpec['selectors'], symbols: RuleSpec['checker']['symbols'] = ['main.main'], failureMode: RuleSpec['failureMode'] = 'error'): RuleSpec =>
  ({ id: 'demo/x', plugin: 'demo', failureMode, checker: { symbols }, selectors });

test('selectors pick by the Go version and module versions the binary records (go version -m as oracle)', () => {
  const sel = rule([
    { when: { go: '<1.17' }, hooker: 'stack' },
    { when: { go: '>=1.17', modules: { 'golang.org/x/sys': '>=0.0.0-0' } }, hooker: 'register-with-xsys' },
    { when: { go: '>=1.17' }, hooker: 'register' },
  ]);
  for (const [b, want] of [[realBinary(16), 'stack'], [realBinary(17), 'register-with-xsys'], [fixture('divide'), 'register']] as const) {
    const bin = open(b.path);
    const oracle = run('go', ['version', '-m', b.path]);
    const hasXsys = /\tdep\tgolang\.org\/x\/sys\t/.test(oracle);
    const { selected, reasons } = selectHooker(sel, versionFacts(bin.goVersion, bin.buildInfo));
    assert.equal(selected?.selector.hooker, want, `${b.label}: ${reasons.join('; ')}`);
    if (want === 'register') assert.equal(hasXsys, false);
    if (want === 'register-with-xsys') assert.equal(hasXsys, true);
  }
  const none = selectHooker(rule([{ when: { go: '>=1.30' }, hooker: 'h' }]), versionFacts(open(fixture('divide').path).goVersion, open(fixture('divide').path).buildInfo));
  assert.equal(none.selected, undefined);
  assert.match(none.reasons[0]!, /Go 1\.19\.8 is not >=1\.30/);
});

const demo: GotracePlugin = {
  name: 'demo', description: 'test', gotrace: '*',
  hookers: [
    { name: 'h', description: 'plans the entry of the first symbol', plan: (ctx) => ({ probes: [], values: [{ name: 'n', value: ctx.functions.size, source: 'pclntab' }] }) },
    { name: 'boom', description: 'always fails', plan: () => { throw new Error('kaput'); } },
  ],
};

test('the engine checks alternatives, applies failure modes and tags failures with the rule id', () => {
  const bin = open(fixture('https', '-stripped').path);
  const engine = new RuleEngine([demo]);
  const ok = engine.plan(bin, rule([{ when: {}, hooker: 'h' }], [{ anyOf: ['golang.org/x/net/http2.(*serverConn).processHeaders', 'net/http.(*http2serverConn).processHeaders'] }]));
  assert.equal(ok.status, 'planned');
  assert.equal(ok.check.found.get('golang.org/x/net/http2.(*serverConn).processHeaders')?.name, 'net/http.(*http2serverConn).processHeaders');
  const missing = engine.plan(bin, rule([{ when: {}, hooker: 'h' }], ['main.nope'], 'ignore'));
  assert.equal(missing.status, 'failed');
  assert.equal(missing.failureMode, 'ignore');
  assert.equal(missing.error?.code, 'ERR_RULE_CHECK_FAILED');
  assert.match(missing.error!.message, /rule demo\/x: binary lacks main\.nope/);
  const boom = engine.plan(bin, rule([{ when: {}, hooker: 'boom' }]));
  assert.equal(boom.error?.code, 'ERR_RULE_FAILED');
  assert.match(boom.error!.message, /hooker boom failed: kaput/);
  assert.equal(engine.plan(bin, rule([{ when: {}, hooker: 'nope' }])).error?.code, 'ERR_PLUGIN_INVALID');
  assert.equal(new RuleEngine([]).plan(bin, rule([{ when: {}, hooker: 'h' }])).error?.code, 'ERR_PLUGIN_INVALID');
});
