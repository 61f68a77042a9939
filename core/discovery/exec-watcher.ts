// Sees every new process image and every process exit as it happens, from
// the sched:sched_process_exec and sched:sched_process_exit tracepoints
// (bpf/exec_watch.bpf.c) through a ring buffer: no /proc polling, so a
// fresh process is known within a wakeup of its exec, before its first
// instruction has had much time to run.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { BpfObject, bpfObjectPath, type BpfLinkInfo, type RingBufferConsumer } from '../bpf';
import { GotraceError } from '../errors';
import { decodeWatchEvent, type ExecEvent, type ExitEvent } from './exec-event';

export const EXEC_WATCH_OBJECT = 'exec_watch';

export interface ExecWatcherEvents {
  exec: [event: ExecEvent];
  exit: [event: ExitEvent];
  /** A ring buffer failure or an undecodable record. Without a listener it is thrown. */
  error: [error: GotraceError];
}

export interface ExecWatcherOptions {
  /** The BPF object (default build/bpf/exec_watch.bpf.o). */
  readonly objectPath?: string;
  /** Turns on the BPF side's bpf_printk (trace_pipe). */
  readonly debug?: boolean;
}

export interface ExecWatcherStats {
  readonly exec: number;
  readonly exit: number;
  /** Records the kernel side could not queue because the ring was full. */
  readonly dropped: bigint;
}

/** The part of ExecWatcher discovery uses; tests give discovery a fake. */
export interface ExecSource {
  on<K extends keyof ExecWatcherEvents>(event: K, listener: (...args: ExecWatcherEvents[K]) => void): unknown;
  close(): void;
}

export class ExecWatcher extends EventEmitter<ExecWatcherEvents> implements ExecSource {
  readonly #obj: BpfObject;
  readonly #ring: RingBufferConsumer;
  #exec = 0;
  #exit = 0;

  /** Loads exec_watch.bpf.o, attaches both tracepoints and starts consuming. */
  static start(options: ExecWatcherOptions = {}): ExecWatcher {
    const path = options.objectPath ?? bpfObjectPath(EXEC_WATCH_OBJECT);
    if (!existsSync(path)) {
      throw new GotraceError('ERR_BPF_OPEN', `${path} is missing; build it with 'bash bpf/build.sh bpf/exec_watch.bpf.c' (or npm run setup)`);
    }
    const obj = BpfObject.open(path);
    try {
      if (options.debug) obj.setConst('gotrace_debug', Buffer.from([1]));
      obj.load();
      return new ExecWatcher(obj);
    } catch (e) {
      obj.close();
      throw e;
    }
  }

  private constructor(obj: BpfObject) {
    super();
    this.#obj = obj;
    // Consume first, then attach: records of the first exec already have a reader.
    this.#ring = obj.openRingBuffer('events', (records) => this.#deliver(records), {
      onError: (error) => this.#fail(error),
    });
    obj.attachTracepoint('tp_sched_process_exec', 'sched', 'sched_process_exec');
    obj.attachTracepoint('tp_sched_process_exit', 'sched', 'sched_process_exit');
  }

  #deliver(records: Buffer[]): void {
    for (const rec of records) {
      let event;
      try {
        event = decodeWatchEvent(rec);
      } catch (e) {
        this.#fail(e as GotraceError);
        continue;
      }
      if (event.kind === 'exec') {
        this.#exec++;
        this.emit('exec', event);
      } else {
        this.#exit++;
        this.emit('exit', event);
      }
    }
  }

  #fail(error: GotraceError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else throw error;
  }

  stats(): ExecWatcherStats {
    return { exec: this.#exec, exit: this.#exit, dropped: this.#obj.droppedRecords() };
  }

  /** Lets the process exit while the watcher runs (like socket.unref()). */
  unref(): this {
    this.#ring.unref();
    return this;
  }

  ref(): this {
    this.#ring.ref();
    return this;
  }

  /** The attached tracepoint links (kernel ids, for bpftool and diagnostics). */
  links(): BpfLinkInfo[] {
    return this.#obj.links().map(({ id, program, target }) => ({ id, program, target }));
  }

  get closed(): boolean {
    return this.#obj.state === 'closed';
  }

  /** Detaches the tracepoints and frees the BPF object. Idempotent. */
  close(): void {
    this.#obj.close();
  }
}
