// `gotrace run -- CMD ARGS...`: starts CMD so that probes go live before its
// first instruction. A tiny /bin/sh stub is spawned first; it blocks reading
// a pipe (fd 3), and only when release() writes a line does it exec CMD.
// exec keeps the pid, so the caller can analyze CMD's file and attach
// uprobes filtered by that pid in between: uprobes are registered on the
// file's inode, so the kernel installs them when the exec maps the file.
//
// If gotrace dies before release(), the pipe closes, `read` fails and the
// stub exits 125 without running CMD: nothing ever runs untraced by mistake.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { GotraceError, UsageError } from '../errors';

/** Exit status of the stub when it was cancelled (the pipe closed without a go-ahead). */
export const STUB_CANCELLED_STATUS = 125;

// "$0" is CMD's resolved path, "$@" its arguments; `3<&-` keeps the pipe
// out of CMD. Plain POSIX sh: no bash needed in minimal images.
const STUB_SCRIPT = `read -r _ <&3 || exit ${STUB_CANCELLED_STATUS}; exec "$0" "$@" 3<&-`;
const SHELL = '/bin/sh';
const FORWARDED = ['SIGINT', 'SIGTERM'] as const;

export interface LaunchOptions {
  /** stdin, stdout, stderr of the command (default 'inherit'); tests pipe them. */
  readonly stdio?: 'inherit' | 'pipe' | 'ignore' | readonly ('inherit' | 'pipe' | 'ignore')[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Forward SIGINT and SIGTERM sent to gotrace to the command (default true). */
  readonly forwardSignals?: boolean;
}

export interface LaunchExit {
  /** The exit status when the command exited, else null. */
  readonly code: number | null;
  /** The signal that ended it, else null. */
  readonly signal: NodeJS.Signals | null;
}

export interface LaunchedCommand {
  /** The process id; the same before and after release (exec keeps it). */
  readonly pid: number;
  /** CMD resolved through PATH: the file that will be exec'd; analyze and probe this one. */
  readonly exePath: string;
  readonly args: readonly string[];
  /** The stub / command process (its stdio streams when piped). */
  readonly child: ChildProcess;
  /** Lets the stub exec the command. Call once, after the probes are attached. */
  release(): void;
  /** Ends the stub without ever running the command (when attaching failed). */
  cancel(): void;
  /** Settles when the process ends, with its status. Never rejects. */
  readonly exited: Promise<LaunchExit>;
}

/** The status a shell would report for `exit`: the code, or 128 + the signal number. */
export function exitStatus(exit: LaunchExit): number {
  if (exit.code !== null) return exit.code;
  const signum = exit.signal ? osConstants.signals[exit.signal] : undefined;
  return signum === undefined ? 1 : 128 + signum;
}

/**
 * Resolves CMD as execvp would: a name with '/' is a path (relative to
 * `cwd`), otherwise the first executable regular file in PATH. Throws an
 * ERR_USAGE UsageError naming what to do when there is none.
 */
export function resolveCommand(cmd: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (!cmd) throw new UsageError('ERR_USAGE', 'no command given; usage: gotrace run -- CMD [ARGS...]');
  if (cmd.includes('/')) {
    const path = isAbsolute(cmd) ? cmd : resolve(cwd, cmd);
    const problem = notExecutable(path);
    if (problem) throw new UsageError('ERR_USAGE', `cannot run ${cmd}: ${problem}`);
    return path;
  }
  const dirs = (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter);
  let lastProblem: string | undefined;
  for (const dir of dirs) {
    const path = resolve(cwd, dir || '.', cmd); // an empty PATH entry means the current directory
    const problem = notExecutable(path);
    if (!problem) return path;
    if (!problem.startsWith('no such file')) lastProblem = `${join(dir || '.', cmd)}: ${problem}`;
  }
  throw new UsageError('ERR_USAGE', lastProblem
    ? `cannot run ${cmd}: ${lastProblem}`
    : `command not found: ${cmd} (searched PATH=${env.PATH ?? ''}); give its path or add its folder to PATH`);
}

/** Why `path` cannot be exec'd, or undefined when it can. */
function notExecutable(path: string): string | undefined {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 'no such file; check the spelling or give the full path';
  }
  if (st.isDirectory()) return 'is a directory; give the executable inside it';
  if (!st.isFile()) return 'not a regular file';
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return `not executable (mode ${(st.mode & 0o777).toString(8)}); chmod +x it`;
  }
  return undefined;
}

/**
 * Spawns the stub for `cmd args` and resolves once it runs (its pid is
 * valid). The command itself has not started: call release().
 */
export async function launch(cmd: string, args: readonly string[], options: LaunchOptions = {}): Promise<LaunchedCommand> {
  const cwd = options.cwd ?? process.cwd();
  const exePath = resolveCommand(cmd, options.env ?? process.env, cwd);
  const io = options.stdio ?? 'inherit';
  const stdio: StdioOptions = [...(typeof io === 'string' ? [io, io, io] : io), 'pipe'];
  const child = spawn(SHELL, ['-c', STUB_SCRIPT, exePath, ...args], { stdio, env: options.env, cwd });

  await new Promise<void>((ok, fail) => {
    child.once('spawn', ok);
    child.once('error', (e) => fail(new GotraceError('ERR_FILE_NOT_FOUND',
      `cannot start ${SHELL} to launch ${cmd}: ${e.message}; gotrace run needs a POSIX shell at ${SHELL}`, { cause: e })));
  });

  const gate = child.stdio[3] as NodeJS.WritableStream & { destroy(): void };
  // EPIPE when the stub died early: `exited` reports that, so the write error says nothing more.
  gate.on('error', () => undefined);
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  // While our listeners exist Node does not die of these signals; core/bpf's
  // cleanup then only detaches links and leaves exiting to us (see cleanup.ts).
  if (options.forwardSignals ?? true) for (const s of FORWARDED) process.on(s, forward);
  const exited = new Promise<LaunchExit>((done) => {
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED) process.removeListener(s, forward);
      done({ code, signal });
    });
  });
  let gateUsed = false;
  const useGate = (what: 'release' | 'cancel'): void => {
    if (gateUsed) throw new GotraceError('ERR_USAGE', `${what}() after the command was already released or cancelled`);
    gateUsed = true;
  };

  return {
    pid: child.pid!,
    exePath,
    args: [...args],
    child,
    exited,
    release(): void {
      useGate('release');
      gate.end('go\n');
    },
    cancel(): void {
      useGate('cancel');
      gate.destroy(); // EOF: the stub's `read` fails and it exits without exec
    },
  };
}
