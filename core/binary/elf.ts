// ELF64 little-endian reader over one Buffer. Pure: the same bytes give the
// same answer on every machine. Layouts follow the System V gABI
// (https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html).
import { inflateSync } from 'node:zlib';
import { BinaryFormatError, asBinaryError } from '../errors';

export const SHT_SYMTAB = 2;
export const SHT_NOBITS = 8;
export const SHF_COMPRESSED = 0x800;
export const PT_LOAD = 1;
const ELFCOMPRESS_ZLIB = 1;
const EM_X86_64 = 62;

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
}

export interface ElfSegment {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_* from st_info's low nibble: 2 is a function, 1 an object. */
  readonly type: number;
  readonly shndx: number;
}

/** A uint64 as a JS number; Go addresses and sizes stay far below 2^53. */
function u64(buf: Buffer, off: number): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`64-bit value 0x${v.toString(16)} at ${off} is too large`);
  return Number(v);
}

function cstring(buf: Buffer, off: number, limit = buf.length): string {
  if (off >= limit) throw new RangeError(`string offset ${off} is past its table`);
  let end = off;
  while (end < limit && buf[end] !== 0) end++;
  return buf.toString('latin1', off, end);
}

export class ElfFile {
  readonly buf: Buffer;
  readonly path: string;
  /** ET_EXEC is 2, ET_DYN (PIE) is 3. */
  readonly elfType: number;
  readonly entry: number;
  readonly sections: readonly ElfSection[];
  readonly segments: readonly ElfSegment[];
  private readonly byName = new Map<string, ElfSection>();
  private symbolCache: ElfSymbol[] | undefined;
  private readonly dataCache = new Map<string, Buffer>();

  private constructor(buf: Buffer, path: string) {
    this.buf = buf;
    this.path = path;
    if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) {
      throw new BinaryFormatError('ERR_NOT_ELF', 'not an ELF file (bad magic); give a Go executable', { file: path });
    }
    const cls = buf[4], data = buf[5];
    if (cls !== 2) throw new BinaryFormatError('ERR_ELF_UNSUPPORTED', `ELF class ${cls === 1 ? '32-bit' : cls} is not supported; gotrace reads 64-bit x86-64 executables`, { file: path });
    if (data !== 1) throw new BinaryFormatError('ERR_ELF_UNSUPPORTED', 'big-endian ELF is not supported; gotrace reads little-endian x86-64 executables', { file: path });
    try {
      this.elfType = buf.readUInt16LE(16);
      const machine = buf.readUInt16LE(18);
      if (machine !== EM_X86_64) throw new BinaryFormatError('ERR_ELF_UNSUPPORTED', `ELF machine ${machine} is not x86-64 (62); only amd64 binaries are supported`, { file: path });
      this.entry = u64(buf, 24);
      this.segments = this.readSegments();
      this.sections = this.readSections();
    } catch (e) {
      throw asBinaryError(e, 'ERR_ELF_MALFORMED', 'corrupted ELF header or tables', path);
    }
    for (const s of this.sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
  }

  static parse(buf: Buffer, path = '<buffer>'): ElfFile {
    return new ElfFile(buf, path);
  }

  get isPie(): boolean {
    return this.elfType === 3;
  }

  private malformed(msg: string): BinaryFormatError {
    return new BinaryFormatError('ERR_ELF_MALFORMED', `${msg}; the file may be truncated or corrupted`, { file: this.path });
  }

  private table(off: number, entsize: number, count: number, minEnt: number, what: string): void {
    if (count === 0) return;
    if (entsize < minEnt) throw this.malformed(`${what} entry size ${entsize} is below ${minEnt}`);
    if (off + entsize * count > this.buf.length) throw this.malformed(`${what} (${count} entries at ${off}) runs past the end of the file`);
  }

