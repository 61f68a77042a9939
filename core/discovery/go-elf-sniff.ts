// Is this executable a Go program? Decided from the ELF header, the section
// header table and the section name string table only (a few KiB at most),
// because discovery asks for every process on the machine and for every
// exec: reading whole binaries (tens of MiB each) there would be far too slow.
// The full parse (core/binary) happens later, once, for the Go ones.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** Sections only the Go linker writes. PIE builds prefix .data.rel.ro. */
export const GO_SECTION_NAMES: readonly string[] = ['.gopclntab', '.data.rel.ro.gopclntab', '.go.buildinfo'];

const EM_X86_64 = 62;
const PT_NOTE = 4;
const SHDR_SIZE = 64;
const PHDR_SIZE = 56;
// Bounds on what a header may make us read: Go binaries have ~40 sections
// and a ~400-byte name table, so anything far beyond is not worth reading.
const MAX_SECTIONS = 4096;
const MAX_SHSTRTAB = 64 << 10;
const MAX_SEGMENTS = 256;
const MAX_NOTE = 4096;
// The Go build id note: owner "Go", type 4 (ELF_NOTE_GOBUILDID_TAG), written by
// https://github.com/golang/go/blob/go1.19/src/cmd/link/internal/ld/elf.go
const GO_NOTE_OWNER = 'Go';
const GO_NOTE_BUILDID = 4;

export interface GoSniff {
  readonly isGo: boolean;
  /** Why: the Go section or note found, or what made it not Go. */
  readonly why: string;
  /** The file could not be opened or read (permissions, I/O): a verdict not to cache. */
  readonly unreadable?: boolean;
}

/** Reads `length` bytes at `offset`, or undefined when the file is shorter. */
function readAt(fd: number, offset: number, length: number): Buffer | undefined {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) return undefined;
    done += n;
  }
  return buf;
}

