// Decodes the records bpf/exec_watch.bpf.c writes (layout: bpf/exec_watch.h).
// Pure, so the layout is tested without a kernel.
import { GotraceError } from '../errors';

export const EXEC_WATCH_KIND_EXEC = 1;
export const EXEC_WATCH_KIND_EXIT = 2;
/** sizeof(struct exec_watch_header). */
export const HEADER_SIZE = 32;
/** EXEC_WATCH_PATH_MAX: longer execve() filenames arrive cut to this minus the NUL. */
export const PATH_MAX = 512;
export const EXEC_RECORD_SIZE = HEADER_SIZE + PATH_MAX;

export interface ExecEvent {
  readonly kind: 'exec';
  /** The process id (tgid); the same before and after exec. */
  readonly pid: number;
  /** The thread that called execve (it takes over the pid when it is not the leader). */
  readonly tid: number;
  readonly ppid: number;
  /** CLOCK_MONOTONIC nanoseconds at exec, comparable with process.hrtime.bigint(). */
  readonly ts: bigint;
  /**
   * The filename given to execve(), as the kernel's tracepoint has it: it
   * may be relative or /dev/fd/N (fexecve). Use /proc/PID/exe for the file.
   */
  readonly path: string;
}

export interface ExitEvent {
  readonly kind: 'exit';
  readonly pid: number;
  readonly tid: number;
  readonly ppid: number;
  readonly ts: bigint;
  /** The exit status (0-255) when the process exited by itself, else null. */
  readonly exitCode: number | null;
  /** The number of the signal that killed it, else null. */
  readonly signal: number | null;
}

export type WatchEvent = ExecEvent | ExitEvent;

export function decodeWatchEvent(rec: Buffer): WatchEvent {
  if (rec.length < HEADER_SIZE) {
    throw new GotraceError('ERR_BPF_RINGBUF', `exec_watch record is ${rec.length} bytes, shorter than its ${HEADER_SIZE}-byte header; rebuild bpf/exec_watch.bpf.c`);
  }
  const kind = rec.readUInt32LE(0);
  const common = { pid: rec.readUInt32LE(4), tid: rec.readUInt32LE(8), ppid: rec.readUInt32LE(12), ts: rec.readBigUInt64LE(16) };
  if (kind === EXEC_WATCH_KIND_EXEC && rec.length === EXEC_RECORD_SIZE) {
    const end = rec.indexOf(0, HEADER_SIZE);
    return { kind: 'exec', ...common, path: rec.toString('utf8', HEADER_SIZE, end < 0 ? rec.length : end) };
  }
  if (kind === EXEC_WATCH_KIND_EXIT && rec.length === HEADER_SIZE) {
    // task->exit_code is a wait status: (code << 8) | signal (include/linux/wait.h W* macros).
    const status = rec.readUInt32LE(24);
    const signal = status & 0x7f;
    return { kind: 'exit', ...common, exitCode: signal ? null : (status >> 8) & 0xff, signal: signal || null };
  }
  throw new GotraceError('ERR_BPF_RINGBUF', `exec_watch record of kind ${kind} and ${rec.length} bytes is unknown; rebuild bpf/exec_watch.bpf.c`);
}