  private readSegments(): ElfSegment[] {
    const b = this.buf;
    const phoff = u64(b, 32), phentsize = b.readUInt16LE(54), phnum = b.readUInt16LE(56);
    this.table(phoff, phentsize, phnum, 56, 'program header table');
    const out: ElfSegment[] = [];
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      out.push({
        type: b.readUInt32LE(o), flags: b.readUInt32LE(o + 4), offset: u64(b, o + 8),
        vaddr: u64(b, o + 16), filesz: u64(b, o + 32), memsz: u64(b, o + 40),
      });
    }
    return out;
  }

  private readSections(): ElfSection[] {
    const b = this.buf;
    const shoff = u64(b, 40), shentsize = b.readUInt16LE(58), shnum = b.readUInt16LE(60), shstrndx = b.readUInt16LE(62);
    this.table(shoff, shentsize, shnum, 64, 'section header table');
    const raw = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      raw.push({
        nameOff: b.readUInt32LE(o), type: b.readUInt32LE(o + 4), flags: u64(b, o + 8), addr: u64(b, o + 16),
        offset: u64(b, o + 24), size: u64(b, o + 32), link: b.readUInt32LE(o + 40), info: b.readUInt32LE(o + 44),
        entsize: u64(b, o + 56),
      });
    }
    if (shnum > 0 && shstrndx >= shnum) throw this.malformed(`section name table index ${shstrndx} is past ${shnum} sections`);
    const strtab = raw[shstrndx];
    return raw.map((r, index) => {
      if (r.type !== SHT_NOBITS && r.type !== 0 && r.offset + r.size > b.length) {
        throw this.malformed(`section ${index} (${r.size} bytes at ${r.offset}) runs past the end of the file`);
      }
      const name = strtab && strtab.offset + strtab.size <= b.length
        ? cstring(b, strtab.offset + r.nameOff, strtab.offset + strtab.size) : '';
      return { index, name, type: r.type, flags: r.flags, addr: r.addr, offset: r.offset, size: r.size, link: r.link, info: r.info, entsize: r.entsize };
    });
  }

  section(name: string): ElfSection | undefined {
    return this.byName.get(name);
  }

  /** The section's bytes as stored in the file, without copying. */
  rawData(s: ElfSection): Buffer {
    if (s.type === SHT_NOBITS) return Buffer.alloc(0);
    return this.buf.subarray(s.offset, s.offset + s.size);
  }

  /**
   * The bytes of a named section, decompressed when it is SHF_COMPRESSED or an
   * old-style `.zdebug_*` twin (Go ≤1.15 and some toolchains wrote those).
   * Asking for `.debug_info` finds `.zdebug_info` too.
   */
  sectionData(name: string): Buffer | undefined {
    const hit = this.dataCache.get(name);
    if (hit) return hit;
    let s = this.section(name);
    let zdebug = false;
    if (!s && name.startsWith('.debug_')) {
      s = this.section('.z' + name.slice(1));
      zdebug = s !== undefined;
    }
    if (!s) return undefined;
    const raw = this.rawData(s);
    let data: Buffer;
    try {
      if (s.flags & SHF_COMPRESSED) {
        // Elf64_Chdr: ch_type u32, ch_reserved u32, ch_size u64, ch_addralign u64.
        const type = raw.readUInt32LE(0);
        if (type !== ELFCOMPRESS_ZLIB) throw this.malformed(`section ${s.name} uses compression type ${type}; only zlib is supported`);
        data = this.inflate(raw.subarray(24), u64(raw, 8), s.name);
      } else if (zdebug && raw.length >= 12 && raw.toString('latin1', 0, 4) === 'ZLIB') {
        // .zdebug_*: "ZLIB" then the uncompressed size as a big-endian uint64.
        data = this.inflate(raw.subarray(12), Number(raw.readBigUInt64BE(4)), s.name);
      } else {
        data = raw;
      }
    } catch (e) {
      throw asBinaryError(e, 'ERR_ELF_MALFORMED', `section ${s.name} could not be decompressed`, this.path);
    }
    this.dataCache.set(name, data);
    return data;
  }

  private inflate(src: Buffer, size: number, name: string): Buffer {
    // maxOutputLength bounds memory on a forged size; a mismatch means corruption.
    if (size > 1 << 30) throw this.malformed(`section ${name} claims ${size} decompressed bytes`);
    const out = inflateSync(src, { maxOutputLength: Math.max(size, 1) });
    if (out.length !== size) throw this.malformed(`section ${name} decompressed to ${out.length} bytes, header says ${size}`);
    return out;
  }

  get hasSymtab(): boolean {
    return this.sections.some((s) => s.type === SHT_SYMTAB && s.size > 0);
  }

  /** `.symtab` entries, parsed once on first use. Empty when stripped. */
  symbols(): readonly ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache;
    const out: ElfSymbol[] = [];
    const st = this.sections.find((s) => s.type === SHT_SYMTAB);
    if (st && st.size > 0) {
      const strs = this.sections[st.link];
      if (!strs) throw this.malformed(`.symtab links to missing string table ${st.link}`);
      const b = this.buf, strEnd = strs.offset + strs.size;
      const ent = st.entsize || 24;
      if (ent < 24) throw this.malformed(`.symtab entry size ${ent} is below 24`);
      try {
        for (let o = st.offset; o + ent <= st.offset + st.size; o += ent) {
          const nameOff = b.readUInt32LE(o);
          out.push({
            name: nameOff ? cstring(b, strs.offset + nameOff, strEnd) : '',
            type: b[o + 4]! & 0xf, shndx: b.readUInt16LE(o + 6), value: u64(b, o + 8), size: u64(b, o + 16),
          });
        }
      } catch (e) {
        throw asBinaryError(e, 'ERR_ELF_MALFORMED', 'corrupted .symtab', this.path);
      }
    }
    this.symbolCache = out;
    return out;
  }

  /** The PT_LOAD segment whose file-backed bytes hold `vaddr`. */
  loadSegmentFor(vaddr: number): ElfSegment | undefined {
    return this.segments.find((p) => p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz);
  }

  /**
   * Virtual address → file offset, the number a uprobe is attached at.
   * offset = p_offset + (vaddr − p_vaddr) for the PT_LOAD segment containing
   * it; for `.text` this reduces to the familiar sh_offset + (addr − sh_addr).
   * It holds for ET_EXEC and for PIE (ET_DYN), whose vaddrs are link-time.
   */
  vaddrToFileOffset(vaddr: number): number {
    const p = this.loadSegmentFor(vaddr);
    if (!p) {
      throw new BinaryFormatError('ERR_ADDRESS_NOT_MAPPED', `address 0x${vaddr.toString(16)} is in no PT_LOAD segment; the symbol table or pclntab may be corrupted`, { file: this.path });
    }
    return p.offset + (vaddr - p.vaddr);
  }

  /** `len` bytes at a virtual address, from the file (no copy), or undefined when unmapped. */
  readVirtual(vaddr: number, len: number): Buffer | undefined {
    const p = this.loadSegmentFor(vaddr);
    if (!p || vaddr + len > p.vaddr + p.filesz) return undefined;
    const off = p.offset + (vaddr - p.vaddr);
    if (off + len > this.buf.length) return undefined;
    return this.buf.subarray(off, off + len);
  }

  /** The section containing a virtual address, if any. */
  sectionAt(vaddr: number): ElfSection | undefined {
    return this.sections.find((s) => s.addr !== 0 && vaddr >= s.addr && vaddr < s.addr + s.size);
  }
}
