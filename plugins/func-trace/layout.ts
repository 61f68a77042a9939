// Byte layouts shared with func_trace.h. Sizes are asserted against the BPF
// object's BTF in layout.test.ts, so a change on one side fails a test.
import { encodeLocation, LOCATION_SIZE } from '../../core/bpf/go-location';
import { FT_KIND, type TracedValue } from './values';

export const FT_MAX_VALUES = 8;
export const FT_MAX_PIECES = 3;
export const FT_STR_MAX = 48;
export const VALUE_CFG_SIZE = 8 + FT_MAX_PIECES * LOCATION_SIZE; // 32
export const FUNC_CFG_SIZE = 8 + 2 * FT_MAX_VALUES * VALUE_CFG_SIZE; // 520
export const PROC_CFG_SIZE = 8;
export const VALUE_DATA_SIZE = 16 + FT_STR_MAX; // 64
export const EVENT_SIZE = 40 + 2 * FT_MAX_VALUES * VALUE_DATA_SIZE; // 1064

export function funcKey(pid: number, funcId: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(pid, 0);
  b.writeUInt32LE(funcId, 4);
  return b;
}

export function pidKey(pid: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(pid, 0);
  return b;
}

function writeValue(buf: Buffer, at: number, v: TracedValue): void {
  buf.writeUInt8(FT_KIND[v.kind], at);
  buf.writeUInt8(v.pieces.length, at + 1);
  v.pieces.slice(0, FT_MAX_PIECES).forEach((p, i) => encodeLocation(p).copy(buf, at + 8 + i * LOCATION_SIZE));
}

export function encodeFuncConfig(params: readonly TracedValue[], results: readonly TracedValue[]): Buffer {
  const b = Buffer.alloc(FUNC_CFG_SIZE);
  const p = params.slice(0, FT_MAX_VALUES), r = results.slice(0, FT_MAX_VALUES);
  b.writeUInt32LE(p.length, 0);
  b.writeUInt32LE(r.length, 4);
  p.forEach((v, i) => writeValue(b, 8 + i * VALUE_CFG_SIZE, v));
  r.forEach((v, i) => writeValue(b, 8 + (FT_MAX_VALUES + i) * VALUE_CFG_SIZE, v));
  return b;
}

export function encodeProcConfig(goidOffset: number, regabi: boolean): Buffer {
  const b = Buffer.alloc(PROC_CFG_SIZE);
  b.writeUInt32LE(goidOffset, 0);
  b.writeUInt8(regabi ? 1 : 0, 4);
  return b;
}

export interface RawValue { readonly word: bigint; readonly len: bigint; readonly str: Buffer }
export interface RawCall {
  readonly pid: number; readonly tid: number; readonly goid: bigint; readonly funcId: number;
  readonly tsEntry: bigint; readonly tsReturn: bigint;
  readonly params: RawValue[]; readonly results: RawValue[];
}

function readValue(b: Buffer, at: number): RawValue {
  return { word: b.readBigUInt64LE(at), len: b.readBigUInt64LE(at + 8), str: b.subarray(at + 16, at + 16 + FT_STR_MAX) };
}

/** Reads the values a function has, not all FT_MAX_VALUES slots: decoding is on the hot path. */
export function decodeEvent(b: Buffer, valueCounts: (funcId: number) => { params: number; results: number } | undefined): RawCall | undefined {
  if (b.length < EVENT_SIZE) return undefined;
  const funcId = b.readUInt32LE(16);
  const n = valueCounts(funcId);
  if (!n) return undefined;
  const vals = (base: number, count: number): RawValue[] => {
    const out: RawValue[] = [];
    for (let i = 0; i < Math.min(count, FT_MAX_VALUES); i++) out.push(readValue(b, base + i * VALUE_DATA_SIZE));
    return out;
  };
  return {
    pid: b.readUInt32LE(0), tid: b.readUInt32LE(4), goid: b.readBigInt64LE(8), funcId,
    tsEntry: b.readBigUInt64LE(24), tsReturn: b.readBigUInt64LE(32),
    params: vals(40, n.params), results: vals(40 + FT_MAX_VALUES * VALUE_DATA_SIZE, n.results),
  };
}
