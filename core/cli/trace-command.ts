// `gotrace run --rules DIR`, and the tracing commands plugins contribute
// (func-trace's `gotrace trace --func NAME`): one set of target flags for all.
import type { Command } from 'commander';
import type { GotracePlugin } from '../engine/plugin';
import { loadRuleDir, type LoadedRule } from '../engine/rule-loader';
import { UsageError } from '../errors';
import { redactionSet } from '../plugin-kit/headers';
import { parseDuration, parseFormat, parsePid, runTracing } from './tracing';

const collect = (v: string, acc: string[]): string[] => [...acc, v];

interface TargetFlags { pid: number[]; exe: string[]; format?: string; duration?: number; maxBody: string; /** false with --no-redact (commander folds both flags into one key) */ redact: string[] | false; verbose?: boolean }

function targetOptions(cmd: Command): Command {
  return cmd
    .option('--pid <pid>', 'trace this process (repeatable)', parsePid, [])
    .option('--exe <glob>', 'trace processes whose executable matches (repeatable)', collect, [])
    .option('--format <json|pretty>', 'output format (default: pretty on a TTY, json when piped)')
    .option('--duration <seconds>', 'stop after this long', parseDuration)
    .option('--max-body <bytes>', 'capture up to this many body bytes (plugins that read bodies)', '0')
    .option('--redact <header>', 'also redact this header or metadata key (repeatable); authorization, proxy-authorization, cookie and set-cookie always are', collect, [])
    .option('--no-redact', 'report every header value as captured, secrets included')
    .argument('[command...]', 'a command to start traced: -- CMD ARGS...');
}

async function go(flags: TargetFlags, command: string[], rules: readonly LoadedRule[], strict: boolean, verbose: boolean): Promise<void> {
  const maxBody = Number(flags.maxBody);
  if (!Number.isInteger(maxBody) || maxBody < 0) throw new UsageError('ERR_USAGE', `--max-body takes a byte count, not '${flags.maxBody}'`);
  if (command.length && (flags.pid.length || flags.exe.length)) throw new UsageError('ERR_USAGE', 'give either a command after -- or --pid/--exe, not both');
  process.exitCode = await runTracing({
    rules, pids: flags.pid, exeGlobs: flags.exe, command, format: parseFormat(flags.format),
    durationS: flags.duration, maxBody, verbose, strict,
    redact: redactionSet(flags.redact || [], flags.redact === false),
  });
}

export function registerTracing(program: Command, plugins: readonly GotracePlugin[]): void {
  targetOptions(program.command('run')
    .description('trace Go programs with the rules in a folder: every Go process on the host, or the targets given')
    .option('--rules <dir>', 'folder of rule files', 'rules'))
    .action(async (command: string[], flags: TargetFlags & { rules: string }) => {
      await go(flags, command, loadRuleDir(flags.rules), false, !!program.opts().verbose);
    });
  // A plugin's command traces only the rules it makes, and strictly: a
  // function the user named that cannot be hooked is an error, not a warning.
  for (const plugin of plugins) {
    for (const pc of plugin.commands ?? []) {
      const cmd = program.command(pc.name).description(pc.description);
      for (const o of pc.options) cmd.option(o.flags, o.description, collect, []);
      targetOptions(cmd).action(async (command: string[], flags: TargetFlags & Record<string, string[]>) => {
        const own = Object.fromEntries(pc.options.map((o) => {
          const key = cmd.options.find((c) => c.flags === o.flags)!.attributeName();
          return [key, flags[key] ?? []];
        }));
        await go(flags, command, pc.rules(own), true, !!program.opts().verbose);
      });
    }
  }
}
