// A rule's Selector: the first selector whose Go and module version ranges
// match the binary picks the version-specific hooker. Pure, and it explains
// why each earlier selector was passed over.
import semver from 'semver';
import type { BuildInfo } from '../binary/buildinfo';
import type { GoVersion } from '../binary/go-version';
import type { RuleSpec, SelectorSpec } from './rule-schema';

export interface VersionFacts {
  readonly go: GoVersion | undefined;
  /** module path → version, from build info (replacements resolved). */
  readonly modules: ReadonlyMap<string, string>;
}

export interface Selection {
  readonly index: number;
  readonly selector: SelectorSpec;
}

export interface SelectionResult {
  readonly selected: Selection | undefined;
  /** One line per selector passed over, saying why. */
  readonly reasons: readonly string[];
}

export function versionFacts(go: GoVersion | undefined, bi: BuildInfo): VersionFacts {
  const modules = new Map<string, string>();
  if (bi.mainModule) modules.set(bi.mainModule.path, bi.mainModule.version);
  for (const m of bi.modules) modules.set(m.path, m.replace?.version || m.version);
  return { go, modules };
}

/** Go module versions are semver with a leading v; pseudo-versions are pre-releases. */
function moduleSemver(v: string): string | null {
  return semver.valid(v.replace(/\+incompatible$/, '')) ?? semver.valid(semver.coerce(v));
}

function mismatch(sel: SelectorSpec, facts: VersionFacts): string | undefined {
  if (sel.when.go !== undefined) {
    if (!facts.go) return `Go version unknown, selector needs ${sel.when.go}`;
    if (!semver.satisfies(facts.go.semver, sel.when.go, { includePrerelease: true })) return `Go ${facts.go.semver} is not ${sel.when.go}`;
  }
  for (const [path, range] of Object.entries(sel.when.modules ?? {})) {
    const v = facts.modules.get(path);
    if (v === undefined) return `module ${path} is not recorded in the binary's build info`;
    const sv = moduleSemver(v);
    if (!sv || !semver.satisfies(sv, range, { includePrerelease: true })) return `module ${path} ${v} is not ${range}`;
  }
  return undefined;
}

export function selectHooker(rule: RuleSpec, facts: VersionFacts): SelectionResult {
  const reasons: string[] = [];
  for (const [index, selector] of rule.selectors.entries()) {
    const why = mismatch(selector, facts);
    if (why === undefined) return { selected: { index, selector }, reasons };
    reasons.push(`selector ${index} (${selector.hooker}): ${why}`);
  }
  return { selected: undefined, reasons };
}
