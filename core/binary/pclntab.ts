// Go's function table (pclntab): every function's linker name, entry and end,
// read from the table the runtime itself uses for tracebacks. It survives
// `-ldflags=-s -w`, so it names functions in stripped binaries too.
//
// Names are cut from one latin1 string of the name table (one char per byte,
// so byte offsets are string offsets): a slice per function instead of a
// decode per function. Only names with bytes >= 0x80 are decoded again as UTF-8.
import type { ElfFile } from './elf';
import { BinaryFormatError, asBinaryError } from '../errors';
import { malformed, readWord, type PclnLayout, type PclntabVersion } from './pclntab-header';
import { locatePclntab, type LocatedPclntab } from './pclntab-locate';
import { findTextStart, type TextStartSource } from './pclntab-text-start';

export type { PclntabVersion } from './pclntab-header';
export type { TextStartSource } from './pclntab-text-start';

/** One function; `end` is the next function's entry (padding included), as debug/gosym's Func.End. */
export interface GoFunction {
  readonly name: string;
  readonly entry: number;
  readonly end: number;
}

export interface Pclntab {
  readonly version: PclntabVersion;
  /** The table's virtual address. */
  readonly address: number;
  /** How the table was found: its section, the runtime.pclntab symbol, or a header scan. */
  readonly locatedBy: LocatedPclntab['locatedBy'];
  readonly textStart: number;
  /**
   * How textStart was found: 'symbol' (runtime.text in .symtab), 'header'
   * (pcHeader.textStart, Go 1.18–1.25), 'moduledata' (runtime.firstmoduledata.text,
   * the only record in stripped Go 1.26+), or for Go < 1.18, whose entries do not
   * depend on it, 'section' (.text) or 'functab' (the first entry).
   */
  readonly textStartSource: TextStartSource;
  readonly functionCount: number;
  /** Every function, sorted by entry, decoded once and cached. */
  functions(): readonly GoFunction[];
  /**
   * By full linker name, e.g. `crypto/tls.(*Conn).Write`. A few names occur
   * twice, an ABIInternal function and its ABI0 wrapper (.symtab calls the
   * wrapper `name.abi0`); this returns the lower address, lookupAll both.
   * Generic instantiations are named `pkg.F[...]` here, as the linker writes them.
   */
  lookup(name: string): GoFunction | undefined;
  lookupAll(name: string): readonly GoFunction[];
  /** The function whose [entry, end) holds `pc`. */
  functionAt(pc: number): GoFunction | undefined;
}

/** Reads the pclntab. Throws ERR_NOT_GO when the file has none, ERR_PCLNTAB_* when it is bad. */
export function readPclntab(elf: ElfFile): Pclntab {
  try {
    const located = locatePclntab(elf);
    if (!located) {
      throw new BinaryFormatError('ERR_NOT_GO', 'no Go function table (no .gopclntab section, no runtime.pclntab symbol, no pclntab header in the data); is this a Go executable?', { file: elf.path });
    }
    const { data, layout } = located;
    const first = functabField(data, layout, 0);
    const text = findTextStart(elf, layout, located.address, first);
    return new Table(located, text.value, text.source, elf.path);
  } catch (e) {
    throw withFile(asBinaryError(e, 'ERR_PCLNTAB_MALFORMED', 'corrupted pclntab', elf.path), elf.path);
  }
}

function withFile(e: unknown, file: string): unknown {
  if (e instanceof BinaryFormatError && e.file === undefined) {
    return new BinaryFormatError(e.code, e.message, { file, cause: e.cause });
  }
  return e;
}

function functabField(data: Buffer, l: PclnLayout, index: number): number {
  const at = l.functabOff + index * l.field;
  return l.field === 8 ? readWord(data, at, 'functab entry') : data.readUInt32LE(at);
}

class Table implements Pclntab {
  readonly version: PclntabVersion;
  readonly address: number;
  readonly locatedBy: LocatedPclntab['locatedBy'];
  readonly functionCount: number;
  private readonly data: Buffer;
  private readonly layout: PclnLayout;
  private cache: readonly GoFunction[] | undefined;
  private byName: Map<string, GoFunction> | undefined;
  private duplicates: Map<string, GoFunction[]> | undefined;

  constructor(located: LocatedPclntab, readonly textStart: number, readonly textStartSource: TextStartSource, private readonly path: string) {
    this.data = located.data;
    this.layout = located.layout;
    this.version = located.layout.version;
    this.address = located.address;
    this.locatedBy = located.locatedBy;
    this.functionCount = located.layout.nfunc;
  }

  functions(): readonly GoFunction[] {
    if (!this.cache) {
      try {
        this.cache = decodeFunctions(this.data, this.layout, this.textStart);
      } catch (e) {
        throw withFile(asBinaryError(e, 'ERR_PCLNTAB_MALFORMED', 'corrupted pclntab', this.path), this.path);
      }
    }
    return this.cache;
  }

  lookup(name: string): GoFunction | undefined {
    return this.index().get(name);
  }

  lookupAll(name: string): readonly GoFunction[] {
    const first = this.index().get(name);
    return first ? this.duplicates!.get(name) ?? [first] : [];
  }

