// JSON text written straight into a Buffer, for a plugin's hottest record
// (OwnJsonBytes). Building the line as a string and encoding it afterwards
// cost ~40% of gotrace's CPU for a gRPC call: a cons string per piece, a
// flattening pass, number-to-string conversions and the UTF-8 encoding,
// most of it garbage the next scavenge copies or frees. Here each piece is
// bytes: fixed keys are encoded once, repeating strings and frozen header
// maps once per distinct value, and numbers digit by digit.
//
// Every piece is exactly what JSON.stringify writes for the same value
// (json-bytes.test.ts holds them equal), so a record's line equals
// JSON.stringify(record).

/**
 * An event that writes its own JSON line into a JsonBytes, as a method on
 * its prototype (not an own property, so JSON.stringify and every other
 * reader of the event see its fields only).
 */
export interface OwnJsonBytes {
  writeJson(w: JsonBytes): void;
}

export function hasOwnJsonBytes(e: object): e is OwnJsonBytes {
  return typeof (e as Partial<OwnJsonBytes>).writeJson === 'function';
}

/** A fixed piece of JSON text (a key and its punctuation), encoded once. */
export const jsonRaw = (text: string): Buffer => Buffer.from(text, 'utf8');

const NULL = jsonRaw('null'), TRUE = jsonRaw('true'), FALSE = jsonRaw('false');
/** The most bytes an integer below 2^53 takes: a sign and 16 digits. */
const INTEGER_MAX_BYTES = 17;
const DIGIT_0 = 0x30, MINUS = 0x2d, DOT = 0x2e;

/**
 * The text of strings seen lately. Most strings of a busy record type repeat
 * (a method, an authority, an address, an exe); bounded by starting over
 * when full.
 */
const stringBytes = new Map<string, Buffer>();
const STRING_CACHE = 1024;
/** Frozen objects' text: one that cannot change is serialized once, however many records share it. */
const frozenBytes = new WeakMap<object, Buffer>();

/** Epoch ms epochMs writes digit by digit (2001-09 to 2109-05, below 2^42): see there. */
const EPOCH_MS_MIN = 1e12, EPOCH_MS_MAX = 2 ** 42;

/**
 * A cursor over a Buffer that JSON pieces are appended to. A piece that does
 * not fit before `end` sets `overflow` and writes nothing; the caller then
 * starts again in a larger space (the sink: a fresh buffer) or falls back
 * to JSON.stringify.
 */
export class JsonBytes {
  buf: Buffer;
  off: number;
  end: number;
  overflow = false;

  constructor(buf: Buffer, off = 0, end = buf.length) {
    this.buf = buf;
    this.off = off;
    this.end = end;
  }

  /** Writes from `off` up to `end` next, with no overflow. */
  reset(buf: Buffer, off: number, end: number): void {
    this.buf = buf;
    this.off = off;
    this.end = end;
    this.overflow = false;
  }

  /** Pre-encoded JSON text (jsonRaw). */
  raw(b: Uint8Array): void {
    const off = this.off;
    if (off + b.length > this.end) { this.overflow = true; return; }
    // A short piece is quicker copied here than through set()'s native call.
    if (b.length <= 16) for (let i = 0; i < b.length; i++) this.buf[off + i] = b[i]!;
    else this.buf.set(b, off);
    this.off = off + b.length;
  }

  /** A string or null. */
  string(s: string | null): void {
    if (s === null) { this.raw(NULL); return; }
    let b = stringBytes.get(s);
    if (b === undefined) {
      if (stringBytes.size >= STRING_CACHE) stringBytes.clear();
      stringBytes.set(s, (b = jsonRaw(JSON.stringify(s))));
    }
    this.raw(b);
  }

  bool(v: boolean | null): void {
    this.raw(v === null ? NULL : v ? TRUE : FALSE);
  }

  /**
   * An object of primitive values, as JSON.stringify writes it; kept for a
   * frozen one (freezing is shallow: only for objects whose values are
   * primitives), so a header block seen before costs a copy.
   */
  object(o: object): void {
    if (!Object.isFrozen(o)) { this.raw(jsonRaw(JSON.stringify(o))); return; }
    let b = frozenBytes.get(o);
    if (b === undefined) frozenBytes.set(o, (b = jsonRaw(JSON.stringify(o))));
    this.raw(b);
  }

  /** A number or null; as JSON.stringify, a non-finite number is null. */
  number(n: number | null): void {
    if (n === null) { this.raw(NULL); return; }
    if (!Number.isSafeInteger(n)) { this.raw(Number.isFinite(n) ? jsonRaw(String(n)) : NULL); return; }
    if (this.off + INTEGER_MAX_BYTES > this.end) { this.overflow = true; return; }
    if (n < 0) { this.buf[this.off++] = MINUS; n = -n; } // -0 is not below 0: "0", as JSON.stringify
    this.digits(n);
  }

