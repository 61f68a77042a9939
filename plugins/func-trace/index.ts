// func-trace: any Go function's arguments, results and latency. Its rules are
// usually made from `gotrace trace --func` flags (see rules.ts), but rule
// files can name it too.
import type { GotracePlugin } from '../../core/engine/plugin';
import { functionHooker } from './hooker';
import { createFuncTraceRuntime } from './runtime';
import { rulesFromFuncSpecs } from './rules';
import { UsageError } from '../../core/errors';

export const plugin: GotracePlugin = {
  name: 'func-trace',
  description: 'arguments, results and latency of any Go function',
  gotrace: '^0.1.0',
  hookers: [functionHooker],
  createRuntime: () => createFuncTraceRuntime(),
  commands: [{
    name: 'trace',
    description: "trace Go functions' arguments, results and latency",
    options: [{ flags: '--func <spec>', description: "function to trace: 'main.Divide' or, without DWARF, 'main.Divide(a int, b int) (int, int)' (repeatable)" }],
    rules: ({ func = [] }) => {
      if (!func.length) throw new UsageError('ERR_USAGE', "trace needs at least one --func, e.g. --func 'main.Divide'");
      return rulesFromFuncSpecs(func);
    },
  }],
};
