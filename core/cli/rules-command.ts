// `gotrace rules lint DIR` and `gotrace rules schema`.
import type { Command } from 'commander';
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { loadRuleFile } from '../engine/rule-loader';
import { ruleJsonSchema } from '../engine/rule-schema';
import { GotraceError } from '../errors';
import { loadPlugins } from './load-plugins';

function ruleFiles(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw new GotraceError('ERR_FILE_NOT_FOUND', 'no such rules folder or file', { file: dir, cause: e });
  }
  if (!st.isDirectory()) return [dir];
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? ruleFiles(p) : ['.yaml', '.yml', '.json'].includes(extname(e.name)) && !e.name.endsWith('.schema.json') ? [p] : [];
  });
}

/** Every problem in every file, one line each; the rules that passed. */
export function lintRules(dir: string): { ok: string[]; problems: string[] } {
  const plugins = new Map(loadPlugins().map((p) => [p.name, p]));
  const ok: string[] = [], problems: string[] = [];
  const ids = new Map<string, string>();
  for (const file of ruleFiles(dir)) {
    try {
      const { rule } = loadRuleFile(file);
      const plugin = plugins.get(rule.plugin);
      if (!plugin) throw new GotraceError('ERR_RULE_INVALID', `plugin ${rule.plugin} is not installed (installed: ${[...plugins.keys()].join(', ')})`, { file });
      rule.selectors.forEach((s, i) => {
        if (!plugin.hookers.some((h) => h.name === s.hooker)) {
          throw new GotraceError('ERR_RULE_INVALID', `selectors.${i}.hooker: plugin ${plugin.name} has no hooker '${s.hooker}' (it has: ${plugin.hookers.map((h) => h.name).join(', ')})`, { file });
        }
      });
      if (!rule.id.startsWith(`${rule.plugin}/`)) throw new GotraceError('ERR_RULE_INVALID', `id ${rule.id} must start with its plugin's name: ${rule.plugin}/…`, { file });
      const prev = ids.get(rule.id);
      if (prev) throw new GotraceError('ERR_RULE_INVALID', `rule id ${rule.id} is also defined in ${prev}`, { file });
      ids.set(rule.id, file);
      ok.push(`${file}: ${rule.id}`);
    } catch (e) {
      if (!(e instanceof GotraceError)) throw e;
      problems.push(e.message);
    }
  }
  return { ok, problems };
}

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('work with rule files');
  rules.command('lint')
    .description('check rule files: schema, plugins and hookers they name, unique ids')
    .argument('<dir>', 'a folder of rule files (or one file)')
    .action((dir: string) => {
      const { ok, problems } = lintRules(dir);
      for (const p of problems) process.stderr.write(`gotrace: ${p}\n`);
      process.stdout.write(`${ok.length} rule(s) ok, ${problems.length} problem(s)\n`);
      if (problems.length) process.exitCode = 1;
    });
  rules.command('schema')
    .description('print the JSON Schema of rule files (for editors)')
    .action(() => { process.stdout.write(JSON.stringify(ruleJsonSchema(), null, 2) + '\n'); });
}
