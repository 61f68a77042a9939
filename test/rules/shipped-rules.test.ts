// The shipped rules, through the rule tester, against real binaries.
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { loadRuleFile } from '../../core/engine/rule-loader';
import { RuleTester } from '../../core/engine/rule-tester';
import { loadPlugins } from '../../core/cli/load-plugins';
import { ROOT, fixture, realBinary } from '../support/binaries';

const tester = new RuleTester(loadPlugins());

tester.run(loadRuleFile(join(ROOT, 'rules', 'func-trace-demo.yaml')), {
  valid: [
    { binary: fixture('divide').path, hooker: 'function', probes: ['entry main.Divide', 'return main.Divide'] },
    { binary: fixture('divide', '-stripped').path, name: 'divide-stripped (signature from the rule)', probes: ['entry main.Divide'] },
    { binary: fixture('divide', '-pie').path, name: 'divide-pie' },
  ],
  invalid: [
    { binary: realBinary(26).path, name: 'esbuild (no main.Divide)', code: 'ERR_RULE_CHECK_FAILED' },
    { binary: fixture('https').path, name: 'https fixture', code: 'ERR_RULE_CHECK_FAILED' },
  ],
});

// Real stripped third-party binaries of both ABIs: every http1-tls probe
// resolves, with offsets from the version tables and locations from the Go
// signatures (their function entries come from the pclntab, which
// core/binary/pclntab-runtime.test.ts checks against the binaries' own
// runtime tracebacks).
tester.run(loadRuleFile(join(ROOT, 'rules', 'http1-tls.yaml')), {
  valid: [16, 17, 26].map((minor) => ({
    binary: realBinary(minor as 16 | 17 | 26).path,
    name: `esbuild-go1.${minor} (stripped)`,
    probes: ['entry crypto/tls.(*Conn).Write', 'entry crypto/tls.(*Conn).Read', 'return crypto/tls.(*Conn).Read'],
    check: (o) => {
      const sources = new Set(o.plan!.values.map((v) => v.source));
      assert.ok(sources.has('table') && sources.has('signature/abi') && !sources.has('dwarf'), [...sources].join(','));
    },
  })),
  invalid: [{ binary: fixture('divide', '-stripped').path, name: 'divide (no crypto/tls)', code: 'ERR_RULE_CHECK_FAILED' }],
});
