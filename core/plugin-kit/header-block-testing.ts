// For tests: a struct go_hdr_block laid out as bpf/include/go_hdr_block.h
// documents it, written byte by byte rather than with the reader under test.

/**
 * A block of these (name, value) fields, names latin1 and values UTF-8; a
 * field's third and fourth items are the real lengths BPF saw when it cut
 * the bytes short.
 */
export function packBlock(fields: readonly (readonly [string, string, number?, number?])[], count = fields.length): Buffer {
  const entries = fields.map(([name, value, nameLen, valueLen]) => {
    const n = Buffer.from(name, 'latin1'), v = Buffer.from(value, 'utf8');
    const e = Buffer.alloc((8 + n.length + v.length + 3) & ~3);
    e.writeUInt32LE(nameLen ?? n.length, 0);
    e.writeUInt32LE(valueLen ?? v.length, 4);
    n.copy(e, 8);
    v.copy(e, 8 + n.length);
    return e;
  });
  const data = Buffer.concat(entries), head = Buffer.alloc(8);
  head.writeUInt16LE(count, 0);
  head.writeUInt16LE(fields.length, 2);
  head.writeUInt16LE(data.length, 4);
  return Buffer.concat([head, data]);
}
