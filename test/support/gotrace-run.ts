// `gotrace run` in the background for end-to-end tests, and the fixture
// servers they trace. Every session started here is tracked, so a test file's
// afterEach(stopRuns) stops whatever a failed test left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './binaries';

export const CLI = join(ROOT, 'dist', 'core', 'cli', 'main.js');
export const RULES = join(ROOT, 'rules');

export interface RunResult<T> {
  readonly code: number | null;
  /** The JSON events of the requested type. */
  readonly records: T[];
  /** Lines that are not JSON: a traced command's own output. */
  readonly other: string[];
  readonly stderr: string;
}

export interface RunningGotrace<T> {
  readonly proc: ChildProcess;
  /** Settles once gotrace logs its first attach. */
  readonly attached: Promise<void>;
  /** Sends SIGINT and waits for the session to end. */
  stop(): Promise<RunResult<T>>;
  /** Waits for the session to end by itself (a traced command exited). */
  done(): Promise<RunResult<T>>;
  /** The records of the requested type printed so far, while it runs. */
  soFar(): T[];
}

const running = new Set<ChildProcess>();

/** `gotrace run --rules RULES --format json ARGS`, keeping the events of one `type`. */
export function startRun<T>(type: string, args: readonly string[], rules = RULES): RunningGotrace<T> {
  const proc = spawn(process.execPath, [CLI, 'run', '--rules', rules, '--format', 'json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  running.add(proc);
  proc.on('close', () => running.delete(proc));
  proc.stdout!.on('data', (d) => { out += d; });
  const attached = new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`gotrace never attached: ${err}`)), 30_000);
    proc.stderr!.on('data', (d) => {
      err += d;
      if (/"msg":"attached"/.test(err)) { clearTimeout(timer); res(); }
    });
  });
  // 'close', not 'exit': stdout is read to its end before the records are parsed.
  const exited = new Promise<number | null>((res) => proc.on('close', (c) => res(c)));
  const prefix = `{"type":${JSON.stringify(type)}`;
  const done = async (): Promise<RunResult<T>> => {
    const code = await exited;
    const lines = out.split('\n').filter((l) => l.trim());
    return { code, records: lines.filter((l) => l.startsWith(prefix)).map((l) => JSON.parse(l) as T), other: lines.filter((l) => !l.startsWith('{')), stderr: err };
  };
  const soFar = (): T[] => out.split('\n').filter((l) => l.startsWith(prefix)).map((l) => JSON.parse(l) as T);
  return { proc, attached, done, soFar, stop: async () => { proc.kill('SIGINT'); return done(); } };
}

/** Stops every session still running (for afterEach). */
export async function stopRuns(): Promise<void> {
  await Promise.all([...running].map((p) => new Promise((res) => { p.on('close', res); p.kill('SIGINT'); })));
}

/** Starts a fixture server and waits for its `listening ADDR` line. */
export async function startListening(path: string, args: readonly string[], opts: { cwd?: string } = {}): Promise<{ server: ChildProcess; addr: string }> {
  const server = spawn(path, [...args], { stdio: ['ignore', 'pipe', 'inherit'], cwd: opts.cwd });
  const addr = await new Promise<string>((res, rej) => {
    let buf = '';
    server.stdout!.on('data', (d) => {
      buf += d;
      const m = /listening (\S+)/.exec(buf);
      if (m) res(m[1]!);
    });
    server.on('exit', () => rej(new Error('server exited')));
  });
  return { server, addr };
}

/** A TCP port on 127.0.0.1 that was free a moment ago, for servers that need one given. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const port = (s.address() as { port: number }).port;
  await new Promise((res) => s.close(res));
  return port;
}

/** Waits (up to 10 s) until `p` accepts connections on 127.0.0.1:port; throws when it exits or never does. */
export async function waitForPort(p: ChildProcess, port: number, what = 'the server'): Promise<void> {
  for (let i = 0; i < 100 && p.exitCode === null; i++) {
    const ok = await new Promise<boolean>((res) => {
      const c = connect(port, '127.0.0.1');
      c.on('connect', () => { c.destroy(); res(true); });
      c.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} never listened on ${port}`);
}
