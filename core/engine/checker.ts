// A rule's Checker: are the functions it needs in this binary? A pure function
// of the binary's facts, so the rule tester runs it without a kernel.
import type { GoBinary, ResolvedFunction } from '../binary/go-binary';
import type { RuleSpec, SymbolRequirementSpec } from './rule-schema';
import { findGoFunction } from './symbol-names';

export interface CheckResult {
  readonly passed: boolean;
  /** For each requirement (by its first name), the function found for it. */
  readonly found: ReadonlyMap<string, ResolvedFunction>;
  /** Requirements no name of which exists, described for a person. */
  readonly missing: readonly string[];
}

const alternatives = (r: SymbolRequirementSpec): string[] => (typeof r === 'string' ? [r] : r.anyOf);

export function checkRule(rule: RuleSpec, bin: GoBinary): CheckResult {
  const found = new Map<string, ResolvedFunction>();
  const missing: string[] = [];
  for (const req of rule.checker.symbols) {
    const names = alternatives(req);
    let hit: ResolvedFunction | undefined;
    for (const n of names) if ((hit = findGoFunction(bin, n))) break;
    if (hit) for (const n of names) found.set(n, hit);
    else missing.push(names.length === 1 ? names[0]! : `one of ${names.join(' | ')}`);
  }
  return { passed: missing.length === 0, found, missing };
}
