// Feeds one binary to every rule: checker, selector, hooker. A rule's failure
// is wrapped with the rule id and the binary, its failure mode decides how
// loudly it is reported, and the engine goes on with the next rule.
import type { GoBinary } from '../binary/go-binary';
import { GotraceError } from '../errors';
import { checkRule, type CheckResult } from './checker';
import type { LoadedRule } from './rule-loader';
import type { RuleSpec } from './rule-schema';
import { selectHooker, versionFacts, type Selection } from './selector';
import type { GotracePlugin, ProbePlan } from './plugin';

export interface RuleOutcome {
  readonly ruleId: string;
  readonly file: string | undefined;
  readonly plugin: string;
  readonly failureMode: RuleSpec['failureMode'];
  readonly status: 'planned' | 'failed';
  readonly check: CheckResult;
  readonly selection?: Selection;
  readonly selectorReasons: readonly string[];
  readonly plan?: ProbePlan;
  readonly error?: GotraceError;
}

export class RuleEngine {
  private readonly plugins: Map<string, GotracePlugin>;

  constructor(plugins: readonly GotracePlugin[]) {
    this.plugins = new Map(plugins.map((p) => [p.name, p]));
  }

  planAll(bin: GoBinary, rules: readonly LoadedRule[]): RuleOutcome[] {
    return rules.map((r) => this.plan(bin, r.rule, r.file));
  }

  plan(bin: GoBinary, rule: RuleSpec, file?: string): RuleOutcome {
    const base = { ruleId: rule.id, file, plugin: rule.plugin, failureMode: rule.failureMode };
    const fail = (code: GotraceError['code'], why: string, extra: Partial<RuleOutcome>, cause?: unknown): RuleOutcome => ({
      ...base, status: 'failed', check: { passed: false, found: new Map(), missing: [] }, selectorReasons: [], ...extra,
      error: new GotraceError(code, `rule ${rule.id}: ${why}`, { file: bin.path, cause }),
    });
    const plugin = this.plugins.get(rule.plugin);
    if (!plugin) return fail('ERR_PLUGIN_INVALID', `plugin ${rule.plugin} is not installed (installed: ${[...this.plugins.keys()].join(', ') || 'none'})`, {});
    let check: CheckResult;
    try {
      check = checkRule(rule, bin);
    } catch (e) {
      return fail('ERR_RULE_FAILED', `checker failed: ${(e as Error).message}`, {}, e);
    }
    if (!check.passed) return fail('ERR_RULE_CHECK_FAILED', `binary lacks ${check.missing.join(', ')}`, { check });
    const { selected, reasons } = selectHooker(rule, versionFacts(bin.goVersion, bin.buildInfo));
    if (!selected) return fail('ERR_RULE_NO_SELECTOR', `no selector matches (${reasons.join('; ')}); pin one in a rule file for this version`, { check, selectorReasons: reasons });
    const hooker = plugin.hookers.find((h) => h.name === selected.selector.hooker);
    if (!hooker) return fail('ERR_PLUGIN_INVALID', `plugin ${plugin.name} has no hooker ${selected.selector.hooker}`, { check, selection: selected, selectorReasons: reasons });
    try {
      const plan = hooker.plan({ binary: bin, rule, selector: selected.selector, functions: check.found });
      return { ...base, status: 'planned', check, selection: selected, selectorReasons: reasons, plan };
    } catch (e) {
      const code = e instanceof GotraceError ? e.code : 'ERR_RULE_FAILED';
      return fail(code, `hooker ${hooker.name} failed: ${(e as Error).message}`, { check, selection: selected, selectorReasons: reasons }, e);
    }
  }
}
