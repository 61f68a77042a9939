// Test support: assembles DWARF bytes by hand (for constructs no available
// toolchain emits, like Go ≥1.25's DWARF 5) and wraps sections in a minimal
// ELF relocatable so llvm-dwarfdump can check them. Nothing here is used by
// the product.

/** A growable little-endian byte buffer with LEB128 and labels for back-patching. */
export class Bytes {
  private buf = Buffer.alloc(256);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(...vs: number[]): this {
    for (const v of vs) {
      this.room(1);
      this.buf[this.len++] = v & 0xff;
    }
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
    return this;
  }

  u24(v: number): this {
    return this.u8(v, v >> 8, v >> 16);
  }

  u32(v: number): this {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
    return this;
  }

  u64(v: number | bigint): this {
    this.room(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.len);
    this.len += 8;
    return this;
  }

  uleb(v: number): this {
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) b |= 0x80;
      this.u8(b);
    } while (v > 0);
    return this;
  }

  sleb(v: number): this {
    for (;;) {
      const b = v & 0x7f;
      v = Math.floor(v / 128);
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.u8(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.room(b.length + 1);
    b.copy(this.buf, this.len);
    this.len += b.length;
    return this.u8(0);
  }

  bytes(b: Buffer | number[]): this {
    for (const x of b) this.u8(x);
    return this;
  }

  patchU32(at: number, v: number): this {
    this.buf.writeUInt32LE(v >>> 0, at);
    return this;
  }

  patchU64(at: number, v: number): this {
    this.buf.writeBigUInt64LE(BigInt(v), at);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** A string table that hands out offsets, e.g. for .debug_str. */
export class StrTab {
  readonly bytes = new Bytes();
  private readonly at = new Map<string, number>();

  add(s: string): number {
    let o = this.at.get(s);
    if (o === undefined) {
      o = this.bytes.length;
      this.at.set(s, o);
      this.bytes.str(s);
    }
    return o;
  }
}

/**
 * An ELF64 x86-64 relocatable holding the given sections (PROGBITS, no
 * relocations) plus .shstrtab: enough for llvm-dwarfdump and ElfFile.
 */
export function elfWithSections(sections: Record<string, Buffer>): Buffer {
  const names = Object.keys(sections);
  const shstr = new StrTab();
  shstr.add('');
  const nameOffs = names.map((n) => shstr.add(n));
  const shstrName = shstr.add('.shstrtab');
  const out = new Bytes();
  out.bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).u64(0); // ident: ELF64, LE, v1
  out.u16(1).u16(62).u32(1).u64(0).u64(0); // ET_REL, EM_X86_64, version, entry, phoff
  const shoffAt = out.length;
  out.u64(0).u32(0).u16(64).u16(0).u16(0).u16(64).u16(names.length + 2).u16(names.length + 1);
  const offsets: number[] = [];
  for (const n of names) {
    offsets.push(out.length);
    out.bytes(sections[n]!);
  }
  const shstrOff = out.length;
  out.bytes(shstr.bytes.toBuffer());
  while (out.length % 8) out.u8(0);
  out.patchU64(shoffAt, out.length);
  const sh = (name: number, type: number, off: number, size: number): void => {
    out.u32(name).u32(type).u64(0).u64(0).u64(off).u64(size).u32(0).u32(0).u64(1).u64(0);
  };
  sh(0, 0, 0, 0);
  names.forEach((n, i) => sh(nameOffs[i]!, 1, offsets[i]!, sections[n]!.length));
  sh(shstrName, 3, shstrOff, shstr.bytes.length);
  return out.toBuffer();
}
