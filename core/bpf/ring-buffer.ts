// Consumes a BPF ring buffer map on Node's event loop: no thread, no busy
// polling. The addon polls libbpf's epoll fd with libuv; each wakeup drains
// the ring and hands every record of that wakeup to ONE call of onRecords.
import { GotraceError } from '../errors';
import type { NativeAddon, NativeBpfObject, NativeRingBuffer, NativeRingBufferStats } from './addon';
import { callNative, translateNativeError } from './native-error';

/**
 * Gets the records of one wakeup, in ring order. The Buffers are views of one
 * batch buffer, a fresh one per call (never reused): a handler may keep views
 * past the call, though each keeps the whole batch alive.
 */
export type RecordsHandler = (records: Buffer[]) => void;

/**
 * Gets the records of one wakeup as one batch buffer (fresh per call) and
 * each record's end in it: record i is data[ends[i-1] .. ends[i]). For a
 * hot consumer that reads records in place instead of through a view each.
 */
export type BatchHandler = (data: Buffer, ends: Uint32Array) => void;

export interface RingBufferOptions {
  /**
   * Most records per call; the rest come on the next event-loop turn, so a
   * flood cannot starve timers and I/O. Default 65536; 0 means no limit.
   */
  readonly maxBatch?: number;
  /** Called when polling or consuming fails. Without it the error is thrown (uncaught). */
  readonly onError?: (error: GotraceError) => void;
}

export interface RingBufferStats extends NativeRingBufferStats {
  /** Records the BPF side could not reserve (ring full), counted in its gotrace_drops map. */
  readonly dropped: bigint;
}

export const DEFAULT_MAX_BATCH = 65536;

/** Splits a batch into per-record views: record i is data[ends[i-1] .. ends[i]). */
export function splitRecords(data: Buffer, ends: Uint32Array): Buffer[] {
  const records = new Array<Buffer>(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    records[i] = data.subarray(start, end);
    start = end;
  }
  return records;
}

export class RingBufferConsumer {
  readonly map: string;
  readonly #native: NativeRingBuffer;
  readonly #dropped: () => bigint;
  #closed = false;

  /** Made by BpfObject.openRingBuffer(Batches); `dropped` reads the object's drop counter. */
  constructor(addon: NativeAddon, owner: NativeBpfObject, map: string, onBatchData: BatchHandler,
    options: RingBufferOptions, dropped: () => bigint) {
    this.map = map;
    this.#dropped = dropped;
    const onError = options.onError;
    const onBatch = (err: Error | null, data: Buffer | null, ends: Uint32Array | null): void => {
      if (err) {
        const error = translateNativeError(err);
        const typed = error instanceof GotraceError ? error
          : new GotraceError('ERR_BPF_RINGBUF', `ring buffer '${map}': ${err.message}`, { cause: err });
        if (onError) onError(typed);
        else throw typed;
        return;
      }
      if (data && ends) onBatchData(data, ends);
    };
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.#native = callNative(() => new addon.RingBuffer(owner, map, onBatch, maxBatch));
  }

  get closed(): boolean {
    return this.#closed;
  }

  stats(): RingBufferStats {
    return { ...this.#native.stats(), dropped: this.#dropped() };
  }

  /** Lets the process exit while this consumer is open (like socket.unref()). */
  unref(): this {
    this.#native.unref();
    return this;
  }

  ref(): this {
    this.#native.ref();
    return this;
  }

  /** Delivers every record in the ring now, synchronously, through the handler. */
  drain(): void {
    if (!this.#closed) this.#native.drain();
  }

  /** Stops consuming. Records still in the ring are not delivered (drain() first). Idempotent. */
  close(): void {
    this.#closed = true;
    this.#native.close();
  }
}
