// func-trace: any Go function's arguments, results and latency. Its rules are
// usually made from `gotrace trace --func` flags (see rules.ts), but rule
// files can name it too.
import type { GotracePlugin } from '../../core/engine/plugin';
import { functionHooker } from './hooker';
import { createFuncTraceRuntime } from './runtime';

export const plugin: GotracePlugin = {
  name: 'func-trace',
  description: 'arguments, results and latency of any Go function',
  gotrace: '^0.1.0',
  hookers: [functionHooker],
  createRuntime: () => createFuncTraceRuntime(),
};
