// The two moduledata fields itab lookup needs, read from the file: the type
// data range [types, etypes) that nameOff/typeOff count from, and itablinks,
// the []*itab of every itab the linker laid out. They survive `-s -w`: the
// runtime itself walks itablinks at start-up (runtime.itabsinit).
//
// moduledata word indexes (8-byte words; every field before them is a pointer,
// uintptr or a 3-word slice):
//   Go 1.2–1.15 (pclntab 1.2): ...; types 25, etypes 26; textsectmap; typelinks 30; itablinks 33
//     https://github.com/golang/go/blob/go1.15/src/runtime/symtab.go (type moduledata)
//   Go 1.16–1.17 (pclntab 1.16): pcHeader and five more slices first: types 35; typelinks 40; itablinks 43
//     https://github.com/golang/go/blob/go1.17/src/runtime/symtab.go
//   Go 1.18–1.19 (pclntab 1.18): rodata and gofunc after etypes: types 35; typelinks 42; itablinks 45
//     https://github.com/golang/go/blob/go1.19/src/runtime/symtab.go#L415
//   Go 1.20–1.25 (pclntab 1.20): covctrs, ecovctrs after enoptrbss: types 37; typelinks 44; itablinks 47
//     https://github.com/golang/go/blob/go1.20/src/runtime/symtab.go
//   Go 1.26 (pclntab 1.20): one more word after gofunc (word 41 points just past
//     .typelink in esbuild's go1.26 build): types 37; typelinks 45; itablinks 48.
//     Observed in esbuild-go1.26's .go.module, where .typelink/.itablink sit at
//     exactly those words; the itab tests check it against pclntab.
// Both 1.20-magic layouts are tried; a slice is only accepted when len == cap
// and, when the section headers remain, it is exactly .itablink / .typelink.
import type { ElfFile, ElfSection } from './elf';
import { SHT_NOBITS } from './elf';
import type { PclntabVersion } from './pclntab-header';
import { moduledataCandidates } from './pclntab-text-start';

export interface ItabTables {
  /** Address of runtime.firstmoduledata. */
  readonly moduledata: number;
  readonly types: number;
  readonly etypes: number;
  /** The itab pointers, in itablinks order. */
  readonly itabs: readonly number[];
}

interface Layout {
  readonly types: number;
  readonly typelinks: number;
  readonly itablinks: number;
}

const LAYOUTS: Readonly<Record<PclntabVersion, readonly Layout[]>> = {
  '1.2': [{ types: 25, typelinks: 30, itablinks: 33 }],
  '1.16': [{ types: 35, typelinks: 40, itablinks: 43 }],
  '1.18': [{ types: 35, typelinks: 42, itablinks: 45 }],
  '1.20': [{ types: 37, typelinks: 44, itablinks: 47 }, { types: 37, typelinks: 45, itablinks: 48 }],
};

const PF_W = 2;
/** No real program has more; a larger count is a corrupted length. */
const MAX_ITABS = 1 << 20;

/** A uint64 in the file at a virtual address, or undefined when unmapped or too large for a JS number. */
export function wordAt(elf: ElfFile, vaddr: number): number | undefined {
  const b = elf.readVirtual(vaddr, 8);
  if (!b) return undefined;
  const hi = b.readUInt32LE(4);
  return hi > 0x1fffff ? undefined : hi * 0x100000000 + b.readUInt32LE(0);
}

/** Reads moduledata's type range and itablinks, or says why it cannot. */
export function readItabTables(elf: ElfFile, pcln: { version: PclntabVersion; address: number }): ItabTables | { why: string } {
  const layouts = LAYOUTS[pcln.version];
  const itablink = dataSection(elf, '.itablink'), typelink = dataSection(elf, '.typelink');
  let reason = 'no runtime.firstmoduledata found (no .go.module section, no symbol, no word in writable data pointing at the pclntab)';
  for (const at of moduledataCandidates(elf, pcln.address)) {
    for (const l of layouts) {
      const r = tryLayout(elf, at, l, itablink, typelink);
      if ('itabs' in r) return r;
      reason = `moduledata candidate 0x${at.toString(16)}: ${r.why}`;
    }
  }
  return { why: reason };
}

function tryLayout(elf: ElfFile, md: number, l: Layout, itablink?: ElfSection, typelink?: ElfSection): ItabTables | { why: string } {
  const w = (i: number): number | undefined => wordAt(elf, md + 8 * i);
  const types = w(l.types), etypes = w(l.types + 1);
  const tl = [w(l.typelinks), w(l.typelinks + 1), w(l.typelinks + 2)];
  const il = [w(l.itablinks), w(l.itablinks + 1), w(l.itablinks + 2)];
  if (types === undefined || etypes === undefined || !(etypes > types) || !elf.readVirtual(types, etypes - types)) {
    return { why: `types..etypes (words ${l.types}, ${l.types + 1}) is not a mapped range` };
  }
  const [tp, tn, tc] = tl, [ip, n, c] = il;
  if (tp === undefined || tn === undefined || tn !== tc || ip === undefined || n === undefined || n !== c) {
    return { why: `words ${l.typelinks} and ${l.itablinks} are not typelinks and itablinks slices (len must equal cap)` };
  }
  if (typelink && (tp !== typelink.addr || tn * 4 !== typelink.size)) return { why: `typelinks (word ${l.typelinks}) is not .typelink` };
  if (itablink && (ip !== itablink.addr || n * 8 !== itablink.size)) return { why: `itablinks (word ${l.itablinks}) is not .itablink` };
  if (n > MAX_ITABS) return { why: `itablinks claims ${n} itabs` };
  const raw = n === 0 ? Buffer.alloc(0) : elf.readVirtual(ip, n * 8);
  if (!raw) return { why: `itablinks (${n} pointers at 0x${ip.toString(16)}) is not in the file` };
  const itabs: number[] = [];
  for (let i = 0; i < n; i++) {
    const hi = raw.readUInt32LE(8 * i + 4);
    if (hi > 0x1fffff) return { why: `itablinks[${i}] is not an address` };
    itabs.push(hi * 0x100000000 + raw.readUInt32LE(8 * i));
  }
  return { moduledata: md, types, etypes, itabs };
}

/** `.itablink` / `.typelink`, or their PIE names under .data.rel.ro. */
function dataSection(elf: ElfFile, name: string): ElfSection | undefined {
  const s = elf.section(name) ?? elf.section(`.data.rel.ro${name}`);
  return s && s.type !== SHT_NOBITS ? s : undefined;
}

