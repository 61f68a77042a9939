// Pieces of JSON text for the records a plugin serializes itself
// (EventSink's jsonLine): each gives exactly what JSON.stringify gives the
// same value, so a hand-written line equals JSON.stringify(record).

/**
 * An event that writes its own JSON line, as a method on its prototype (not
 * an own property, so JSON.stringify and every other reader of the event
 * see its fields only). For a plugin's hottest record: JSON.stringify takes
 * about a quarter of gotrace's CPU under load, most of it on header maps
 * that repeat from record to record (frozenJson).
 */
export interface OwnJsonLine {
  jsonLine(): string;
}

export function hasOwnJsonLine(e: object): e is OwnJsonLine {
  return typeof (e as Partial<OwnJsonLine>).jsonLine === 'function';
}

/**
 * The texts of strings seen lately. Most strings of a busy record type
 * repeat (a method, an authority, an address, an exe), and a lookup costs a
 * tenth of JSON.stringify(s); bounded by starting over when full.
 */
const stringText = new Map<string, string>();
const STRING_TEXTS = 1024;

/** A string or null. */
export function jsonString(s: string | null): string {
  if (s === null) return 'null';
  let t = stringText.get(s);
  if (t === undefined) {
    if (stringText.size >= STRING_TEXTS) stringText.clear();
    stringText.set(s, (t = JSON.stringify(s)));
  }
  return t;
}

/**
 * A number or null; as JSON.stringify, a non-finite number is null.
 * V8 writes a small integer (below 2^31) from a cache, but an integer above
 * it (a TCP sequence number, a byte count) takes ~250 ns and a fraction
 * ~300 ns here; written as two small integers, the first costs ~100 ns.
 */
export function jsonNumber(n: number | null): string {
  if (n === null) return 'null';
  if ((n | 0) === n) return String(n);
  if (Number.isInteger(n) && n > 0 && n < BIG_INTEGERS) {
    const hi = Math.floor(n / 1e6), lo = n - hi * 1e6;
    return String(hi) + String(lo + 1e6).slice(1);
  }
  return Number.isFinite(n) ? String(n) : 'null';
}

/** Integers jsonNumber writes in two parts: both below 2^31. */
const BIG_INTEGERS = 2 ** 31 * 1e6;
/** Epoch ms jsonEpochMs writes itself (2001-09 to 2109-05, below 2^42): see there. */
const EPOCH_MS_MIN = 1e12, EPOCH_MS_MAX = 2 ** 42;

/**
 * A record's ts: epoch milliseconds with a microsecond fraction, as
 * JSON.stringify writes it, ~3x faster. Below 2^42 ms a double's spacing is
 * under 0.5 µs, so one that is a whole µs over 1000 (clock.ts makes them so;
 * others take String) gives that µs back by rounding, and no decimal with
 * fewer digits than "ms.µµµ" (trailing zeros dropped) is the same double:
 * that is the shortest form, which is what JavaScript prints.
 */
export function jsonEpochMs(ms: number | null): string {
  if (ms === null || !(ms >= EPOCH_MS_MIN && ms < EPOCH_MS_MAX)) return jsonNumber(ms);
  const us = Math.round(ms * 1000);
  if (us / 1000 !== ms) return String(ms);
  const whole = Math.floor(us / 1000), frac = us - whole * 1000;
  if (frac === 0) return String(whole);
  const digits = String(frac + 1000); // "1" and three digits
  const end = digits.charCodeAt(3) !== ZERO ? 4 : digits.charCodeAt(2) !== ZERO ? 3 : 2;
  return `${whole}.${digits.slice(1, end)}`;
}

const ZERO = 0x30;

const frozenText = new WeakMap<object, string>();

/**
 * JSON.stringify(o), kept for frozen objects: one that cannot change is
 * serialized once however many records share it (a header block seen
 * before is one frozen map, plugins/grpc/block-headers.ts). Only for
 * objects whose values are primitives: freezing is shallow.
 */
export function frozenJson(o: object): string {
  if (!Object.isFrozen(o)) return JSON.stringify(o);
  let t = frozenText.get(o);
  if (t === undefined) frozenText.set(o, (t = JSON.stringify(o)));
  return t;
}
