// Where the text the pclntab's entry offsets count from begins (runtime.text).
// From Go 1.18 the functab stores 32-bit offsets from it, so every function
// address depends on this one number.
//
// Go 1.26 stopped recording it in the pcHeader (the field is always 0, so the
// table needs no relocation: https://go.dev/doc/go1.26#linker). The .text
// section address is not a substitute: with cgo or external linking runtime.text
// is not where .text begins. The runtime itself reads moduledata.text
// (runtime.textOff), so that is what we read when there is no symbol.
import type { ElfFile } from './elf';
import { PT_LOAD, SHT_NOBITS } from './elf';
import type { PclnLayout } from './pclntab-header';
import { malformed } from './pclntab-header';
import { symbolValue } from './pclntab-symbols';

export type TextStartSource = 'symbol' | 'header' | 'moduledata' | 'section' | 'functab';

export interface TextStart {
  readonly value: number;
  readonly source: TextStartSource;
}

const PF_X = 1;
const PF_W = 2;
const MAX_MODULEDATA_CANDIDATES = 256;

/**
 * moduledata word indexes (8-byte words) of minpc and text. Every field
 * before them is a pointer, uintptr or slice (3 words):
 *   Go 1.2–1.15: pclntable, ftab, filetab []; findfunctab; minpc (10), maxpc; text (12), etext
 *     https://github.com/golang/go/blob/go1.15/src/runtime/symtab.go (type moduledata)
 *   Go 1.16+:    pcHeader *; funcnametab, cutab, filetab, pctab, pclntable, ftab [];
 *                findfunctab; minpc (20), maxpc; text (22), etext
 *     https://github.com/golang/go/blob/go1.19/src/runtime/symtab.go#L415
 *     https://github.com/golang/go/blob/go1.26.0/src/runtime/symtab.go (unchanged; 1.20 added
 *     the zero-size sys.NotInHeap first, which takes no space). Go 1.26 moved the struct to
 *     its own .go.module section; word 22 there is 0x401000 in esbuild's go1.26.5 build, which
 *     the runtime's own tracebacks confirm (pclntab-runtime.test.ts), and it is the word
 *     opentelemetry-ebpf-profiler reads too (findTextStartFromModuleData).
 * Word 0 points at the pclntab in both, which is how a candidate is recognised.
 */
function moduledataIndexes(l: PclnLayout): { minpc: number; text: number } {
  return l.version === '1.2' ? { minpc: 10, text: 12 } : { minpc: 20, text: 22 };
}

export function findTextStart(elf: ElfFile, layout: PclnLayout, tableAddr: number, firstEntry: number): TextStart {
  const isText = (a: number): boolean => {
    const text = elf.section('.text');
    if (text && text.size > 0) return a >= text.addr && a < text.addr + text.size;
    const seg = elf.loadSegmentFor(a);
    return !!seg && (seg.flags & PF_X) !== 0;
  };
  const sym = symbolValue(elf, 'runtime.text');
  if (sym !== undefined && isText(sym)) return { value: sym, source: 'symbol' };
  if (layout.headerTextStart !== 0 && isText(layout.headerTextStart)) return { value: layout.headerTextStart, source: 'header' };

  const relative = layout.field === 4;
  const idx = moduledataIndexes(layout);
  for (const at of moduledataCandidates(elf, tableAddr)) {
    const md = elf.readVirtual(at, (idx.text + 2) * 8);
    if (!md) continue;
    const w = (i: number): number => md.readUInt32LE(8 * i + 4) * 0x100000000 + md.readUInt32LE(8 * i);
    const text = w(idx.text), etext = w(idx.text + 1), minpc = w(idx.minpc);
    // minpc is ftab[0].entry (runtime.moduledataverify1 checks it), which ties this
    // candidate to this very table.
    if (w(0) !== tableAddr || etext <= text || !isText(text)) continue;
    if (minpc !== (relative ? text + firstEntry : firstEntry)) continue;
    return { value: text, source: 'moduledata' };
  }
  if (!relative) {
    // Entries are absolute before 1.18; the text start is only informative.
    const text = elf.section('.text');
    return text && text.addr <= firstEntry ? { value: text.addr, source: 'section' } : { value: firstEntry, source: 'functab' };
  }
  throw malformed(`pclntab ${layout.version} records no text start (pcHeader.textStart is 0), and neither a runtime.text symbol nor ` +
    'runtime.firstmoduledata (.go.module, symbol or a pointer to the table in writable data) gives one');
}

/**
 * Where runtime.firstmoduledata may be: Go 1.26's .go.module section, its
 * symbol, or any 8-aligned writable word holding the pclntab's address (word 0
 * of moduledata is pcHeader, or before 1.16 the pclntable slice's pointer).
 * Shared with the itab reader (itab-moduledata.ts), which needs the same struct.
 */
export function* moduledataCandidates(elf: ElfFile, tableAddr: number): Generator<number> {
  const sec = elf.section('.go.module');
  if (sec && sec.type !== SHT_NOBITS && sec.size > 0) yield sec.addr;
  const sym = symbolValue(elf, 'runtime.firstmoduledata');
  if (sym !== undefined) yield sym;
  if (tableAddr > Number.MAX_SAFE_INTEGER) return;
  const needle = Buffer.alloc(8);
  needle.writeBigUInt64LE(BigInt(tableAddr));
  let tried = 0;
  for (const p of elf.segments) {
    if (p.type !== PT_LOAD || !(p.flags & PF_W)) continue;
    const end = Math.min(p.offset + p.filesz, elf.buf.length);
    for (let at = elf.buf.indexOf(needle, p.offset); at >= 0 && at + 8 <= end; at = elf.buf.indexOf(needle, at + 1)) {
      if (++tried > MAX_MODULEDATA_CANDIDATES) return;
      if ((at - p.offset) % 8 === 0) yield p.vaddr + (at - p.offset);
    }
  }
}
