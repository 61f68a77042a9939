// The shape of a rule file, as data. Rules are declarative (YAML or JSON under
// rules/) and validated here at the boundary, like ESLint's rule meta; the JSON
// Schema shipped for editors is generated from this same zod schema.
import { z } from 'zod';
import semver from 'semver';

const semverRange = z.string().refine((r) => semver.validRange(r) !== null, { message: 'not a valid semver range (e.g. ">=1.17 <1.21")' });

/** A symbol name, or a set of alternatives where any one suffices (old and new names). */
export const SymbolRequirement = z.union([
  z.string().min(1),
  z.object({ anyOf: z.array(z.string().min(1)).min(1) }).strict(),
]);

export const Selector = z.object({
  when: z.object({
    /** A semver range over the binary's Go version, e.g. ">=1.17". */
    go: semverRange.optional(),
    /** Module path → semver range over the version .go.buildinfo records. */
    modules: z.record(z.string().min(1), semverRange).optional(),
  }).strict().default({}),
  hooker: z.string().min(1),
  /** Pinned struct offsets, `Type.field` → bytes, for versions gotrace does not know yet. */
  offsets: z.record(z.string().regex(/^.+\.[^.]+$/, 'an offset is named Type.field'), z.number().int().min(0).max(1 << 20)).optional(),
  /** Go signatures for stripped binaries, full symbol name → `(params) (results)`. */
  signatures: z.record(z.string().min(1), z.string().min(1)).optional(),
}).strict();

export const Rule = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/, 'a rule id looks like <plugin>/<what>'),
  plugin: z.string().min(1),
  description: z.string().optional(),
  /** What happens when the checker, the selector or a hooker fails for a binary. */
  failureMode: z.enum(['error', 'warn', 'ignore']).default('warn'),
  checker: z.object({
    /** Every entry must be present; an `anyOf` entry needs one of its names. */
    symbols: z.array(SymbolRequirement).min(1),
  }).strict(),
  /** Ordered; the first whose `when` matches picks the hooker. */
  selectors: z.array(Selector).min(1),
}).strict();

export type RuleSpec = z.infer<typeof Rule>;
export type SelectorSpec = z.infer<typeof Selector>;
export type SymbolRequirementSpec = z.infer<typeof SymbolRequirement>;

/** The JSON Schema for editors (docs/rule.schema.json is written from this). */
export function ruleJsonSchema(): unknown {
  return z.toJSONSchema(Rule, { target: 'draft-2020-12', io: 'input' });
}
