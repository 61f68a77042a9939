// What `gotrace run` and `gotrace trace` share: pick targets (a command, pids,
// exe globs, or every Go process), attach through a Session, stream events,
// and detach everything on the way out, whichever way out it is.
import { readlinkSync, realpathSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type { LoadedRule } from '../engine/rule-loader';
import { Session } from '../engine/session';
import { GotraceError, UsageError } from '../errors';
import { startDiscovery, type Discovery } from '../discovery/discovery';
import { launch, type LaunchedCommand } from '../discovery/launcher';
import { jsonLinesSink, prettySink, type EventSink, type OutputFormat } from '../output/sinks';
import { loadPlugins } from './load-plugins';

export interface TracingOptions {
  readonly rules: readonly LoadedRule[];
  readonly pids: readonly number[];
  readonly exeGlobs: readonly string[];
  readonly command: readonly string[];
  readonly format?: OutputFormat;
  readonly durationS?: number;
  readonly maxBody: number;
  readonly redact: ReadonlySet<string>;
  readonly verbose: boolean;
  /** trace: a failing 'error' rule on the target ends the run at once. */
  readonly strict: boolean;
}

export function parseFormat(v: string | undefined): OutputFormat {
  if (v === undefined) return process.stdout.isTTY ? 'pretty' : 'json';
  if (v !== 'json' && v !== 'pretty') throw new UsageError('ERR_USAGE', `--format is json or pretty, not '${v}'`);
  return v;
}

export function parsePid(v: string, acc: number[]): number[] {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError('ERR_USAGE', `--pid takes a process id, not '${v}'`);
  return [...acc, Number(v)];
}

export function parseDuration(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError('ERR_USAGE', `--duration takes seconds > 0, not '${v}'`);
  return n;
}

function makeLogger(verbose: boolean): Logger {
  return pino({ level: verbose ? 'debug' : 'info', base: undefined }, pino.destination({ fd: 2, sync: true }));
}

/**
 * Resolves true once process `pid` runs `exePath` (the launcher's stub has
 * exec'd it), false if it exits first or 5 s pass. Polled: the exec follows
 * release() within a millisecond or two.
 */
async function execDone(pid: number, exePath: string): Promise<boolean> {
  const want = realpathSync(exePath);
  for (let waited = 0; waited < 5000; waited += 1) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`) === want) return true;
    } catch {
      return false; // gone
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  return false;
}

/** Runs until the duration ends, a signal arrives, or the launched command exits. Resolves to the exit code. */
export async function runTracing(o: TracingOptions): Promise<number> {
  const log = makeLogger(o.verbose);
  const format = o.format ?? parseFormat(undefined);
  const sink: EventSink = format === 'json' ? jsonLinesSink() : prettySink();
  const session = new Session(loadPlugins(), o.rules, (e) => sink.write(e), log, { maxBody: o.maxBody, redact: o.redact }, o.strict);
  let discovery: Discovery | undefined;
  let launched: LaunchedCommand | undefined;
  const attachLatencies: number[] = [];
  let finish!: (code: number) => void;
  const done = new Promise<number>((res) => { finish = res; });

  const attach = (pid: number, exe: string, readPath: string, execTs?: bigint, held?: boolean): void => {
    try {
      if (o.strict) {
        // trace names its functions: one that cannot be traced is the user's error, not a warning.
        const hard = session.plan(readPath, exe).outcomes.find((x) => x.status === 'failed' && x.failureMode === 'error');
        if (hard?.error) throw hard.error;
      }
      session.addProcess({ pid, exe, readPath, ...(held ? { held } : {}) });
      if (execTs !== undefined) attachLatencies.push(Number(process.hrtime.bigint() - execTs) / 1e6);
    } catch (e) {
      if (o.strict) throw e;
      log.error({ pid, exe, code: (e as GotraceError).code }, (e as Error).message);
    }
  };

  const onSignal = (sig: NodeJS.Signals): void => { log.info(`${sig}: detaching`); finish(launched ? 128 + (sig === 'SIGINT' ? 2 : 15) : 0); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const statusTimer = format === 'pretty' ? setInterval(() => sink.status(session.stats(), rate(), session.inProgress()), 1000) : undefined;
  let lastEvents = 0, lastAt = Date.now();
  const rate = (): number => {
    const s = session.stats(), now = Date.now();
    const r = ((s.events - lastEvents) * 1000) / Math.max(1, now - lastAt);
    lastEvents = s.events;
    lastAt = now;
    return r;
  };
  const timer = o.durationS ? setTimeout(() => finish(0), o.durationS * 1000) : undefined;

  try {
    session.preload();
    if (o.command.length) {
      launched = await launch(o.command[0]!, o.command.slice(1));
      try {
        attach(launched.pid, launched.exePath, launched.exePath, undefined, true);
      } catch (e) {
        launched.cancel();
        throw e;
      }
      launched.release();
      // Once the stub has exec'd CMD, plugins see its real mappings (a PIE's load bias).
      const cmd = launched;
      void execDone(cmd.pid, cmd.exePath).then((ok) => {
        if (ok) session.refreshProcess({ pid: cmd.pid, exe: cmd.exePath, readPath: cmd.exePath });
      }).catch((e: unknown) => log.error({ pid: cmd.pid }, `re-attaching after exec failed: ${(e as Error).message}`));
      void launched.exited.then((x) => setTimeout(() => finish(x.code ?? 128 + 9), 50));
    } else {
      discovery = startDiscovery({ pids: o.pids, exeGlobs: o.exeGlobs },
        (p) => attach(p.pid, p.exePath, p.readPath, p.execTs),
        (pid) => session.removeProcess(pid),
        { onError: (e) => log.error({ code: e.code }, e.message) });
      const missing = o.pids.filter((p) => !discovery!.known.has(p));
      if (missing.length) throw new UsageError('ERR_USAGE', `pid ${missing.join(', ')}: no such Go process (gotrace traces running Go programs; check the pid with ps)`);
      log.info({ processes: discovery.known.size, scanned: discovery.scanned }, 'tracing; new Go processes are attached as they start');
    }
    return await done;
  } finally {
    if (timer) clearTimeout(timer);
    if (statusTimer) clearInterval(statusTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    discovery?.stop();
    const stats = session.close();
    sink.close();
    const lat = attachLatencies.sort((a, b) => a - b);
    log.info({ ...stats, attachAfterExecMs: lat.length ? { p50: lat[Math.floor(lat.length / 2)], max: lat[lat.length - 1] } : undefined }, 'done');
  }
}
