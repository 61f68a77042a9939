// Header fields that BPF packed into one record (bpf/include/go_hdr_block.h)
// instead of sending one event per field.

/** Mirrors GO_HDR_NAME and GO_HDR_VALUE: bytes of a name and a value BPF keeps. */
export const HDR_NAME = 64;
export const HDR_VALUE = 256;
/** Bytes of struct go_hdr_block before its data. */
export const HDR_BLOCK_HEAD = 8;

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

/** The struct go_hdr_block at `at` in b; fields end at b's end if the record was cut short. */
export function readHeaderBlock(b: Buffer, at: number): HeaderBlock {
  if (b.length < at + HDR_BLOCK_HEAD) return { count: 0, fields: [] };
  const count = b.readUInt16LE(at);
  const kept = b.readUInt16LE(at + 2);
  const end = Math.min(b.length, at + HDR_BLOCK_HEAD + b.readUInt16LE(at + 4));
  const fields: BlockField[] = [];
  let p = at + HDR_BLOCK_HEAD;
  for (let i = 0; i < kept && p + 8 <= end; i++) {
    const nameLen = b.readUInt32LE(p);
    const valueLen = b.readUInt32LE(p + 4);
    const nk = Math.min(nameLen, HDR_NAME);
    const vk = Math.min(valueLen, HDR_VALUE);
    if (p + 8 + nk + vk > end) break;
    fields.push({
      name: b.toString('latin1', p + 8, p + 8 + nk),
      value: b.toString('utf8', p + 8 + nk, p + 8 + nk + vk),
      nameLen,
      valueLen,
    });
    p += (8 + nk + vk + 3) & ~3;
  }
  return { count: Math.max(count, fields.length), fields };
}
