// Test support: conversations written as Read/Write calls, turned into the
// chunks the BPF side would emit, and every way of re-cutting them.
import { Http1Decoder } from '../decoder';
import { DEFAULT_REDACT, type CapturedChunk, type Http1DecoderOptions, type Http1Record } from '../types';

export type Dir = 'write' | 'read';

export interface Call {
  readonly dir: Dir;
  readonly bytes: Buffer;
  readonly ts: number;
  /** Bytes of the call the BPF side captured (the rest is missing); default all. */
  readonly captured?: number;
  readonly goid?: number;
}

/** Calls from [direction, bytes] pairs, 10 ms apart from ts 1000. */
export function conv(steps: ReadonlyArray<readonly [Dir, string | Buffer]>): Call[] {
  return steps.map(([dir, bytes], i) => call(dir, bytes, 1000 + 10 * i));
}

export function call(dir: Dir, bytes: string | Buffer, ts: number, extra: { captured?: number; goid?: number } = {}): Call {
  return { dir, bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes, ts, ...extra };
}

/** The same conversation from the other end: writes become reads. */
export function mirror(calls: readonly Call[]): Call[] {
  return calls.map((c) => ({ ...c, dir: c.dir === 'write' ? 'read' : 'write' }));
}

export interface ChunkOptions {
  readonly connKey?: string;
  readonly tls?: boolean;
  /** BPF chunk size: calls longer than this come as several chunks. */
  readonly chunkSize?: number;
  /** Per call index: cut that call's chunks at these offsets too. */
  readonly cutChunks?: ReadonlyMap<number, number>;
}

export const SEQ_BASE: Record<Dir, number> = { write: 1000, read: 500_000 };

/** The chunks BPF would emit for `calls`; tcpSeq counts each direction's bytes from SEQ_BASE. */
export function chunksFor(calls: readonly Call[], o: ChunkOptions = {}): CapturedChunk[] {
  const seq = { ...SEQ_BASE };
  const out: CapturedChunk[] = [];
  calls.forEach((c, i) => {
    const captured = Math.min(c.captured ?? c.bytes.length, c.bytes.length);
    const size = o.chunkSize ?? Number.MAX_SAFE_INTEGER;
    const cut = o.cutChunks?.get(i);
    let off = 0;
    do {
      let end = Math.min(off + size, captured);
      if (cut !== undefined && off < cut && cut < end) end = cut;
      out.push({
        connKey: o.connKey ?? 'c1', pid: 42, fd: 7, goid: c.goid ?? 1, direction: c.dir, tls: o.tls ?? false,
        ts: c.ts, tcpSeq: seq[c.dir], callLen: c.bytes.length, offset: off, data: c.bytes.subarray(off, end),
        local: '127.0.0.1:1000', remote: '127.0.0.1:2000',
      });
      off = end;
    } while (off < captured);
    seq[c.dir] += c.bytes.length;
  });
  return out;
}

/** Call i cut in two calls at k (the missing tail, if any, stays with the second). */
function cutCall(calls: readonly Call[], i: number, k: number): Call[] {
  const c = calls[i]!;
  const captured = c.captured ?? c.bytes.length;
  const a: Call = { ...c, bytes: c.bytes.subarray(0, k), captured: k };
  const b: Call = { ...c, bytes: c.bytes.subarray(k), captured: captured - k };
  return [...calls.slice(0, i), a, b, ...calls.slice(i + 1)];
}

/** Consecutive calls in one direction merged into one (what bufio or pipelining does). */
export function coalesce(calls: readonly Call[]): Call[] {
  const out: Call[] = [];
  for (const c of calls) {
    const last = out[out.length - 1];
    const full = (x: Call) => (x.captured ?? x.bytes.length) === x.bytes.length;
    if (last && last.dir === c.dir && full(last)) {
      out[out.length - 1] = { ...last, bytes: Buffer.concat([last.bytes, c.bytes]), captured: (last.captured ?? last.bytes.length) + (c.captured ?? c.bytes.length) };
    } else out.push(c);
  }
  return out;
}

export interface Variant {
  readonly label: string;
  readonly chunks: CapturedChunk[];
  /** Calls were merged: timestamps (so ts and latency) differ from the original. */
  readonly retimed?: boolean;
}

/**
 * Every re-cutting of a conversation: each call cut in two at every captured
 * byte boundary (as two calls, and as two chunks of one call), all calls as
 * 1-byte calls and as 1-byte chunks, and consecutive calls merged.
 */
export function* variants(calls: readonly Call[], o: ChunkOptions & { coalesce?: boolean } = {}): Generator<Variant> {
  yield { label: 'as written', chunks: chunksFor(calls, o) };
  yield { label: '1-byte chunks', chunks: chunksFor(calls, { ...o, chunkSize: 1 }) };
  const bytewise = calls.flatMap((c) => {
    const captured = c.captured ?? c.bytes.length;
    const ones = [...Array(captured).keys()].map((k) => ({ ...c, bytes: c.bytes.subarray(k, k + 1), captured: 1 }));
    return captured < c.bytes.length ? [...ones, { ...c, bytes: c.bytes.subarray(captured), captured: 0 }] : ones;
  });
  yield { label: '1-byte calls', chunks: chunksFor(bytewise, o) };
  if (o.coalesce !== false) yield { label: 'coalesced', chunks: chunksFor(coalesce(calls), o), retimed: true };
  for (let i = 0; i < calls.length; i++) {
    const captured = calls[i]!.captured ?? calls[i]!.bytes.length;
    for (let k = 1; k < captured; k++) {
      yield { label: `call ${i} cut at ${k}`, chunks: chunksFor(cutCall(calls, i, k), o) };
      yield { label: `call ${i} chunked at ${k}`, chunks: chunksFor(calls, { ...o, cutChunks: new Map([[i, k]]) }) };
    }
  }
}

export interface Decoded {
  readonly records: Http1Record[];
  readonly unparsable: string[];
  readonly decoder: Http1Decoder;
}

/** Feeds chunks to a fresh decoder, then closes their connections (or flushes, or neither). */
export function decode(chunks: readonly CapturedChunk[], end: 'close' | 'flush' | 'none' = 'close', opts: Partial<Http1DecoderOptions> = {}): Decoded {
  const records: Http1Record[] = [];
  const unparsable: string[] = [];
  const decoder = new Http1Decoder({
    maxBody: 64, redact: new Set(DEFAULT_REDACT),
    onRecord: (r) => records.push(r), onUnparsable: (k, why) => unparsable.push(`${k}: ${why}`), ...opts,
  });
  for (const c of chunks) decoder.push(c);
  if (end === 'close') for (const k of new Set(chunks.map((c) => c.connKey))) decoder.closeConnection(k, 0);
  if (end === 'flush') decoder.flush();
  return { records, unparsable, decoder };
}

/** A record without the fields a merge of calls changes. */
export function untimed(r: Http1Record): Http1Record {
  return { ...r, ts: 0, latencyNs: null };
}
