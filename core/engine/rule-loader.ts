// Reads rule files (YAML or JSON) from a folder and validates them. A bad file
// is reported with its path, the line of the offending value and what is
// wrong, so that a person can fix it without reading the schema.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { Rule, type RuleSpec } from './rule-schema';
import { GotraceError } from '../errors';

export interface LoadedRule {
  readonly rule: RuleSpec;
  readonly file: string;
}

export class RuleFileError extends GotraceError {}

const RULE_EXTS = new Set(['.yaml', '.yml', '.json']);

/** The line of the value at `path` in a parsed YAML/JSON document (1-based), or of the nearest parent. */
function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: readonly PropertyKey[]): number {
  let node: unknown = doc.contents;
  let best = 1;
  const at = (n: unknown): void => {
    const range = (n as Node | undefined)?.range;
    if (range) best = counter.linePos(range[0]).line;
  };
  at(node);
  for (const key of path) {
    if (isMap(node)) node = node.items.find((p) => (p.key as { value?: unknown })?.value === key)?.value;
    else if (isSeq(node) && typeof key === 'number') node = node.items[key];
    else break;
    if (!node) break;
    at(node);
  }
  return best;
}

export function parseRuleText(text: string, file: string): RuleSpec {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = counter.linePos(e.pos[0]).line;
    throw new RuleFileError('ERR_RULE_INVALID', `line ${line}: not valid YAML/JSON: ${e.message.split('\n')[0]}`, { file });
  }
  const result = Rule.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new RuleFileError('ERR_RULE_INVALID', `line ${lineOf(doc, counter, issue.path)}: ${where}: ${issue.message}`, { file });
  }
  return result.data;
}

export function loadRuleFile(file: string): LoadedRule {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RuleFileError('ERR_FILE_READ', `cannot read rule file: ${(e as Error).message}`, { file, cause: e });
  }
  return { rule: parseRuleText(text, file), file };
}

/** Every rule file under `dir` (recursively), sorted by path; rule ids must be unique. */
export function loadRuleDir(dir: string): LoadedRule[] {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw new RuleFileError('ERR_FILE_NOT_FOUND', 'no such rules folder; pass --rules with the folder of rule files (e.g. rules/)', { file: dir, cause: e });
  }
  const files = st.isDirectory() ? walk(dir) : [dir];
  const rules = files.map(loadRuleFile);
  const seen = new Map<string, string>();
  for (const r of rules) {
    const prev = seen.get(r.rule.id);
    if (prev) throw new RuleFileError('ERR_RULE_INVALID', `rule id ${r.rule.id} is also defined in ${prev}; ids must be unique`, { file: r.file });
    seen.set(r.rule.id, r.file);
  }
  return rules;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) out.push(...walk(p));
    // The JSON Schema for editors sits beside the rules; it is not a rule.
    else if (RULE_EXTS.has(extname(ent.name)) && !ent.name.endsWith('.schema.json')) out.push(p);
  }
  return out;
}
