// Go version and module info for binaries without .go.buildinfo (esbuild since
// its Go 1.25 builds ships none). The runtime still has both strings:
// runtime.buildVersion and runtime.modinfo are Go string headers {ptr, len} in
// writable data, pointing into read-only data
// (https://github.com/golang/go/blob/go1.19/src/runtime/extern.go#L271, runtime/proc.go#L17).
// With .symtab the symbols name the headers; without, a header is recognised
// by what it points at. Looking for the bytes "go1." alone is not enough: the
// data holds both "go1.26" and "go1.26.5", and only the header knows the length.
import type { ElfFile } from './elf';
import { PT_LOAD } from './elf';
import { goString, MAX_STRING, stripSentinels } from './buildinfo-blob';
import { goAtLeast, parseGoVersion } from './go-version';
import type { PclntabVersion } from './pclntab-header';
import { symbolValue } from './pclntab-symbols';

const PF_X = 1, PF_W = 2;
const MAX_CANDIDATES = 4096;
const MAX_VERSION_LEN = 256;
const PRINTABLE = /^[\x20-\x7e]+$/;
/** cmd/go/internal/modload infoStart and infoEnd (https://github.com/golang/go/blob/go1.19/src/cmd/go/internal/modload/build.go#L30). */
export const INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
export const INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

export function versionFromSymbol(elf: ElfFile): string | undefined {
  const at = symbolValue(elf, 'runtime.buildVersion');
  const v = at === undefined ? '' : goString(elf, at, 'runtime.buildVersion');
  return PRINTABLE.test(v) ? v : undefined;
}

export function modinfoFromSymbol(elf: ElfFile): string | undefined {
  const at = symbolValue(elf, 'runtime.modinfo');
  return at === undefined ? undefined : stripSentinels(goString(elf, at, 'runtime.modinfo')) || undefined;
}

function loads(elf: ElfFile, writable: boolean): { offset: number; end: number; vaddr: number }[] {
  return elf.segments
    .filter((p) => p.type === PT_LOAD && !(p.flags & PF_X) && !!(p.flags & PF_W) === writable)
    .map((p) => ({ offset: p.offset, end: Math.min(p.offset + p.filesz, elf.buf.length), vaddr: p.vaddr }));
}

/** Which Go minors a pclntab format can come from, to reject a stray "go1.x" string. */
function fitsTable(minor: number, table: PclntabVersion | undefined): boolean {
  switch (table) {
    case '1.2': return minor >= 2 && minor <= 15;
    case '1.16': return minor === 16 || minor === 17;
    case '1.18': return minor === 18 || minor === 19;
    case '1.20': return minor >= 20;
    default: return true;
  }
}

/**
 * The runtime.buildVersion string found through its header: every "go1." in
 * read-only data (or "devel go1.") whose address, followed by a plausible
 * length, is stored 8-aligned in writable data and whose bytes parse as a Go
 * version consistent with the pclntab's format.
 */
export function scanBuildVersion(elf: ElfFile, table?: PclntabVersion): string | undefined {
  const b = elf.buf;
  const data = loads(elf, true);
  const needle = Buffer.from('go1.', 'latin1');
  const devel = Buffer.from('devel ', 'latin1');
  const ptr = Buffer.alloc(8);
  let tried = 0;
  for (const ro of loads(elf, false)) {
    for (let at = b.indexOf(needle, ro.offset); at >= 0 && at < ro.end; at = b.indexOf(needle, at + 1)) {
      const starts = at - devel.length >= ro.offset && b.subarray(at - devel.length, at).equals(devel) ? [at - devel.length, at] : [at];
      for (const s of starts) {
        if (++tried > MAX_CANDIDATES) return undefined;
        const vaddr = ro.vaddr + (s - ro.offset);
        ptr.writeBigUInt64LE(BigInt(vaddr));
        for (const d of data) {
          for (let h = b.indexOf(ptr, d.offset); h >= 0 && h + 16 <= d.end; h = b.indexOf(ptr, h + 1)) {
            if ((h - d.offset) % 8 !== 0 || b.readUInt32LE(h + 12) !== 0) continue;
            const len = b.readUInt32LE(h + 8);
            if (len < 4 || len > MAX_VERSION_LEN || s + len > ro.end) continue;
            const text = b.toString('latin1', s, s + len);
            if (!PRINTABLE.test(text)) continue;
            const v = parseGoVersion(text);
            if (v && goAtLeast(v, 1, 2) && fitsTable(v.minor, table)) return text;
          }
        }
      }
    }
  }
  return undefined;
}

/**
 * The modinfo blob found by its sentinels in read-only data: infoStart, the
 * text, a newline, infoEnd (the same framing test debug/buildinfo applies).
 */
export function scanModinfo(elf: ElfFile): string | undefined {
  const b = elf.buf;
  let tried = 0;
  for (const ro of [...loads(elf, false), ...loads(elf, true)]) {
    for (let at = b.indexOf(INFO_START, ro.offset); at >= 0 && at < ro.end; at = b.indexOf(INFO_START, at + 1)) {
      if (++tried > MAX_CANDIDATES) return undefined;
      const limit = Math.min(ro.end, at + MAX_STRING);
      const end = b.indexOf(INFO_END, at + INFO_START.length);
      if (end < 0 || end + INFO_END.length > limit || b[end - 1] !== 0x0a) continue;
      return b.toString('utf8', at + INFO_START.length, end);
    }
  }
  return undefined;
}
