// One struct field's offset, with where it came from. Order, first answer wins:
// DWARF in the binary, a value pinned in a rule file, a version table shipped
// with gotrace (over the Go version, or the version of the module the table
// names, as the binary's build info records it). Argument locations from a Go
// signature (the 4th source) live with the ABI code, not here. No answer is an
// ERR_OFFSET_UNKNOWN: never a silent default.
import semver from 'semver';
import type { GoBinary } from '../binary/go-binary';
import { GotraceError } from '../errors';
import type { Provenance, ResolvedValue } from '../engine/plugin';
import { GO_STD_TABLE } from './tables';

export interface TableEntry {
  /** Range over the table's `versionOf` (core/offsets/tables/*.json use this). */
  readonly versions?: string;
  /** Range over the Go version; the older spelling, still read for tables written in code. */
  readonly go?: string;
  readonly value: number;
  readonly source: string;
  readonly alsoIn?: readonly string[];
}
export interface OffsetTable {
  /** "go" (the default) or a module path such as golang.org/x/net. */
  readonly versionOf?: string;
  readonly name?: string;
  readonly fields: Readonly<Record<string, readonly TableEntry[]>>;
}

export interface ResolvedOffset { readonly field: string; readonly value: number; readonly source: Provenance; readonly detail: string }

/** The version a table's ranges are over, as this binary records it; `why` when it records none. */
export function versionFor(bin: GoBinary, versionOf: string): { version: string; raw: string } | { why: string } {
  if (versionOf === 'go') {
    const go = bin.goVersion;
    return go ? { version: go.semver, raw: go.raw } : { why: 'no Go version recorded' };
  }
  const m = bin.buildInfo.modules.find((x) => x.path === versionOf);
  if (!m) return { why: `no ${versionOf} in the build info (a GOPATH build, or the module is not linked)` };
  const v = m.replace?.version || m.version;
  const clean = semver.valid(v.replace(/^v/, '').replace(/\+incompatible$/, ''));
  return clean ? { version: clean, raw: `${versionOf}@${v}` } : { why: `${versionOf}@${v} is not a semver version` };
}

/** A version a plugin found itself where the build info records none (e.g. a library's own version string), with where it came from. */
export interface KnownVersion { readonly version: string; readonly raw: string }

export function resolveStructOffset(bin: GoBinary, field: string, opts: { pins?: Readonly<Record<string, number>>; tables?: readonly OffsetTable[]; versions?: Readonly<Record<string, KnownVersion>> } = {}): ResolvedOffset {
  const dot = field.lastIndexOf('.');
  const typeName = field.slice(0, dot), member = field.slice(dot + 1);
  const s = bin.hasDwarf ? bin.dwarf?.struct(typeName) : undefined;
  const f = s?.fields.find((x) => x.name === member);
  if (f) return { field, value: f.offset, source: 'dwarf', detail: `DWARF layout of ${typeName}` };
  const pin = opts.pins?.[field];
  if (pin !== undefined) return { field, value: pin, source: 'rule-file', detail: 'pinned in the rule file' };
  const misses: string[] = [];
  for (const table of opts.tables ?? []) {
    const entries = table.fields[field];
    if (!entries) continue;
    const recorded = versionFor(bin, table.versionOf ?? 'go');
    const v = 'why' in recorded ? opts.versions?.[table.versionOf ?? 'go'] ?? recorded : recorded;
    if ('why' in v) {
      misses.push(`table ${table.name ?? '(plugin)'}: ${v.why}`);
      continue;
    }
    for (const e of entries) {
      const range = e.versions ?? e.go;
      if (range && semver.satisfies(v.version, range, { includePrerelease: true })) {
        return { field, value: e.value, source: 'table', detail: `${v.raw} in ${range}: ${e.source}` };
      }
    }
    misses.push(`table ${table.name ?? '(plugin)'} has no entry for ${v.raw}`);
  }
  const tried = misses.length ? ` (${misses.join('; ')})` : '';
  throw new GotraceError('ERR_OFFSET_UNKNOWN',
    `${field}: no DWARF, no rule-file pin and no table entry for ${bin.goVersion?.raw ?? 'an unknown Go version'}${tried}; pin it in the rule's selector offsets: { "${field}": N }`, { file: bin.path });
}

/**
 * Offsets a feature can do without (a plugin's TCP seqs): each resolved like
 * any other, an unknown one left out of `offsets` (the BPF side then gets 0
 * and skips what needs it) and said so in `values` with `why`.
 */
export function resolveOptionalOffsets<K extends string>(bin: GoBinary, fields: Readonly<Record<K, string>>, what: string, why: string,
  opts: { pins?: Readonly<Record<string, number>>; tables?: readonly OffsetTable[]; versions?: Readonly<Record<string, KnownVersion>> }): { offsets: Partial<Record<K, number>>; values: ResolvedValue[] } {
  const offsets: Partial<Record<K, number>> = {};
  const values: ResolvedValue[] = [];
  for (const [k, field] of Object.entries(fields) as [K, string][]) {
    try {
      const o = resolveStructOffset(bin, field, opts);
      offsets[k] = o.value;
      values.push({ name: o.field, value: o.value, source: o.source, detail: `${o.detail} (${what})` });
    } catch (e) {
      if (!(e instanceof GotraceError)) throw e;
      values.push({ name: field, value: null, source: 'derived', detail: `unknown: ${why}` });
    }
  }
  return { offsets, values };
}

/** The Go std/runtime table (runtime.g.goid and the rest); kept under its first name for callers. */
export const GO_RUNTIME_TABLE: OffsetTable = GO_STD_TABLE;
