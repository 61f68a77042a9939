// `gotrace inspect <file|pid>`: what gotrace reads from a Go executable.
import type { Command } from 'commander';
import { GoBinary } from '../binary/go-binary';
import { readTarget, resolveTarget } from '../binary/target';
import { buildInspectReport } from './inspect-report';
import { formatInspectText } from '../output/inspect-text';
import { loadRuleDir } from '../engine/rule-loader';
import { buildRulesReport, formatRulesText } from './rules-report';
import { loadPlugins } from './load-plugins';

const collect = (v: string, acc: string[]): string[] => [...acc, v];

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show what gotrace reads from a Go executable: version, modules, functions, return sites, DWARF')
    .argument('<target>', 'path of a Go executable, or a pid')
    .option('--json', 'print one JSON object')
    .option('--symbol <name>', 'a function to resolve, by full linker name (repeatable)', collect, [])
    .option('--struct <name>', 'a struct type to lay out from DWARF (repeatable)', collect, [])
    .option('--functions', 'list every function from the pclntab')
    .option('--returns', 'with --functions, add file offsets and return sites')
    .option('--rules <dir>', 'also show, for each rule in DIR, the checker, the selector, every probe and where each offset came from')
    .action((target: string, o: { json?: boolean; symbol: string[]; struct: string[]; functions?: boolean; returns?: boolean; rules?: string }) => {
      const rules = o.rules !== undefined ? loadRuleDir(o.rules) : undefined;
      const t = resolveTarget(target);
      const bin = new GoBinary(t.display, readTarget(t));
      const report = buildInspectReport(bin, t.display, {
        symbols: o.symbol, structs: o.struct, allFunctions: !!o.functions, returns: !!o.returns,
      });
      const rulesReport = rules ? buildRulesReport(bin, rules, loadPlugins()) : undefined;
      if (o.json) process.stdout.write(JSON.stringify(rulesReport ? { ...report, rules: rulesReport } : report) + '\n');
      else process.stdout.write(formatInspectText(report) + (rulesReport ? '\n' + formatRulesText(rulesReport) : '') + '\n');
      if (rulesReport?.some((r) => r.status === 'failed' && r.failureMode === 'error')) process.exitCode = 1;
    });
}
