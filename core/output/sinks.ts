// Where events go: JSON lines on stdout (one object per event), or a readable
// line per event plus a status line on a TTY. Logs go to stderr (pino).
import type { TraceEvent } from '../engine/plugin';
import type { SessionStats } from '../engine/session';
import { hasOwnJsonBytes, JsonBytes, jsonLineOf, type OwnJsonBytes } from './json-bytes';

export type OutputFormat = 'json' | 'pretty';

export interface EventSink {
  write(e: TraceEvent): void;
  status(s: SessionStats, eventsPerSecond: number, inProgress?: readonly string[]): void;
  close(): void;
}

/** Bytes of one output buffer: a ring-buffer batch's lines usually fit in one. */
const LINE_BUFFER_BYTES = 1 << 20;

/**
 * JSON lines, written in batches: one write per ring-buffer batch (flushed
 * on the next turn of the event loop, or when the buffer is full) instead of
 * one system call per event, which is what bounds throughput at high event
 * rates. Each line is encoded straight into a Buffer: joining a batch's
 * strings and encoding the result cost ~1 µs per line, four times this. An
 * event that writes its own bytes (json-bytes.ts) builds no string at all.
 */
export function jsonLinesSink(out: NodeJS.WritableStream = process.stdout): EventSink {
  let buf: Buffer = Buffer.allocUnsafe(LINE_BUFFER_BYTES);
  // A buffer the stream has finished writing, for the next flush (it holds a written chunk until then).
  let spare: Buffer | null = null;
  let off = 0;
  let scheduled = false;
  const bytes = new JsonBytes(buf);
  const flush = (): void => {
    scheduled = false;
    if (off === 0) return;
    const full = buf;
    const chunk = full.subarray(0, off);
    buf = spare ?? Buffer.allocUnsafe(LINE_BUFFER_BYTES);
    spare = null;
    off = 0;
    out.write(chunk, () => { spare = full; });
  };
  /** Writes e's own bytes and the newline at off; false when they do not fit. */
  const ownBytes = (e: OwnJsonBytes): boolean => {
    bytes.reset(buf, off, buf.length - 1); // room for the newline
    e.writeJson(bytes);
    if (bytes.overflow) return false;
    off = bytes.off;
    buf[off++] = 0x0a;
    return true;
  };
  const textLine = (line: string): void => {
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 for 2).
    const most = line.length * 3 + 1;
    if (off + most > buf.length) {
      flush();
      if (most > buf.length) {
        out.write(line + '\n');
        return;
      }
    }
    off += buf.write(line, off);
    buf[off++] = 0x0a;
  };
  return {
    write: (e) => {
      if (!hasOwnJsonBytes(e)) textLine(toJson(e));
      else if (!ownBytes(e)) {
        flush();
        // Larger than a whole buffer: as a string, once.
        if (!ownBytes(e)) textLine(jsonLineOf(e));
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    status: () => {},
    close: flush,
  };
}

function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/**
 * JSON.stringify of an event that writes no bytes of its own. With a
 * replacer JSON.stringify takes V8's slow path for every value (about 3x
 * the time, measured at ~7 µs per http1 record); most events hold no
 * BigInt, so try without one and fall back only when stringify refuses.
 */
function toJson(e: TraceEvent): string {
  try {
    return JSON.stringify(e);
  } catch (err) {
    if (err instanceof TypeError) return JSON.stringify(e, bigintSafe);
    throw err;
  }
}

const short = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v, bigintSafe));

/** One human line per event; plugins' common fields first. */
export function formatPretty(e: TraceEvent): string {
  const time = new Date(e.ts).toISOString().slice(11, 23);
  const head = `${time} ${e.type.padEnd(5)} pid=${e.pid} g=${e.goid ?? '-'}`;
  if (e.type === 'call') {
    const args = Object.entries((e.args as Record<string, unknown>) ?? {}).map(([k, v]) => `${k}=${short(v)}`).join(', ');
    const rets = Object.entries((e.returns as Record<string, unknown>) ?? {}).map(([k, v]) => `${k}=${short(v)}`).join(', ');
    return `${head} ${e.function as string}(${args}) → (${rets}) ${((e.latencyNs as number) / 1000).toFixed(1)}µs`;
  }
  const skip = new Set(['type', 'ts', 'pid', 'goid', 'exe']);
  return `${head} ${Object.entries(e).filter(([k, v]) => !skip.has(k) && v !== undefined && v !== null).map(([k, v]) => `${k}=${short(v)}`).join(' ')}`;
}

export function prettySink(out: NodeJS.WriteStream = process.stdout): EventSink {
  let statusShown = false;
  const clear = (): void => {
    if (statusShown) out.write('\r\x1b[2K');
    statusShown = false;
  };
  return {
    write: (e) => { clear(); out.write(formatPretty(e) + '\n'); },
    status: (s, eps, open = []) => {
      clear();
      // Streams report once, when they end: until then the status line names them (two, then a count).
      const more = open.length > 2 ? `, +${open.length - 2} more` : '';
      const prog = open.length ? `  in progress: ${open.slice(0, 2).join(', ')}${more}` : '';
      out.write(`[gotrace] processes ${s.processes}  probes ${s.probes}  events/s ${eps.toFixed(0)}  events ${s.events}  drops ${s.drops}${prog}`);
      statusShown = true;
    },
    close: () => { if (statusShown) out.write('\n'); },
  };
}
