// A captured Go value → JSON. Strings are shown up to what BPF copied, and
// marked when longer; slices by their length; pointers as hex, nil as null.
import type { RawValue } from './layout';
import { FT_STR_MAX } from './layout';
import type { TracedValue } from './values';

export type JsonValue = number | string | boolean | null | { len: number } | { unavailable: string };

function signExtend(word: bigint, size: number): bigint {
  return BigInt.asIntN(size * 8, word);
}

/** Integers that fit a double exactly are numbers; larger ones are decimal strings. */
function num(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

export function formatValue(t: TracedValue, raw: RawValue): JsonValue {
  switch (t.kind) {
    case 'none': return { unavailable: t.unavailable ?? 'not captured' };
    case 'int': return num(signExtend(raw.word, t.size));
    case 'uint': return num(BigInt.asUintN(t.size * 8, raw.word));
    case 'bool': return (raw.word & 0xffn) !== 0n;
    case 'float': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(raw.word);
      return t.size === 4 ? b.readFloatLE(0) : b.readDoubleLE(0);
    }
    case 'pointer': return raw.word === 0n ? null : '0x' + raw.word.toString(16);
    case 'slice': return { len: Number(raw.len) };
    case 'string': {
      const n = Number(raw.len > BigInt(FT_STR_MAX) ? BigInt(FT_STR_MAX) : raw.len);
      const s = raw.str.subarray(0, n).toString('utf8');
      return raw.len > BigInt(FT_STR_MAX) ? `${s}…(${raw.len} bytes)` : s;
    }
  }
}
