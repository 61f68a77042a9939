// `gotrace support [--json]`: the support matrix the shipped rules and offset
// tables give, computed, never typed. With DWARF a rule works where one of its
// selectors matches; stripped it also needs every field its hooker reads from
// a table entry or a pin of that selector (core/offsets/needs.json).
import type { Command } from 'commander';
import { join } from 'node:path';
import semver from 'semver';
import { loadRuleDir } from '../engine/rule-loader';
import { SHIPPED_TABLES } from '../offsets/tables';
import needsData from '../offsets/needs.json';
import type { RuleSpec } from '../engine/rule-schema';

const NEEDS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(Object.entries(needsData).filter((kv): kv is [string, string[]] => Array.isArray(kv[1])));
export const GO_MINORS = Array.from({ length: 15 }, (_, i) => 13 + i); // Go 1.13 … 1.27
const PATCHES = 30;

export interface SupportCell { readonly dwarf: string; readonly stripped: string }
export interface SupportMatrix {
  readonly go: readonly string[];
  readonly rules: readonly { readonly id: string; readonly plugin: string; readonly cells: readonly SupportCell[] }[];
  readonly modules: readonly { readonly module: string; readonly table: string; readonly fields: Readonly<Record<string, readonly string[]>> }[];
}

const inRange = (v: string, r: string | undefined): boolean => r === undefined || semver.satisfies(v, r, { includePrerelease: true });

function goTableHas(field: string, v: string): boolean {
  return SHIPPED_TABLES.some((t) => t.versionOf === 'go' && (t.fields[field] ?? []).some((e) => inRange(v, e.versions)));
}

/** 'yes', 'no', or the covered patches ('1.27.0' / '1.26.0-1.26.8') of one Go minor. */
function cell(minor: number, ok: (v: string) => boolean): string {
  const good = Array.from({ length: PATCHES }, (_, p) => p).filter((p) => ok(`1.${minor}.${p}`));
  if (good.length === PATCHES) return 'yes';
  if (good.length === 0) return 'no';
  const first = good[0]!, last = good[good.length - 1]!;
  return first === last ? `1.${minor}.${first}` : `1.${minor}.${first}-${last}`;
}

function ruleCells(rule: RuleSpec): SupportCell[] {
  return GO_MINORS.map((m) => {
    const selector = (v: string) => rule.selectors.find((s) => inRange(v, s.when.go) && !s.when.modules);
    const dwarf = cell(m, (v) => selector(v) !== undefined);
    const stripped = cell(m, (v) => {
      const s = selector(v);
      if (!s) return false;
      const needs = NEEDS[`${rule.plugin}/${s.hooker}`];
      return needs !== undefined && needs.every((f) => s.offsets?.[f] !== undefined || goTableHas(f, v));
    });
    return { dwarf, stripped };
  });
}

/** Version spans a module table covers, per field: its entries' ranges, adjacent ones joined. */
function moduleCoverage(fields: Readonly<Record<string, readonly { versions: string }[]>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [f, es] of Object.entries(fields)) {
    const spans: string[] = [];
    for (const e of es) {
      const [lo, hi] = e.versions.split(' ');
      const prev = spans[spans.length - 1];
      const from = lo!.replace(/^>=/, '');
      if (prev && prev.endsWith(` <${from}`)) spans[spans.length - 1] = `${prev.slice(0, prev.lastIndexOf(' '))} ${hi}`;
      else spans.push(`>=${from} ${hi}`);
    }
    out[f] = spans.map((s) => s.replace(/-0\b/g, ''));
  }
  return out;
}

export function supportMatrix(rulesDir: string): SupportMatrix {
  const rules = loadRuleDir(rulesDir).map(({ rule }) => ({ id: rule.id, plugin: rule.plugin, cells: ruleCells(rule) }));
  const modules = SHIPPED_TABLES.filter((t) => t.versionOf !== 'go').map((t) => ({ module: t.versionOf, table: t.name, fields: moduleCoverage(t.fields) }));
  return { go: GO_MINORS.map((m) => `1.${m}`), rules, modules };
}

export function formatSupport(m: SupportMatrix): string {
  const lines: string[] = ['Go version x rule (with DWARF / stripped). "yes": every patch release; a patch span: only those; "no": none.', ''];
  const w = Math.max(...m.rules.map((r) => r.id.length), 4);
  lines.push(`${'go'.padEnd(6)} ${m.rules.map((r) => r.id.padEnd(Math.max(w, 27))).join(' ')}`);
  m.go.forEach((g, i) => {
    lines.push(`${g.padEnd(6)} ${m.rules.map((r) => `${r.cells[i]!.dwarf} / ${r.cells[i]!.stripped}`.padEnd(Math.max(w, 27))).join(' ')}`);
  });
  for (const mod of m.modules) {
    lines.push('', `${mod.module} (table ${mod.table}): field coverage by module version, for stripped binaries`);
    for (const [f, spans] of Object.entries(mod.fields)) lines.push(`  ${f}: ${spans.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerSupport(program: Command): void {
  program.command('support')
    .description('the support matrix the shipped rules and offset tables give: Go versions x rules x (DWARF, stripped), x/net and grpc ranges')
    .option('--rules <dir>', 'the rules folder', join(__dirname, '..', '..', '..', 'rules'))
    .option('--json', 'print JSON')
    .action((opts: { rules: string; json?: boolean }) => {
      const m = supportMatrix(opts.rules);
      process.stdout.write(opts.json ? `${JSON.stringify(m, null, 2)}\n` : formatSupport(m));
    });
}
