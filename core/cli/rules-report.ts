// The `inspect --rules` section: for each rule, whether its checker passed,
// which selector was chosen and why others were not, every probe with its
// file offset, and where every value a probe relies on came from.
import type { GoBinary } from '../binary/go-binary';
import { RuleEngine } from '../engine/engine';
import type { LoadedRule } from '../engine/rule-loader';
import type { GotracePlugin, ProbeSpec, ResolvedValue } from '../engine/plugin';

export interface RuleReport {
  id: string; file: string | null; plugin: string; failureMode: string; status: 'planned' | 'failed';
  checker: { passed: boolean; missing: string[]; found: Record<string, string> };
  selector: { index: number; hooker: string; when: unknown } | null;
  selectorReasons: string[];
  probes: ProbeSpec[];
  values: ResolvedValue[];
  error?: { code: string; message: string };
}

export function buildRulesReport(bin: GoBinary, rules: readonly LoadedRule[], plugins: readonly GotracePlugin[]): RuleReport[] {
  return new RuleEngine(plugins).planAll(bin, rules).map((o) => ({
    id: o.ruleId, file: o.file ?? null, plugin: o.plugin, failureMode: o.failureMode, status: o.status,
    checker: { passed: o.check.passed, missing: [...o.check.missing], found: Object.fromEntries([...o.check.found].map(([k, f]) => [k, f.name])) },
    selector: o.selection ? { index: o.selection.index, hooker: o.selection.selector.hooker, when: o.selection.selector.when } : null,
    selectorReasons: [...o.selectorReasons],
    probes: [...(o.plan?.probes ?? [])],
    values: [...(o.plan?.values ?? [])],
    ...(o.error ? { error: { code: o.error.code, message: o.error.message } } : {}),
  }));
}

const hex = (n: number): string => '0x' + n.toString(16);

export function formatRulesText(rules: readonly RuleReport[]): string {
  const out: string[] = [];
  for (const r of rules) {
    out.push('', `rule ${r.id} (${r.plugin}, on failure: ${r.failureMode}): ${r.status === 'planned' ? 'ready' : 'FAILED'}`);
    out.push(`  checker: ${r.checker.passed ? 'passed' : `missing ${r.checker.missing.join(', ')}`}`);
    for (const why of r.selectorReasons) out.push(`  passed over ${why}`);
    if (r.selector) out.push(`  selector ${r.selector.index} → hooker ${r.selector.hooker} (when ${JSON.stringify(r.selector.when)})`);
    for (const p of r.probes) out.push(`  probe ${p.kind.padEnd(6)} ${p.symbol} @ file offset ${hex(p.fileOffset)} (vaddr ${hex(p.address)}) → ${p.program}: ${p.why}`);
    for (const v of r.values) out.push(`  value ${v.name} = ${JSON.stringify(v.value)} from ${v.source}${v.detail ? ` (${v.detail})` : ''}`);
    if (r.error) out.push(`  error ${r.error.code}: ${r.error.message}`);
  }
  return out.join('\n');
}
