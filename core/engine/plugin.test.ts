import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { container } from 'tsyringe';
import { registerPlugin, registeredPlugins, type GotracePlugin } from './plugin';
import { GotraceError } from '../errors';
import { loadPlugins } from '../cli/load-plugins';

const base: GotracePlugin = { name: 'p', description: 'test', gotrace: '^0.1.0', hookers: [] };

test('registerPlugin refuses malformed plugins with ERR_PLUGIN_INVALID, commands included', () => {
  const bad: [string, GotracePlugin][] = [
    ['name', { ...base, name: 'Not Kebab' }],
    ['version', { ...base, gotrace: '^9.0.0' }],
    ['command name', { ...base, commands: [{ name: 'Trace Me', description: '', options: [], rules: () => [] }] }],
    ['command rules()', { ...base, commands: [{ name: 'x', description: '', options: [] } as never] }],
  ];
  for (const [what, p] of bad) {
    const c = container.createChildContainer();
    assert.throws(() => registerPlugin(c, p), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_PLUGIN_INVALID', what);
    assert.equal(registeredPlugins(c).length, 0, what);
  }
});

test('the installed func-trace plugin contributes `trace`, whose --func flags become strict func-trace rules', () => {
  const ft = loadPlugins().find((p) => p.name === 'func-trace');
  const trace = ft?.commands?.find((c) => c.name === 'trace');
  assert.ok(trace, 'func-trace adds the trace command');
  const rules = trace.rules({ func: ['main.Divide', 'main.Add(a int, b int) int'] });
  assert.deepEqual(rules.map((r) => [r.rule.plugin, r.rule.checker.symbols, r.rule.failureMode]), [
    ['func-trace', ['main.Divide'], 'error'],
    ['func-trace', ['main.Add'], 'error'],
  ]);
  assert.deepEqual(rules[1]!.rule.selectors[0]!.signatures, { 'main.Add': '(a int, b int) int' });
  assert.throws(() => trace.rules({ func: [] }), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_USAGE');
});
