#!/usr/bin/env node
// The gotrace command line. This entry is the only place that wires things
// together; every failure becomes one line on stderr and a non-zero exit.
import { Command, CommanderError } from 'commander';
import { GotraceError } from '../errors';
import { registerInspect } from './inspect-command';
import { registerRules } from './rules-command';
import { registerTracing } from './trace-command';
import { registerSupport } from './support-command';
import { loadPlugins } from './load-plugins';

function fail(e: unknown, verbose: boolean): never {
  if (e instanceof CommanderError) process.exit(e.exitCode || 2);
  const line = e instanceof GotraceError ? `gotrace: ${e.message} [${e.code}]` : `gotrace: internal error: ${e instanceof Error ? e.message : String(e)} (rerun with --verbose and report it)`;
  process.stderr.write(line + '\n');
  if (verbose && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  process.exit(e instanceof GotraceError ? 1 : 70);
}

export async function main(argv: string[]): Promise<void> {
  const verbose = argv.includes('--verbose');
  const program = new Command('gotrace')
    .description('trace Go programs with eBPF uprobes, without touching them')
    .option('--verbose', 'print stack traces with errors')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerInspect(program);
  registerRules(program);
  try {
    registerTracing(program, loadPlugins());
    registerSupport(program);
    await program.parseAsync(argv);
  } catch (e) {
    fail(e, verbose);
  }
}

if (require.main === module) void main(process.argv);
