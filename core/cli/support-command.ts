// `gotrace support [--json]`: the support matrix the shipped rules and offset
// tables give, computed, never typed. With DWARF a rule works where one of its
// selectors matches; stripped it also needs every struct field its hooker
// reads (Hooker.fieldsRead) from a pin of that selector or a table: a Go-keyed
// table at that Go version, or a module-keyed one at some module version, the
// span of which the matrix states (grpc's fields are keyed by grpc's version).
import type { Command } from 'commander';
import { join } from 'node:path';
import semver from 'semver';
import { loadRuleDir } from '../engine/rule-loader';
import { GO_STD_TABLE, SHIPPED_TABLES } from '../offsets/tables';
import type { OffsetTable } from '../offsets/struct-offset';
import type { GotracePlugin } from '../engine/plugin';
import type { RuleSpec, SelectorSpec } from '../engine/rule-schema';
import { loadPlugins } from './load-plugins';

export const GO_MINORS = Array.from({ length: 15 }, (_, i) => 13 + i); // Go 1.13 … 1.27
const PATCHES = 30;

export interface SupportCell { readonly dwarf: string; readonly stripped: string }
export interface SupportMatrix {
  readonly go: readonly string[];
  readonly rules: readonly {
    readonly id: string; readonly plugin: string; readonly cells: readonly SupportCell[];
    /** Stripped, the module versions every module-keyed field the rule reads is known for ({} when it reads none). */
    readonly strippedModules: Readonly<Record<string, readonly string[]>>;
  }[];
  readonly modules: readonly { readonly module: string; readonly table: string; readonly fields: Readonly<Record<string, readonly string[]>> }[];
}

const inRange = (v: string, r: string | undefined): boolean => r === undefined || semver.satisfies(v, r, { includePrerelease: true });

/** A closed or half-open version interval, from a table range `>=LO <HI` or `>=LO <=HI`. */
interface Span { readonly lo: string; readonly hi: string; readonly hiIncl: boolean }

function parseSpan(range: string): Span | undefined {
  const m = /^>=(\S+) (<=?)(\S+)$/.exec(range.trim());
  return m && semver.valid(m[1]!) && semver.valid(m[3]!) ? { lo: m[1]!, hi: m[3]!, hiIncl: m[2] === '<=' } : undefined;
}

function intersect(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const x of a) {
    for (const y of b) {
      const lo = semver.gt(x.lo, y.lo) ? x.lo : y.lo;
      const c = semver.compare(x.hi, y.hi);
      const [hi, hiIncl] = c < 0 ? [x.hi, x.hiIncl] : c > 0 ? [y.hi, y.hiIncl] : [x.hi, x.hiIncl && y.hiIncl];
      const order = semver.compare(lo, hi);
      if (order < 0 || (order === 0 && hiIncl)) out.push({ lo, hi, hiIncl });
    }
  }
  return out;
}

const showSpan = (s: Span): string => (s.hiIncl && s.lo === s.hi ? s.lo : `>=${s.lo} ${s.hiIncl ? '<=' : '<'}${s.hi}`.replace(/-0\b/g, ''));

interface FieldNeeds {
  /** Fields only Go-keyed tables (or pins) can give: checked per Go version. */
  readonly goKeyed: readonly string[];
  /** Per module, the spans where every module-keyed field is known; [] when some field is known nowhere. */
  readonly modules: Readonly<Record<string, Span[]>>;
  /** Fields no table has at all: only a pin helps. */
  readonly unknown: readonly string[];
}

function classify(fields: readonly string[], s: SelectorSpec, tables: readonly OffsetTable[]): FieldNeeds {
  const goKeyed: string[] = [], unknown: string[] = [];
  const modules: Record<string, Span[]> = {};
  for (const f of fields) {
    if (s.offsets?.[f] !== undefined) continue;
    const holders = tables.filter((t) => t.fields[f]?.length);
    const goTables = holders.filter((t) => (t.versionOf ?? 'go') === 'go');
    if (goTables.length) { goKeyed.push(f); continue; }
    const mod = holders[0];
    if (!mod) { unknown.push(f); continue; }
    const spans = mod.fields[f]!.map((e) => parseSpan(e.versions ?? e.go ?? '')).filter((x): x is Span => !!x);
    const key = mod.versionOf!;
    modules[key] = key in modules ? intersect(modules[key]!, spans) : spans;
  }
  return { goKeyed, modules, unknown };
}

function goTablesHave(field: string, v: string, tables: readonly OffsetTable[]): boolean {
  return tables.some((t) => (t.versionOf ?? 'go') === 'go' && (t.fields[field] ?? []).some((e) => inRange(v, e.versions ?? e.go)));
}

/** 'yes', 'no', or the covered patches ('1.27.0' / '1.26.0-1.26.8') of one Go minor. */
function cell(minor: number, ok: (v: string) => boolean): string {
  const good = Array.from({ length: PATCHES }, (_, p) => p).filter((p) => ok(`1.${minor}.${p}`));
  if (good.length === PATCHES) return 'yes';
  if (good.length === 0) return 'no';
  const first = good[0]!, last = good[good.length - 1]!;
  return first === last ? `1.${minor}.${first}` : `1.${minor}.${first}-${last}`;
}

function ruleRow(rule: RuleSpec, plugin: GotracePlugin | undefined): SupportMatrix['rules'][number] {
  const tables = plugin?.offsetTables ?? [GO_STD_TABLE];
  // Selectors keyed on module versions are left out: the matrix is over Go versions.
  const selector = (v: string) => rule.selectors.find((s) => inRange(v, s.when.go) && !s.when.modules);
  // What each selector's hooker needs, worked out once (the cells ask per Go patch release).
  const needs = new Map(rule.selectors.map((s) => {
    const fields = plugin?.hookers.find((h) => h.name === s.hooker)?.fieldsRead;
    return [s, fields && classify(fields, s, tables)] as const;
  }));
  // Usable stripped: no field known nowhere, and every module's fields known at a common version.
  const usable = (n: FieldNeeds | undefined): n is FieldNeeds => !!n && !n.unknown.length && Object.values(n.modules).every((spans) => spans.length > 0);
  const cells = GO_MINORS.map((m) => {
    const dwarf = cell(m, (v) => selector(v) !== undefined);
    const stripped = cell(m, (v) => {
      const s = selector(v);
      const n = s && needs.get(s);
      return usable(n) && n.goKeyed.every((f) => goTablesHave(f, v, tables));
    });
    return { dwarf, stripped };
  });
  const strippedModules = Object.fromEntries(rule.selectors.filter((s) => !s.when.modules).map((s) => needs.get(s)).filter(usable)
    .flatMap((n) => Object.entries(n.modules).map(([k, spans]) => [k, spans.map(showSpan)] as const)));
  return { id: rule.id, plugin: rule.plugin, cells, strippedModules };
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

export function supportMatrix(rulesDir: string, plugins: readonly GotracePlugin[] = loadPlugins()): SupportMatrix {
  const byName = new Map(plugins.map((p) => [p.name, p]));
  const rules = loadRuleDir(rulesDir).map(({ rule }) => ruleRow(rule, byName.get(rule.plugin)));
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
  const moduleNotes = m.rules.filter((r) => Object.keys(r.strippedModules).length);
  if (moduleNotes.length) lines.push('', 'Stripped, these rules also need a module version their tables know:');
  for (const r of moduleNotes) {
    lines.push(`  ${r.id}: ${Object.entries(r.strippedModules).map(([mod, spans]) => `${mod} ${spans.join(', ')}`).join('; ')}`);
  }
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
