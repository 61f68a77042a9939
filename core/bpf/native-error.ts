// Turns the addon's errors (an Error with op, errno, code and the captured
// libbpf log) into GotraceErrors whose message says what to do next.
import { type ErrorCode, GotraceError } from '../errors';

export interface NativeErrorFields {
  /** What failed: open, const, load, map, attach, ringbuf, state (see addon/src/errors.h). */
  readonly op: string;
  readonly errno: number;
  /** The errno name, e.g. EPERM. */
  readonly code: string;
  /** What libbpf printed during the failing call, the verifier log included. */
  readonly log: string;
}

const OP_CODES: Readonly<Record<string, ErrorCode>> = {
  open: 'ERR_BPF_OPEN',
  const: 'ERR_BPF_CONST',
  load: 'ERR_BPF_LOAD',
  map: 'ERR_BPF_MAP',
  attach: 'ERR_BPF_ATTACH',
  ringbuf: 'ERR_BPF_RINGBUF',
  state: 'ERR_BPF_STATE',
};

/** Lines of a verifier log kept in an error message; the end says what failed. */
export const VERIFIER_LOG_LINES = 60;

export const PRIVILEGE_ADVICE = 'gotrace needs root, or CAP_BPF and CAP_PERFMON, to use BPF; run it with sudo';

export function isNativeError(e: unknown): e is Error & NativeErrorFields {
  return e instanceof Error && typeof (e as Partial<NativeErrorFields>).op === 'string';
}

/** A GotraceError for an addon error; anything else (a TypeError from bad arguments) as it is. */
export function translateNativeError(e: unknown): unknown {
  if (!isNativeError(e)) return e;
  const code: ErrorCode = e.code === 'EPERM' && e.op !== 'state' ? 'ERR_BPF_PRIVILEGE' : (OP_CODES[e.op] ?? 'ERR_BPF_LOAD');
  return new GotraceError(code, describe(e), { cause: e });
}

function describe(e: Error & NativeErrorFields): string {
  if (e.code === 'EPERM' && e.op !== 'state') return `${e.message}: ${PRIVILEGE_ADVICE}`;
  switch (e.op) {
    case 'load':
      return describeLoad(e);
    case 'open':
      return e.code === 'ENOENT'
        ? `${e.message}; build it with \`bash bpf/build.sh\``
        : `${e.message}; is it a BPF object built by bpf/build.sh (clang -target bpf -g)?${libbpfSaid(e.log)}`;
    case 'attach':
      return `${e.message}; ${attachAdvice(e)}${libbpfSaid(e.log)}`;
    case 'map':
      return `${e.message}; ${mapAdvice(e.code)}${libbpfSaid(e.log)}`;
    case 'const':
      return `${e.message}; consts() lists the const volatile values and their sizes`;
    case 'state':
      return `${e.message}; ${e.message.includes('closed') ? 'open the object again' : 'open, set consts, load, then use maps and attach, in that order'}`;
    default:
      return `${e.message}${libbpfSaid(e.log)}`;
  }
}

function describeLoad(e: Error & NativeErrorFields): string {
  const log = verifierLog(e.log);
  const prog = /prog '([^']+)': BPF program load failed/.exec(e.log)?.[1];
  // The verifier returns EAGAIN when a signal is pending, not for the code:
  // its partial log would send the reader to the C for nothing.
  if (e.code === 'EAGAIN') {
    return `${e.message}: signals kept interrupting the kernel verifier on program '${prog ?? '?'}' (libbpf tried 5 times); ` +
      'run again, and stop whatever signals gotrace steadily while it loads (a profiler timer, for one)';
  }
  if (log !== undefined) {
    return `${e.message}: the kernel verifier rejected program '${prog ?? '?'}'; fix the BPF C code where the log ends.\n` +
      `Verifier log${countOmitted(log)}:\n${lastLines(log, VERIFIER_LOG_LINES)}`;
  }
  return `${e.message}; check that this kernel supports the maps and helpers the object uses${libbpfSaid(e.log)}`;
}

/** The verifier log libbpf prints between its BEGIN/END PROG LOAD LOG markers, if any. */
export function verifierLog(libbpfLog: string): string | undefined {
  return /-- BEGIN PROG LOAD LOG --\n([\s\S]*?)-- END PROG LOAD LOG --/.exec(libbpfLog)?.[1];
}

function attachAdvice(e: Error & NativeErrorFields): string {
  const tracepoint = e.message.startsWith('tracepoint');
  switch (e.code) {
    case 'ENOENT':
      return tracepoint
        ? 'check that the tracepoint is listed under /sys/kernel/tracing/events and that tracefs is mounted (mount -t tracefs tracefs /sys/kernel/tracing)'
        : 'check that the binary exists';
    case 'ESRCH':
      return 'the process is gone; check the pid';
    case 'EINVAL':
      return tracepoint ? 'check the program is a tracepoint program' : 'check that the offset is a file offset (not a virtual address) inside the binary';
    default:
      return 'see what libbpf said below';
  }
}

function mapAdvice(code: string): string {
  switch (code) {
    case 'E2BIG':
      return 'the map is full; delete entries or raise its max_entries';
    case 'EEXIST':
      return "the key is already there (flag 'noexist')";
    case 'ENOENT':
      return "the key is not there (flag 'exist'), or the map does not exist";
    default:
      return 'check the key and value sizes against mapInfo()';
  }
}

function libbpfSaid(log: string): string {
  const text = log.trim();
  return text ? `\nlibbpf said:\n${lastLines(text, 20)}` : '';
}

function countOmitted(log: string): string {
  const lines = log.trimEnd().split('\n').length;
  return lines > VERIFIER_LOG_LINES ? ` (last ${VERIFIER_LOG_LINES} of ${lines} lines; the cause holds all)` : '';
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** Runs an addon call, translating its errors. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw translateNativeError(e);
  }
}
