// Rules made from `--func` flags: `main.Divide` (DWARF gives the types), or
// `main.Divide(dividend int, divisor int) (int, int)` for stripped binaries.
import type { LoadedRule } from '../../core/engine/rule-loader';
import { UsageError } from '../../core/errors';

/** Splits `name(sig…)` at the first '(' that follows an identifier character (not a receiver's `.(`). */
export function splitFuncSpec(spec: string): { name: string; signature?: string } {
  const s = spec.trim();
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '(' && /[\w\]]/.test(s[i - 1]!)) return { name: s.slice(0, i), signature: s.slice(i) };
  }
  if (!s) throw new UsageError('ERR_USAGE', "--func needs a function name, e.g. --func 'main.Divide'");
  return { name: s };
}

export function rulesFromFuncSpecs(specs: readonly string[]): LoadedRule[] {
  return specs.map((spec, i) => {
    const { name, signature } = splitFuncSpec(spec);
    return {
      file: `--func ${spec}`,
      rule: {
        id: `func-trace/func-${i + 1}`,
        plugin: 'func-trace',
        failureMode: 'error' as const,
        checker: { symbols: [name] },
        selectors: [{ when: {}, hooker: 'function', ...(signature ? { signatures: { [name]: signature } } : {}) }],
      },
    };
  });
}
