// For tests: a struct go_hdr_block laid out as bpf/include/go_hdr_block.h
// documents it, written byte by byte rather than with the reader under test.

/** A string BPF sent as a reference: `len` bytes at offset `at` of the binary's .rodata. */
export interface RodataString {
  readonly at: number;
  readonly len: number;
}

/**
 * A block of these (name, value) fields, names latin1 and values UTF-8, or
 * references into .rodata; a field's third and fourth items are the real
 * lengths BPF saw when it cut the bytes short.
 */
export function packBlock(fields: readonly (readonly [string | RodataString, string | RodataString, number?, number?])[], count = fields.length): Buffer {
  const part = (x: string | RodataString, enc: 'latin1' | 'utf8'): { bytes: Buffer; word: number } => {
    if (typeof x === 'string') return { bytes: Buffer.from(x, enc), word: Buffer.byteLength(x, enc) };
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(x.at, 0);
    return { bytes, word: (0x80000000 | x.len) >>> 0 };
  };
  const entries = fields.map(([name, value, nameLen, valueLen]) => {
    const n = part(name, 'latin1'), v = part(value, 'utf8');
    const e = Buffer.alloc((8 + n.bytes.length + v.bytes.length + 3) & ~3);
    e.writeUInt32LE(nameLen ?? n.word, 0);
    e.writeUInt32LE(valueLen ?? v.word, 4);
    n.bytes.copy(e, 8);
    v.bytes.copy(e, 8 + n.bytes.length);
    return e;
  });
  const data = Buffer.concat(entries), head = Buffer.alloc(8);
  head.writeUInt16LE(count, 0);
  head.writeUInt16LE(fields.length, 2);
  head.writeUInt16LE(data.length, 4);
  return Buffer.concat([head, data]);
}