  private index(): Map<string, GoFunction> {
    if (!this.byName) {
      const m = new Map<string, GoFunction>(), dup = new Map<string, GoFunction[]>();
      for (const f of this.functions()) {
        const seen = m.get(f.name);
        if (!seen) m.set(f.name, f);
        else dup.set(f.name, [...(dup.get(f.name) ?? [seen]), f]);
      }
      this.byName = m;
      this.duplicates = dup;
    }
    return this.byName;
  }

  functionAt(pc: number): GoFunction | undefined {
    const fs = this.functions();
    let lo = 0, hi = fs.length; // first index with entry > pc
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (fs[mid]!.entry <= pc) lo = mid + 1;
      else hi = mid;
    }
    const f = fs[lo - 1];
    return f && pc < f.end ? f : undefined;
  }
}

/**
 * Decodes every row of the functab. Each read is bounds-checked against the
 * table, the loop runs nfunc times (checked against the table size by the
 * header parser), and entries must not decrease, as runtime.moduledataverify1
 * requires (https://github.com/golang/go/blob/go1.19/src/runtime/symtab.go#L599).
 */
function decodeFunctions(table: Buffer, l: PclnLayout, textStart: number): GoFunction[] {
  // The linker aligns the functab and every _func record to 4 bytes or more,
  // so a Uint32Array reads them without Buffer's per-call checks. A table
  // that is not 4-aligned in memory is copied once; a misaligned _func offset
  // only occurs in a damaged table.
  const b = table.byteOffset % 4 === 0 ? table : copyAligned(table);
  const u32 = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  const n = l.nfunc, wide = l.field === 8, base = wide ? 0 : textStart;
  const nameLen = l.nameEnd - l.nameBase;
  const names = b.toString('latin1', l.nameBase, l.nameEnd);
  // Go 1.2–1.15 keep names among binary pc-value data in one table, where a
  // scan for high bytes would mostly find data; there each name is tested.
  const perName = l.nameBase === 0 && l.version === '1.2';
  const high = perName ? [] : highBytePositions(names);
  let h = 0, lastNameoff = 0;
  const lastFunc = b.length - l.nameoffAt - 4; // a _func must hold its entry and nameoff
  const fieldWords = l.field >>> 2, nameWord = l.nameoffAt >>> 2;
  const out = new Array<GoFunction>(n);
  // Word indexes; functabOff is checked 4-aligned below and the functab's
  // 2*nfunc+1 fields were checked to lie inside the table by the header parser.
  let row = l.functabOff >>> 2;
  if (l.functabOff % 4 !== 0) throw malformed(`functab offset ${l.functabOff} is not 4-aligned`);
  let entry = base + (wide ? word64(u32, row) : u32[row]!);
  for (let i = 0; i < n; i++) {
    const funcoff = wide ? word64(u32, row + 2) : u32[row + 1]!;
    row += 2 * fieldWords;
    const end = base + (wide ? word64(u32, row) : u32[row]!);
    const f = l.funcBase + funcoff;
    if (f % 4 !== 0 || f > lastFunc) throw malformed(`function ${i}: _func offset ${f} is misaligned or past the table's ${b.length} bytes`);
    const fw = f >>> 2; // f < 2^32 here: it is inside the table
    const own = base + (wide ? word64(u32, fw) : u32[fw]!);
    if (own !== entry) throw malformed(`function ${i}: _func at ${f} says entry 0x${own.toString(16)}, the functab 0x${entry.toString(16)}`);
    if (end < entry) throw malformed(`function ${i}: functab is not sorted (0x${entry.toString(16)} then 0x${end.toString(16)})`);
    const nameoff = u32[fw + nameWord]! | 0;
    if (nameoff < 0 || nameoff >= nameLen) throw malformed(`function ${i}: name offset ${nameoff} is outside the ${nameLen}-byte name table`);
    const nul = names.indexOf('\0', nameoff);
    if (nul < 0) throw malformed(`function ${i}: name at ${nameoff} is not terminated`);
    // Names usually come in table order, so a cursor finds the next high byte;
    // a jump backwards re-seeks it by binary search.
    if (nameoff < lastNameoff) h = firstAtOrAfter(high, nameoff);
    while (h < high.length && high[h]! < nameoff) h++;
    lastNameoff = nameoff;
    let name = names.slice(nameoff, nul);
    if (perName ? NON_ASCII.test(name) : h < high.length && high[h]! < nul) name = b.toString('utf8', l.nameBase + nameoff, l.nameBase + nul);
    out[i] = { name, entry, end };
    entry = end;
  }
  return out;
}

/** Buffer.alloc never takes memory from the shared pool, so the copy starts at offset 0. */
function copyAligned(src: Buffer): Buffer {
  const b = Buffer.alloc(src.length);
  src.copy(b);
  return b;
}

/** A little-endian uint64 at word index `w` as a number; addresses stay below 2^53. */
function word64(u32: Uint32Array, w: number): number {
  const hi = u32[w + 1]!;
  if (hi > 0x1fffff) throw malformed(`64-bit functab value at ${4 * w} is too large`);
  return hi * 0x100000000 + u32[w]!;
}

const NON_ASCII = /[\x80-\xff]/;

/** Offsets of bytes >= 0x80 (UTF-8 sequences such as the '·' in `type..eq.T·1`), ascending. */
function highBytePositions(s: string): number[] {
  const out: number[] = [];
  const re = /[\x80-\xff]/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m.index);
  return out;
}

/** The index of the first value in sorted `xs` that is >= x (xs.length when none). */
function firstAtOrAfter(xs: readonly number[], x: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