function u64(buf: Buffer, off: number): number {
  const v = buf.readBigUInt64LE(off);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** Classifies the file at `path`; a file that cannot be read is "not Go" with the reason. */
export function sniffGoElf(path: string): GoSniff {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return { isGo: false, why: `cannot open: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, unreadable: true };
  }
  try {
    return sniffFd(fd);
  } catch (e) {
    return { isGo: false, why: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, unreadable: true };
  } finally {
    closeSync(fd);
  }
}

function sniffFd(fd: number): GoSniff {
  const eh = readAt(fd, 0, 64);
  if (!eh || eh.readUInt32BE(0) !== 0x7f454c46) return { isGo: false, why: 'not ELF' };
  if (eh[4] !== 2 || eh[5] !== 1) return { isGo: false, why: 'not 64-bit little-endian ELF' };
  if (eh.readUInt16LE(18) !== EM_X86_64) return { isGo: false, why: 'not x86-64' };
  return sniffSections(fd, eh) ?? sniffNotes(fd, eh);
}

/** By section name; undefined when the file has no section header table to ask. */
function sniffSections(fd: number, eh: Buffer): GoSniff | undefined {
  const shoff = u64(eh, 0x28);
  if (shoff === 0 || eh.readUInt16LE(0x3a) !== SHDR_SIZE) return undefined;
  let shnum = eh.readUInt16LE(0x3c);
  let shstrndx = eh.readUInt16LE(0x3e);
  if (shnum === 0 || shstrndx === 0xffff) {
    // Extended numbering (gABI): the real values live in section 0.
    const s0 = readAt(fd, shoff, SHDR_SIZE);
    if (!s0) return { isGo: false, why: 'section header table past end of file' };
    if (shnum === 0) shnum = u64(s0, 32);
    if (shstrndx === 0xffff) shstrndx = s0.readUInt32LE(40);
  }
  if (shnum === 0 || shnum > MAX_SECTIONS || shstrndx >= shnum) return undefined;
  const table = readAt(fd, shoff, shnum * SHDR_SIZE);
  if (!table) return { isGo: false, why: 'section header table past end of file' };
  const strOff = u64(table, shstrndx * SHDR_SIZE + 24);
  const strSize = Math.min(u64(table, shstrndx * SHDR_SIZE + 32), MAX_SHSTRTAB);
  const names = readAt(fd, strOff, strSize);
  if (!names) return { isGo: false, why: 'section name table past end of file' };
  for (let i = 0; i < shnum; i++) {
    const at = table.readUInt32LE(i * SHDR_SIZE);
    if (at >= names.length) continue;
    const end = names.indexOf(0, at);
    const name = names.toString('latin1', at, end < 0 ? names.length : end);
    if (GO_SECTION_NAMES.includes(name)) return { isGo: true, why: `section ${name}` };
  }
  return { isGo: false, why: 'no Go sections' };
}

/**
 * Without section headers (sstrip'ed or packed files) the program headers
 * still exist, and Go's linker puts its build id in a PT_NOTE segment.
 */
function sniffNotes(fd: number, eh: Buffer): GoSniff {
  const phoff = u64(eh, 0x20);
  const phnum = eh.readUInt16LE(0x38);
  if (phoff === 0 || phnum === 0 || phnum > MAX_SEGMENTS || eh.readUInt16LE(0x36) !== PHDR_SIZE) {
    return { isGo: false, why: 'no section or program headers' };
  }
  const table = readAt(fd, phoff, phnum * PHDR_SIZE);
  if (!table) return { isGo: false, why: 'program header table past end of file' };
  for (let i = 0; i < phnum; i++) {
    const ph = i * PHDR_SIZE;
    if (table.readUInt32LE(ph) !== PT_NOTE) continue;
    const size = u64(table, ph + 32);
    const notes = size > 0 && size <= MAX_NOTE ? readAt(fd, u64(table, ph + 8), size) : undefined;
    if (notes && hasGoBuildIdNote(notes)) return { isGo: true, why: 'Go build id note' };
  }
  return { isGo: false, why: 'no section headers and no Go build id note' };
}

/** Walks ELF notes: namesz, descsz, type, then name and desc, each padded to 4 bytes. */
export function hasGoBuildIdNote(notes: Buffer): boolean {
  const pad = (n: number): number => (n + 3) & ~3;
  for (let at = 0; at + 12 <= notes.length;) {
    const namesz = notes.readUInt32LE(at);
    const descsz = notes.readUInt32LE(at + 4);
    const type = notes.readUInt32LE(at + 8);
    const nameEnd = at + 12 + namesz;
    if (nameEnd > notes.length) return false;
    const owner = notes.toString('latin1', at + 12, nameEnd).replace(/\0+$/, '');
    if (owner === GO_NOTE_OWNER && type === GO_NOTE_BUILDID) return true;
    at = at + 12 + pad(namesz) + pad(descsz);
  }
  return false;
}

export interface GoVerdict extends GoSniff {
  readonly dev: number;
  readonly ino: number;
}

/**
 * Remembers each file's verdict by (device, inode, size, mtime): the same
 * binary runs as many processes, and a file rewritten in place gets a new
 * size or mtime, so it is classified again. Bounded; the oldest entry goes.
 */
export class GoVerdictCache {
  readonly #verdicts = new Map<string, GoSniff>();
  readonly #max: number;
  hits = 0;
  misses = 0;

  constructor(maxEntries = 4096) {
    this.#max = maxEntries;
  }

  /** Stats `path` (following links, e.g. /proc/PID/exe) and classifies it; throws if stat fails. */
  classify(path: string): GoVerdict {
    const st = statSync(path, { bigint: true });
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
    let sniff = this.#verdicts.get(key);
    if (sniff) {
      this.hits++;
    } else {
      this.misses++;
      sniff = sniffGoElf(path);
      if (!sniff.unreadable) {
        if (this.#verdicts.size >= this.#max) this.#verdicts.delete(this.#verdicts.keys().next().value!);
        this.#verdicts.set(key, sniff);
      }
    }
    return { ...sniff, dev: Number(st.dev), ino: Number(st.ino) };
  }

  get size(): number {
    return this.#verdicts.size;
  }
}
