// Discovery: every Go process that passes the filters, once per process
// image, whether it was running before we started or starts later.
//
// Order matters: the exec watcher is subscribed BEFORE /proc is scanned, so a
// process starting during the scan is seen by at least one of the two; a
// pid both see is reported once. The scan is synchronous, so exec and exit
// records that arrive meanwhile wait in the ring buffer and are handled after
// it, in kernel order.
import { GotraceError } from '../errors';
import { ExecWatcher, type ExecSource } from './exec-watcher';
import type { ExecEvent, ExitEvent } from './exec-event';
import { compileFilters, type ProcessFilters, type ProcessMatcher } from './filters';
import { GoVerdictCache } from './go-elf-sniff';
import { exeKey, inspectProcess, listPids, type GoProcess } from './process-scanner';

export interface DiscoveredProcess extends GoProcess {
  /** 'scan' when it was running at start(), 'exec' when seen starting afterwards. */
  readonly source: 'scan' | 'exec';
  /** For 'exec': CLOCK_MONOTONIC ns of the exec (compare with process.hrtime.bigint()). */
  readonly execTs?: bigint;
}

/**
 * Called once per Go process image. Called again for the same pid only if
 * the process exec'd another Go binary (new dev/ino): replace what you had.
 * A re-exec of the same binary is not reported again: uprobes are per inode
 * with a pid filter, so the ones attached stay live across it.
 */
export type OnGoProcess = (process: DiscoveredProcess) => void;

/**
 * Called when a reported process is gone: it exited, or it exec'd a binary
 * that is not Go or does not pass the filters. Forget the pid.
 */
export type OnProcessGone = (pid: number) => void;

export interface DiscoveryOptions {
  /** The exec/exit event source (default: a new ExecWatcher). */
  readonly watch?: () => ExecSource;
  /** Verdict cache; share one across sessions to keep verdicts. */
  readonly cache?: GoVerdictCache;
  /** Looks one pid up (default inspectProcess); tests replace it. */
  readonly inspect?: (pid: number, matcher: ProcessMatcher, cache: GoVerdictCache) => GoProcess | undefined;
  /** Lists running pids (default listPids). */
  readonly listPids?: () => number[];
  /** Not reported (default: this process). */
  readonly selfPid?: number;
  /** Watcher failures; without it they are thrown from the event loop. */
  readonly onError?: (error: GotraceError) => void;
}

export interface Discovery {
  /** The Go processes reported and not gone, by pid. */
  readonly known: ReadonlyMap<number, GoProcess>;
  /** How many processes the initial scan examined. */
  readonly scanned: number;
  /** Stops watching; no callback runs after it. Idempotent. */
  stop(): void;
}

/**
 * Starts discovery: subscribes to execs and exits, scans the running
 * processes (their onGoProcess calls happen before this returns), and
 * keeps reporting until stop(). Throws ERR_USAGE for bad filters and the
 * ExecWatcher's ERR_BPF_* errors when the kernel side cannot start.
 */
export function startDiscovery(filters: ProcessFilters, onGoProcess: OnGoProcess, onGone: OnProcessGone,
  options: DiscoveryOptions = {}): Discovery {
  const matcher = compileFilters(filters);
  const cache = options.cache ?? new GoVerdictCache();
  const inspect = options.inspect ?? inspectProcess;
  const self = options.selfPid ?? process.pid;
  const known = new Map<number, GoProcess>();
  let stopped = false;

  /** Reports pid's current image unless it is the one already reported. */
  const consider = (pid: number, source: 'scan' | 'exec', execTs?: bigint): void => {
    if (pid === self || !matcher.pid(pid)) return;
    const found = inspect(pid, matcher, cache);
    const before = known.get(pid);
    if (!found) {
      // A reported process exec'd something we do not trace: its probes are moot.
      if (before && source === 'exec') {
        known.delete(pid);
        onGone(pid);
      }
      return;
    }
    if (before && exeKey(before) === exeKey(found)) return; // seen by both paths
    known.set(pid, found);
    onGoProcess(source === 'exec' ? { ...found, source, execTs } : { ...found, source });
  };

  const watcher = (options.watch ?? (() => ExecWatcher.start()))();
  watcher.on('exec', (e: ExecEvent) => {
    if (!stopped) consider(e.pid, 'exec', e.ts);
  });
  watcher.on('exit', (e: ExitEvent) => {
    if (stopped || !known.delete(e.pid)) return;
    onGone(e.pid);
  });
  watcher.on('error', (error: GotraceError) => {
    if (stopped) return;
    if (options.onError) options.onError(error);
    else throw error;
  });

  let scanned = 0;
  try {
    for (const pid of matcher.onlyPids ?? (options.listPids ?? listPids)()) {
      scanned++;
      consider(pid, 'scan');
    }
  } catch (e) {
    stopped = true;
    watcher.close();
    throw e;
  }

  return {
    known,
    scanned,
    stop(): void {
      stopped = true;
      known.clear();
      watcher.close();
    },
  };
}
