// Finding the pclntab's bytes in an ELF. The Go linker names the section
// `.gopclntab`, or `.data.rel.ro.gopclntab` when the table needs dynamic
// relocations (PIE before Go 1.26). With section headers missing or renamed,
// the `runtime.pclntab`/`runtime.epclntab` symbols bound it; with neither, a
// scan of the non-executable PT_LOAD segments finds its header, the way
// opentelemetry-ebpf-profiler's SearchGoPclntab does for stripped PIE.
import type { ElfFile } from './elf';
import { PT_LOAD, SHT_NOBITS } from './elf';
import { PCLNTAB_MAGICS, parsePclnHeader, readWord, type PclnLayout } from './pclntab-header';
import { symbolValue } from './pclntab-symbols';

export interface LocatedPclntab {
  readonly data: Buffer;
  /** The table's virtual address. */
  readonly address: number;
  readonly locatedBy: 'section' | 'symbol' | 'scan';
  readonly layout: PclnLayout;
}

const PF_X = 1;
const SECTION_NAMES = ['.gopclntab', '.data.rel.ro.gopclntab'];
/** Bytes 1..7 of every supported header: the magic's top 0xffffff, pad 0,0, quantum 1, ptrsize 8. */
const SIGNATURE = Buffer.from([0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x08]);
/** Candidates a scan will try before giving up; a real binary has one or two. */
const MAX_SCAN_CANDIDATES = 4096;

/** The table, or undefined when the file has none. Throws typed errors for a table that exists but is bad. */
export function locatePclntab(elf: ElfFile): LocatedPclntab | undefined {
  for (const name of SECTION_NAMES) {
    const s = elf.section(name);
    if (s && s.type !== SHT_NOBITS && s.size > 0) {
      const data = elf.rawData(s);
      return { data, address: s.addr, locatedBy: 'section', layout: parsePclnHeader(data) };
    }
  }
  const start = symbolValue(elf, 'runtime.pclntab');
  if (start !== undefined) {
    const seg = elf.loadSegmentFor(start);
    const end = symbolValue(elf, 'runtime.epclntab');
    const segEnd = seg ? seg.vaddr + seg.filesz : start;
    const len = (end !== undefined && end > start && end <= segEnd ? end : segEnd) - start;
    const data = len > 0 ? elf.readVirtual(start, len) : undefined;
    if (data) return { data, address: start, locatedBy: 'symbol', layout: parsePclnHeader(data) };
  }
  return scan(elf);
}

function scan(elf: ElfFile): LocatedPclntab | undefined {
  let tried = 0;
  for (const p of elf.segments) {
    if (p.type !== PT_LOAD || p.flags & PF_X || p.filesz < 16) continue;
    const start = p.offset, end = Math.min(p.offset + p.filesz, elf.buf.length);
    for (let at = elf.buf.indexOf(SIGNATURE, start + 1); at > 0 && at + SIGNATURE.length <= end; at = elf.buf.indexOf(SIGNATURE, at + 1)) {
      if (++tried > MAX_SCAN_CANDIDATES) return undefined;
      const off = at - 1;
      if (off % 8 !== 0 || !PCLNTAB_MAGICS.has(elf.buf.readUInt32LE(off))) continue;
      const data = elf.buf.subarray(off, end);
      const layout = plausible(data);
      if (layout) return { data, address: p.vaddr + (off - p.offset), locatedBy: 'scan', layout };
    }
  }
  return undefined;
}

/**
 * A header found by scanning is only believed when the first and last
 * functab rows point at _func records that repeat their entry, something
 * random bytes do not do.
 */
function plausible(data: Buffer): PclnLayout | undefined {
  try {
    const l = parsePclnHeader(data);
    for (const i of [0, l.nfunc - 1]) {
      const row = l.functabOff + 2 * i * l.field;
      const entry = l.field === 8 ? readWord(data, row, 'entry') : data.readUInt32LE(row);
      const funcoff = l.field === 8 ? readWord(data, row + 8, 'funcoff') : data.readUInt32LE(row + 4);
      const f = l.funcBase + funcoff;
      if (f + l.nameoffAt + 4 > data.length) return undefined;
      const again = l.field === 8 ? readWord(data, f, '_func.entry') : data.readUInt32LE(f);
      if (again !== entry) return undefined;
    }
    return l;
  } catch {
    return undefined;
  }
}