  /**
   * A record's ts: epoch milliseconds with a microsecond fraction, as
   * JSON.stringify writes it. Below 2^42 ms a double's spacing is under
   * 0.5 µs, so one that is a whole µs over 1000 (clock.ts makes them so;
   * others take String) gives that µs back by rounding, and no decimal with
   * fewer digits than "ms.µµµ" (trailing zeros dropped) is the same double:
   * that is the shortest form, which is what JavaScript prints.
   */
  epochMs(ms: number | null): void {
    if (ms === null || !(ms >= EPOCH_MS_MIN && ms < EPOCH_MS_MAX)) { this.number(ms); return; }
    const us = Math.round(ms * 1000);
    if (us / 1000 !== ms) { this.raw(jsonRaw(String(ms))); return; }
    if (this.off + INTEGER_MAX_BYTES + 4 > this.end) { this.overflow = true; return; }
    const whole = Math.floor(us / 1000);
    let frac = us - whole * 1000;
    this.digits(whole);
    if (frac === 0) return;
    const buf = this.buf;
    let off = this.off;
    buf[off++] = DOT;
    buf[off++] = DIGIT_0 + Math.floor(frac / 100);
    frac %= 100;
    if (frac !== 0) {
      buf[off++] = DIGIT_0 + Math.floor(frac / 10);
      frac %= 10;
      if (frac !== 0) buf[off++] = DIGIT_0 + frac;
    }
    this.off = off;
  }

  /** A whole number below 2^53 in decimal; the caller has checked the room. */
  private digits(n: number): void {
    let count = 1;
    for (let p = 10; p <= n; p *= 10) count++; // powers of 10 up to 1e16 are exact
    const buf = this.buf;
    const end = this.off + count;
    let i = end;
    // Above 2^31 a digit costs a float division; below it, integer ones.
    while (n >= 0x80000000) {
      const q = Math.floor(n / 10);
      buf[--i] = DIGIT_0 + (n - q * 10);
      n = q;
    }
    let m = n | 0;
    do {
      const q = (m / 10) | 0;
      buf[--i] = DIGIT_0 + (m - q * 10);
      m = q;
    } while (m !== 0);
    this.off = end;
  }
}

/** A scratch writer for lines written as strings (jsonLineOf). */
let scratch = new JsonBytes(Buffer.allocUnsafe(1 << 16));

/** An OwnJsonBytes event's line as a string (the pretty sink, tests): what its writeJson writes. */
export function jsonLineOf(e: OwnJsonBytes): string {
  for (;;) {
    scratch.reset(scratch.buf, 0, scratch.buf.length);
    e.writeJson(scratch);
    if (!scratch.overflow) return scratch.buf.toString('utf8', 0, scratch.off);
    scratch = new JsonBytes(Buffer.allocUnsafe(scratch.buf.length * 2));
  }
}

/**
 * The bytes of a run of a record's fields whose values repeat record after
 * record (a call's method and authority, its shared header maps, its
 * addresses), for the last few combinations of values seen, compared by
 * identity: a hit is one copy instead of a piece per field. Only for values
 * that cannot change under the same identity (strings, numbers, frozen
 * objects). A writer sets `key`, then either copies `find()`'s bytes or
 * writes the run itself and hands its bytes to `remember()`.
 */
export class JsonRunCache {
  /** The key being looked up: set key[0..width) before find() and remember(). */
  readonly key: unknown[];
  private readonly keys: unknown[];
  private readonly runs: (Buffer | undefined)[];
  private next = 0;

  /** `width` values per key, `ways` combinations kept (the oldest is replaced). */
  constructor(private readonly width: number, private readonly ways = 4) {
    this.key = new Array<unknown>(width).fill(undefined);
    this.keys = new Array<unknown>(width * ways).fill(undefined);
    this.runs = new Array<Buffer | undefined>(ways).fill(undefined);
  }

  /** The run written for `key` before, or undefined. */
  find(): Buffer | undefined {
    const w = this.width, key = this.key, keys = this.keys;
    for (let way = 0; way < this.ways; way++) {
      const run = this.runs[way];
      if (run === undefined) continue;
      let j = 0;
      while (j < w && keys[way * w + j] === key[j]) j++;
      if (j === w) return run;
    }
    return undefined;
  }

  /** Keeps a copy of buf[start, end), the run just written for `key`. */
  remember(buf: Buffer, start: number, end: number): void {
    const way = this.next;
    this.next = (way + 1) % this.ways;
    for (let j = 0; j < this.width; j++) this.keys[way * this.width + j] = this.key[j];
    this.runs[way] = Buffer.from(buf.subarray(start, end));
  }
}
