// One struct field's offset, with where it came from. Order, first answer wins:
// DWARF in the binary, a value pinned in a rule file, a version table shipped
// with gotrace. No answer is an ERR_OFFSET_UNKNOWN: never a silent default.
import semver from 'semver';
import type { GoBinary } from '../binary/go-binary';
import { GotraceError } from '../errors';
import type { Provenance } from '../engine/plugin';
import goRuntimeTable from './go-runtime.json';

export interface TableEntry { readonly go?: string; readonly value: number; readonly source: string }
export interface OffsetTable { readonly fields: Readonly<Record<string, readonly TableEntry[]>> }

export interface ResolvedOffset { readonly field: string; readonly value: number; readonly source: Provenance; readonly detail: string }

export function resolveStructOffset(bin: GoBinary, field: string, opts: { pins?: Readonly<Record<string, number>>; tables?: readonly OffsetTable[] } = {}): ResolvedOffset {
  const dot = field.lastIndexOf('.');
  const typeName = field.slice(0, dot), member = field.slice(dot + 1);
  const s = bin.hasDwarf ? bin.dwarf?.struct(typeName) : undefined;
  const f = s?.fields.find((x) => x.name === member);
  if (f) return { field, value: f.offset, source: 'dwarf', detail: `DWARF layout of ${typeName}` };
  const pin = opts.pins?.[field];
  if (pin !== undefined) return { field, value: pin, source: 'rule-file', detail: 'pinned in the rule file' };
  const go = bin.goVersion;
  for (const table of opts.tables ?? []) {
    for (const e of table.fields[field] ?? []) {
      if (go && e.go && semver.satisfies(go.semver, e.go, { includePrerelease: true })) {
        return { field, value: e.value, source: 'table', detail: `${go.raw} in ${e.go}: ${e.source}` };
      }
    }
  }
  throw new GotraceError('ERR_OFFSET_UNKNOWN',
    `${field}: no DWARF, no rule-file pin and no table entry for ${go?.raw ?? 'an unknown Go version'}; pin it in the rule's selector offsets: { "${field}": N }`, { file: bin.path });
}

export const GO_RUNTIME_TABLE: OffsetTable = goRuntimeTable;
