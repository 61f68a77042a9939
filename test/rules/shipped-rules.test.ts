// The shipped rules, through the rule tester, against real binaries.
import { join } from 'node:path';
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
