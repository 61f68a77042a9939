// The .go.buildinfo blob the Go linker writes (Go 1.13+), decoded as
// debug/buildinfo does (https://github.com/golang/go/blob/go1.19/src/debug/buildinfo/buildinfo.go#L99):
//   bytes 0..13  "\xff Go buildinf:"
//   byte 14      pointer size; byte 15 flags: bit 0 big-endian, bit 1 inline strings (Go 1.18+)
//   bytes 16..31 before 1.18: addresses of the runtime.buildVersion and runtime.modinfo
//                string headers; from 1.18: zero, followed by two uvarint-prefixed strings.
// The linker aligns the blob to 16 and puts it at the start of the data segment
// (https://github.com/golang/go/blob/go1.19/src/cmd/link/internal/ld/data.go#L2171).
import type { ElfFile } from './elf';
import { PT_LOAD } from './elf';
import { BinaryFormatError } from '../errors';

export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const ALIGN = 16;
/** debug/buildinfo reads this much from the start of the data; the blob is small. */
const WINDOW = 64 * 1024;
/** No Go version or module list comes near this; a larger length is corruption. */
export const MAX_STRING = 16 << 20;
const PF_X = 1, PF_W = 2;

export interface RawBuildInfo {
  readonly version: string;
  /** The modinfo text with its 16-byte sentinels stripped; '' when the binary has none. */
  readonly modinfo: string;
}

function bad(msg: string, file: string): BinaryFormatError {
  return new BinaryFormatError('ERR_BUILDINFO_MALFORMED', `.go.buildinfo: ${msg}; the file may be truncated or corrupted (check it with \`go version -m\`)`, { file });
}

/** The blob's bytes through the end of their segment (at most 64 KiB), or undefined when the file has none. */
function findBlob(elf: ElfFile): Buffer | undefined {
  const s = elf.section('.go.buildinfo');
  let start: number | undefined = s && s.size > 0 ? s.addr : undefined;
  if (start === undefined) {
    // Section headers gone: like debug/buildinfo, search the first writable, non-executable segment.
    const p = elf.segments.find((x) => x.type === PT_LOAD && (x.flags & (PF_X | PF_W)) === PF_W);
    if (!p) return undefined;
    const win = elf.buf.subarray(p.offset, Math.min(p.offset + Math.min(p.filesz, WINDOW), elf.buf.length));
    for (let i = win.indexOf(BUILDINFO_MAGIC); i >= 0; i = win.indexOf(BUILDINFO_MAGIC, i + 1)) {
      if (i % ALIGN === 0) {
        start = p.vaddr + i;
        break;
      }
    }
    if (start === undefined) return undefined;
  }
  const seg = elf.loadSegmentFor(start);
  if (!seg) return undefined;
  return elf.readVirtual(start, Math.min(WINDOW, seg.vaddr + seg.filesz - start));
}

export function readBuildInfoBlob(elf: ElfFile): RawBuildInfo | undefined {
  const data = findBlob(elf);
  if (!data) return undefined;
  if (data.length < HEADER_SIZE || !data.subarray(0, BUILDINFO_MAGIC.length).equals(BUILDINFO_MAGIC)) {
    throw bad(`no "\\xff Go buildinf:" header at the start of the section`, elf.path);
  }
  const ptrSize = data[14]!, flags = data[15]!;
  let version: string, mod: string;
  if (flags & 2) {
    let at = HEADER_SIZE;
    const next = (what: string): string => {
      const [len, n] = uvarint(data, at);
      if (n <= 0 || len > data.length - at - n) throw bad(`${what} length at ${at} runs past the blob`, elf.path);
      const s = data.toString('utf8', at + n, at + n + len);
      at += n + len;
      return s;
    };
    version = next('Go version');
    mod = next('module info');
  } else {
    if (ptrSize !== 8 || flags & 1) throw bad(`pointer size ${ptrSize}, flags ${flags}: not a little-endian 64-bit blob`, elf.path);
    version = goString(elf, readU64(data, 16), 'runtime.buildVersion');
    mod = goString(elf, readU64(data, 24), 'runtime.modinfo');
  }
  if (version === '') throw bad('the Go version is empty', elf.path);
  // Go versions are printable ASCII ("go1.21.0 X:boringcrypto"); anything else is damage.
  if (!/^[\x20-\x7e]+$/.test(version)) throw bad(`the Go version ${JSON.stringify(version.slice(0, 40))} is not text`, elf.path);
  return { version, modinfo: stripSentinels(mod) };
}

/**
 * modinfo is framed by cmd/go/internal/modload's 16-byte infoStart/infoEnd;
 * like debug/buildinfo, strip them when the text before infoEnd ends a line.
 */
export function stripSentinels(mod: string): string {
  return mod.length >= 33 && mod[mod.length - 17] === '\n' ? mod.slice(16, -16) : '';
}

function readU64(b: Buffer, off: number): number {
  const hi = b.readUInt32LE(off + 4);
  return hi > 0x1fffff ? -1 : hi * 0x100000000 + b.readUInt32LE(off);
}

/** The Go string whose header {data, len} is at `addr`, decoded as UTF-8. */
export function goString(elf: ElfFile, addr: number, what: string): string {
  const hdr = addr >= 0 ? elf.readVirtual(addr, 16) : undefined;
  if (!hdr) {
    // An empty string variable may sit in .bss (memory past a segment's file
    // bytes, zero at start-up): Go 1.13 GOPATH builds place runtime.modinfo there.
    if (inBss(elf, addr)) return '';
    throw bad(`${what} header at 0x${addr.toString(16)} is not in the file`, elf.path);
  }
  const ptr = readU64(hdr, 0), len = readU64(hdr, 8);
  if (len === 0) return '';
  const bytes = ptr >= 0 && len > 0 && len <= MAX_STRING ? elf.readVirtual(ptr, len) : undefined;
  if (!bytes) throw bad(`${what} (${len} bytes at 0x${ptr.toString(16)}) is not in the file`, elf.path);
  return bytes.toString('utf8');
}

function inBss(elf: ElfFile, addr: number): boolean {
  return elf.segments.some((p) => p.type === PT_LOAD && addr >= p.vaddr + p.filesz && addr + 16 <= p.vaddr + p.memsz);
}

/** encoding/binary.Uvarint: [value, bytes read]; n <= 0 when truncated or over 64 bits. */
export function uvarint(b: Buffer, at: number): [number, number] {
  let x = 0, scale = 1;
  for (let i = 0; i < 10 && at + i < b.length; i++) {
    const c = b[at + i]!;
    if (c < 0x80) {
      if (i === 9 && c > 1) return [0, -(i + 1)];
      const v = x + c * scale;
      return Number.isSafeInteger(v) ? [v, i + 1] : [0, -(i + 1)];
    }
    x += (c & 0x7f) * scale;
    scale *= 128;
  }
  return [0, 0];
}
