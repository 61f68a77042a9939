// The shape of an offsets version table (core/offsets/tables/*.json), checked
// with zod at the boundary like rule files. Documented in docs/offset-tables.md.
// Beyond the shape: every range parses, ranges of one field never overlap
// (two answers for one version would make the order of entries a silent
// choice), and a source is a data file named in SOURCES.md or a `derived:` rule.
import { z } from 'zod';
import semver from 'semver';
import { GotraceError, type ErrorCode } from '../errors';

export const TABLE_INVALID: ErrorCode = 'ERR_OFFSET_TABLE_INVALID';

const range = z.string().min(1).refine((r) => semver.validRange(r, { includePrerelease: true }) !== null, { message: 'not a valid semver range (e.g. ">=1.17.0-0 <1.23.0-0")' });
/**
 * A file under /work/shared/data/go-offsets (listed in SOURCES.md), `derived: <the layout rule>`, or
 * `measured: <which binary's DWARF>` for a version no public data covers (tables-dwarf.test.ts rechecks it).
 */
export const SOURCE_PATTERN = /^(raw\/[A-Za-z0-9._/-]+\.json|derived: .{8,}|measured: .{8,})$/;
const source = z.string().regex(SOURCE_PATTERN, 'a source is a SOURCES.md file (raw/…json), "derived: <the layout rule that fixes the value>" or "measured: <the binary whose DWARF gave it>"');
const FIELD = /^[^\s]+\.[^.\s]+$/;
const fieldName = z.string().min(1);

export const TableEntrySchema = z.object({
  /** The versions (of `versionOf`) this value holds for. */
  versions: range,
  value: z.number().int().min(0).max(1 << 20),
  source,
  /** Other data files that give the same value for some of these versions. */
  alsoIn: z.array(source).optional(),
  note: z.string().optional(),
}).strict();

export const TableFileSchema = z.object({
  $comment: z.string().optional(),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a table name is kebab-case'),
  /** "go" (the toolchain version), or the module path whose recorded version the ranges are over. */
  versionOf: z.union([z.literal('go'), z.string().regex(/^[a-z0-9.-]+\.[a-z]+\/[^\s]+$/, 'versionOf is "go" or a module path like golang.org/x/net')]),
  description: z.string().optional(),
  fields: z.record(fieldName, z.array(TableEntrySchema).min(1)),
  /** Fields (or version spans) no source answers and no layout rule fixes: left open on purpose. */
  gaps: z.record(fieldName, z.string().min(1)).default({}),
  /** Disagreements between sources and how they were settled. */
  resolved: z.array(z.object({ field: z.string().min(1), dropped: source, from: z.string().min(1), why: z.string().min(1) }).strict()).default([]),
}).strict().superRefine((t, ctx) => {
  for (const [field, entries] of Object.entries(t.fields)) {
    if (!FIELD.test(field)) ctx.addIssue({ code: 'custom', path: ['fields', field], message: 'a field is named Type.field with the type\'s full package path' });
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        const a = entries[i]!, b = entries[j]!;
        if (semver.validRange(a.versions) && semver.validRange(b.versions) && semver.intersects(a.versions, b.versions, { includePrerelease: true })) {
          ctx.addIssue({ code: 'custom', path: ['fields', field, j, 'versions'], message: `overlaps entry ${i} (${a.versions}): one version would have two answers` });
        }
      }
    }
  }
});

export type TableFile = z.infer<typeof TableFileSchema>;

/** Parses one table; a malformed one is ERR_OFFSET_TABLE_INVALID naming every problem with its path. */
export function parseTableFile(data: unknown, file: string): TableFile {
  const r = TableFileSchema.safeParse(data);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new GotraceError(TABLE_INVALID, `offset table ${file} is invalid: ${problems}. Fix the file (shape in docs/offset-tables.md)`, { file });
}
