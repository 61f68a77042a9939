// Header fields that BPF packed into one record (bpf/include/go_hdr_block.h)
// instead of sending one event per field.
import { NO_RODATA, type Rodata } from './rodata';
import { u32 } from './event-words';

/** Mirrors GO_HDR_NAME and GO_HDR_VALUE: bytes of a name and a value BPF keeps. */
export const HDR_NAME = 64;
export const HDR_VALUE = 256;
/** Bytes of struct go_hdr_block before its data. */
export const HDR_BLOCK_HEAD = 8;
/** GO_HDR_REF: in a length word, the entry holds a __u32 offset into .rodata instead of the bytes. */
export const HDR_REF = 0x80000000;
const LEN_MASK = 0x7fffffff;

/**
 * Where an entry's name or value bytes are: in the record (`b`, `start`) or,
 * for a reference, in `ro.bytes`. `len` is the real length, `kept` the bytes
 * BPF would have copied (at most `max`), `taken` what it takes in the entry.
 */
export interface EntryString {
  buf: Buffer;
  start: number;
  end: number;
  len: number;
  taken: number;
}

/**
 * Fills `out` with the string whose length word is `word` and whose entry
 * bytes begin at `p`; false when a reference falls outside `ro` (a record
 * from a process whose .rodata is not known: never sent by BPF).
 */
function entryString(b: Buffer, p: number, word: number, max: number, ro: Rodata, out: EntryString): boolean {
  const len = word & LEN_MASK;
  const kept = len < max ? len : max;
  if (word >= HDR_REF) {
    // Little-endian, by hand: past b's end this is 0 (or junk) rather than a throw; the caller checks the bound.
    const off = ((b[p] ?? 0) | ((b[p + 1] ?? 0) << 8) | ((b[p + 2] ?? 0) << 16) | ((b[p + 3] ?? 0) << 24)) >>> 0;
    if (off + kept > ro.bytes.length) return false;
    out.buf = ro.bytes;
    out.start = off;
    out.end = off + kept;
    out.len = len;
    out.taken = 4;
    return true;
  }
  out.buf = b;
  out.start = p;
  out.end = p + kept;
  out.len = len;
  out.taken = kept;
  return true;
}

export interface BlockField {
  readonly name: string;
  readonly value: string;
  /** The real lengths: name and value hold at most HDR_NAME and HDR_VALUE bytes. */
  readonly nameLen: number;
  readonly valueLen: number;
}

export interface HeaderBlock {
  /** Fields the block had; more than fields.length when BPF ran out of room. */
  readonly count: number;
  readonly fields: readonly BlockField[];
}

/**
 * The entry at `p` of a block whose used bytes end at `end`: its name into
 * `n`, its value into `v`, and the offset of the next entry; -1 when the
 * entry does not fit before `end` or a reference falls outside `ro`.
 */
export function readEntry(b: Buffer, p: number, end: number, ro: Rodata, n: EntryString, v: EntryString): number {
  if (p + 8 > end) return -1;
  // A reference past the record's end reads as 0 and fails the checks after.
  if (!entryString(b, p + 8, u32(b, p), HDR_NAME, ro, n) || p + 8 + n.taken > end) return -1;
  const vp = p + 8 + n.taken;
  if (!entryString(b, vp, u32(b, p + 4), HDR_VALUE, ro, v) || vp + v.taken > end) return -1;
  return p + ((8 + n.taken + v.taken + 3) & ~3);
}

/**
 * The struct go_hdr_block at `at` in b; fields end at b's end if the record
 * was cut short. `ro`: the .rodata of the binary the record came from, for
 * strings BPF sent as references.
 */
export function readHeaderBlock(b: Buffer, at: number, ro: Rodata = NO_RODATA): HeaderBlock {
  if (b.length < at + HDR_BLOCK_HEAD) return { count: 0, fields: [] };
  const count = b.readUInt16LE(at);
  const kept = b.readUInt16LE(at + 2);
  const end = Math.min(b.length, at + HDR_BLOCK_HEAD + b.readUInt16LE(at + 4));
  const fields: BlockField[] = [];
  const n: EntryString = { buf: b, start: 0, end: 0, len: 0, taken: 0 };
  const v: EntryString = { buf: b, start: 0, end: 0, len: 0, taken: 0 };
  let p = at + HDR_BLOCK_HEAD;
  for (let i = 0; i < kept; i++) {
    const next = readEntry(b, p, end, ro, n, v);
    if (next < 0) break;
    fields.push({
      name: n.buf.toString('latin1', n.start, n.end),
      value: v.buf.toString('utf8', v.start, v.end),
      nameLen: n.len,
      valueLen: v.len,
    });
    p = next;
  }
  return { count: Math.max(count, fields.length), fields };
}
