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

/** A number or null; as JSON.stringify, a non-finite number is null. */
export const jsonNumber = (n: number | null): string => (n !== null && Number.isFinite(n) ? String(n) : 'null');

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
