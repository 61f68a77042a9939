// A bounds-checked little-endian cursor over one DWARF section. Every read
// checks the window [pos, end) first, so corrupted lengths surface as an
// ERR_DWARF_MALFORMED error naming the section and offset, never as a
// RangeError or a read of a neighbouring section's bytes.
import { BinaryFormatError } from '../../errors';

const NEXT_STEP = 'the binary may be truncated or corrupted; rebuild it, or trace it without DWARF';

export function malformed(msg: string, file?: string): BinaryFormatError {
  return new BinaryFormatError('ERR_DWARF_MALFORMED', `DWARF: ${msg}; ${NEXT_STEP}`, { file });
}

export function unsupported(msg: string, file?: string): BinaryFormatError {
  return new BinaryFormatError(
    'ERR_DWARF_UNSUPPORTED',
    `DWARF: ${msg}; gotrace cannot read this construct: report it with the producer (\`go version -m BINARY\`), or trace without DWARF`,
    { file },
  );
}

const TWO_32 = 0x1_0000_0000;
/** Above this high word a uint64 no longer fits a JS number exactly. */
const MAX_SAFE_HI = 0x1f_ffff;

export class DwarfReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
    /** For messages: `.debug_info` etc. */
    readonly section: string,
    readonly file?: string,
  ) {
    if (start < 0 || end > buf.length || start > end) {
      throw malformed(`${section} window [0x${start.toString(16)}, 0x${end.toString(16)}) is outside its ${buf.length} bytes`, file);
    }
    this.pos = start;
  }

  /** A reader over [start, end) of the same buffer, checked against this one's bounds. */
  sub(start: number, end: number): DwarfReader {
    if (start < 0 || end > this.end || start > end) {
      throw malformed(`${this.section} range [0x${start.toString(16)}, 0x${end.toString(16)}) runs past 0x${this.end.toString(16)}`, this.file);
    }
    return new DwarfReader(this.buf, start, end, this.section, this.file);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw malformed(`${this.section} is truncated: ${n} bytes wanted at 0x${this.pos.toString(16)}, window ends at 0x${this.end.toString(16)}`, this.file);
    }
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  seek(pos: number): void {
    if (pos < 0 || pos > this.end) throw malformed(`${this.section} offset 0x${pos.toString(16)} is past 0x${this.end.toString(16)}`, this.file);
    this.pos = pos;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  i8(): number {
    const v = this.u8();
    return v >= 0x80 ? v - 0x100 : v;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const b = this.buf, p = this.pos;
    this.pos += 3;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A uint64 that must fit a JS number (offsets, sizes, addresses). */
  u64(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.pos), hi = this.buf.readUInt32LE(this.pos + 4);
    if (hi > MAX_SAFE_HI) throw malformed(`${this.section} value 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} at 0x${this.pos.toString(16)} is too large`, this.file);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  /** An unsigned value of 1, 2, 4 or 8 bytes (DWARF offsets and addresses). */
  uint(size: number): number {
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
      default: throw malformed(`${this.section} uses a ${size}-byte field size`, this.file);
    }
  }

  /**
   * An address of `size` bytes, or -1 when every bit is set: DWARF ≤4 range
   * and location lists use all-ones as the "base address selection" marker.
   */
  address(size: number): number {
    if (size === 8) {
      this.need(8);
      if (this.buf.readUInt32LE(this.pos) === 0xffff_ffff && this.buf.readUInt32LE(this.pos + 4) === 0xffff_ffff) {
        this.pos += 8;
        return -1;
      }
      return this.u64();
    }
    if (size === 4) {
      const v = this.u32();
      return v === 0xffff_ffff ? -1 : v;
    }
    return this.uint(size);
  }

  uleb(): number {
    let result = 0, mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
    }
    if (!Number.isSafeInteger(result)) throw malformed(`${this.section} LEB128 value before 0x${this.pos.toString(16)} is too large`, this.file);
    return result;
  }

  sleb(): number {
    let result = 0, mul = 1, b = 0;
    do {
      b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    if (b & 0x40) result -= mul; // sign-extend from the last byte's bit 6
    if (!Number.isSafeInteger(result)) throw malformed(`${this.section} LEB128 value before 0x${this.pos.toString(16)} is too large`, this.file);
    return result;
  }

  /** Skips a LEB128 without computing it (any length is fine when skipping). */
  skipLeb(): void {
    const b = this.buf, end = this.end;
    let p = this.pos;
    while (p < end && (b[p]! & 0x80) !== 0) p++;
    if (p >= end) throw malformed(`${this.section} LEB128 at 0x${this.pos.toString(16)} runs past 0x${end.toString(16)}`, this.file);
    this.pos = p + 1;
  }

  /** Position just after the NUL ending the string at `pos`. */
  private cstrEnd(): number {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) throw malformed(`${this.section} string at 0x${this.pos.toString(16)} has no terminating NUL`, this.file);
    return nul;
  }

  cstring(): string {
    const nul = this.cstrEnd();
    const s = this.buf.toString('utf8', this.pos, nul);
    this.pos = nul + 1;
    return s;
  }

  skipCstring(): void {
    this.pos = this.cstrEnd() + 1;
  }

  /**
   * The initial length of a unit or table (section 7.4): 0xffffffff then a
   * uint64 for 64-bit DWARF. Returns the length and the offset size it implies.
   */
  initialLength(): { length: number; offsetSize: 4 | 8 } {
    const v = this.u32();
    if (v === 0xffff_ffff) return { length: this.u64(), offsetSize: 8 };
    if (v >= 0xffff_fff0) throw malformed(`${this.section} has reserved initial length 0x${v.toString(16)} at 0x${(this.pos - 4).toString(16)}`, this.file);
    return { length: v, offsetSize: 4 };
  }
}

/** The NUL-terminated string at `off` in a string section (.debug_str, .debug_line_str). */
export function stringAt(buf: Buffer | undefined, off: number, section: string, file?: string): string {
  if (!buf) throw malformed(`a string refers to ${section}, which is missing`, file);
  if (off < 0 || off >= buf.length) throw malformed(`${section} offset 0x${off.toString(16)} is past its ${buf.length} bytes`, file);
  return new DwarfReader(buf, off, buf.length, section, file).cstring();
}
