// Finds the Go processes running now, from /proc. Each process's executable
// is read through /proc/PID/root (resolveTarget), so a process in a
// container is judged by its own file, not a host file of the same name.
// Executables are grouped by (device, inode): one binary run by many
// processes is analyzed once, and uprobes attach per inode anyway.
import { readdirSync } from 'node:fs';
import { resolveTarget } from '../binary/target';
import { compileFilters, type ProcessFilters, type ProcessMatcher } from './filters';
import { GoVerdictCache } from './go-elf-sniff';

export interface GoProcess {
  readonly pid: number;
  /** The executable's path as the process sees it (the /proc/PID/exe link). */
  readonly exePath: string;
  /** Where this process's executable can be read from here (/proc/PID/root/..., or /proc/PID/exe). */
  readonly readPath: string;
  readonly dev: number;
  readonly ino: number;
}

/** One Go binary and the processes running it. */
export interface GoExecutable {
  readonly dev: number;
  readonly ino: number;
  /** As the first process found sees it. */
  readonly exePath: string;
  /** The first process's readPath: valid while that process lives. */
  readonly readPath: string;
  readonly pids: readonly number[];
}

export interface ScanOptions {
  readonly cache?: GoVerdictCache;
  /** Not reported (default: this process). */
  readonly selfPid?: number;
}

export interface ScanResult {
  readonly executables: readonly GoExecutable[];
  /** Processes looked at (after the pid filter). */
  readonly examined: number;
}

/** Every process id in /proc, ascending. */
export function listPids(procRoot = '/proc'): number[] {
  return readdirSync(procRoot)
    .filter((name) => /^[1-9]\d*$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * The Go process `pid` is, if it is one that passes `matcher`; undefined
 * for anything else, including processes that vanished meanwhile and
 * kernel threads (they have no /proc/PID/exe to read).
 */
export function inspectProcess(pid: number, matcher: ProcessMatcher, cache: GoVerdictCache): GoProcess | undefined {
  if (!matcher.pid(pid)) return undefined;
  let target;
  try {
    target = resolveTarget(String(pid));
  } catch {
    return undefined; // gone, a kernel thread, a zombie, or not ours to read
  }
  if (!matcher.exe(target.display)) return undefined;
  let verdict;
  try {
    verdict = cache.classify(target.path);
  } catch {
    return undefined; // exited between the two looks
  }
  if (!verdict.isGo) return undefined;
  return { pid, exePath: target.display, readPath: target.path, dev: verdict.dev, ino: verdict.ino };
}

/** Key of an executable file: what uprobes attach to and what we analyze once. */
export function exeKey(p: { dev: number; ino: number }): string {
  return `${p.dev}:${p.ino}`;
}

/** Scans the running processes once and groups the Go ones by executable. */
export function scanGoProcesses(filters: ProcessFilters | ProcessMatcher = {}, options: ScanOptions = {}): ScanResult {
  const matcher = 'exe' in filters ? filters : compileFilters(filters);
  const cache = options.cache ?? new GoVerdictCache();
  const self = options.selfPid ?? process.pid;
  const byExe = new Map<string, { first: GoProcess; pids: number[] }>();
  let examined = 0;
  for (const pid of matcher.onlyPids ?? listPids()) {
    if (pid === self) continue;
    examined++;
    const found = inspectProcess(pid, matcher, cache);
    if (!found) continue;
    const key = exeKey(found);
    const entry = byExe.get(key);
    if (entry) entry.pids.push(pid);
    else byExe.set(key, { first: found, pids: [pid] });
  }
  const executables = [...byExe.values()].map(({ first, pids }) => ({
    dev: first.dev, ino: first.ino, exePath: first.exePath, readPath: first.readPath, pids,
  }));
  return { executables, examined };
}
