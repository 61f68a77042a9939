// The pclntab header: which of the four layouts a table uses and where its
// function table and name table sit. Layouts:
//   1.2  magic 0xfffffffb  golang.org/s/go12symtab; functab of (entry uintptr, funcoff uintptr)
//        right after an 8-byte header and nfunc; _func{entry uintptr, nameoff int32} with
//        nameoff relative to the table start.
//   1.16 magic 0xfffffffa  pcHeader{magic, pad, pad, minLC, ptrSize, nfunc, nfiles,
//        funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset}
//        (https://github.com/golang/go/blob/go1.16/src/runtime/symtab.go, type pcHeader);
//        functab of uintptr pairs at pclnOffset, funcoff relative to pclnOffset;
//        _func{entry uintptr, nameoff int32}, nameoff relative to funcnametab.
//   1.18 magic 0xfffffff0 and 1.20 magic 0xfffffff1 add textStart after nfiles
//        (https://github.com/golang/go/blob/go1.19/src/runtime/symtab.go#L395);
//        functab of uint32 pairs (entryoff from textStart, funcoff);
//        _func{entryOff uint32, nameOff int32}. 1.20 changed only later _func fields.
//        Go 1.26 keeps the field but always writes 0 to it (https://go.dev/doc/go1.26#linker).
import { BinaryFormatError } from '../errors';

export type PclntabVersion = '1.2' | '1.16' | '1.18' | '1.20';

export const PCLNTAB_MAGICS: ReadonlyMap<number, PclntabVersion> = new Map([
  [0xfffffffb, '1.2'], [0xfffffffa, '1.16'], [0xfffffff0, '1.18'], [0xfffffff1, '1.20'],
] as const);

export interface PclnLayout {
  readonly version: PclntabVersion;
  readonly nfunc: number;
  /** pcHeader.textStart for 1.18+, 0 before (functab entries are absolute there). */
  readonly headerTextStart: number;
  /** Byte size of one functab field: 8 (uintptr) before 1.18, 4 (uint32) after. */
  readonly field: 4 | 8;
  /** Offset of the functab in the table; it has 2*nfunc+1 fields. */
  readonly functabOff: number;
  /** funcoff values are relative to this offset. */
  readonly funcBase: number;
  /** nameoff values are relative to nameBase; names end before nameEnd. */
  readonly nameBase: number;
  readonly nameEnd: number;
  /** Offset of _func.nameoff inside a _func record. */
  readonly nameoffAt: number;
}

/** A bounded uint64 read: a JS number, or an error when it cannot be a real size or address. */
export function readWord(b: Buffer, off: number, what: string): number {
  if (off < 0 || off + 8 > b.length) throw malformed(`${what} at ${off} is past the table's ${b.length} bytes`);
  const hi = b.readUInt32LE(off + 4);
  if (hi > 0x1fffff) throw malformed(`${what} at ${off} is 0x${hi.toString(16)}........, too large`);
  return hi * 0x100000000 + b.readUInt32LE(off);
}

export function malformed(msg: string): BinaryFormatError {
  return new BinaryFormatError('ERR_PCLNTAB_MALFORMED', `${msg}; the pclntab is truncated or corrupted, rebuild the binary or trace another copy`);
}

/** Parses and checks the header of `tab` (the table's bytes). Throws typed errors. */
export function parsePclnHeader(tab: Buffer): PclnLayout {
  if (tab.length < 16) throw malformed(`table of ${tab.length} bytes is shorter than its 16-byte header`);
  const magic = tab.readUInt32LE(0);
  const version = PCLNTAB_MAGICS.get(magic);
  if (!version) {
    throw new BinaryFormatError('ERR_PCLNTAB_UNSUPPORTED',
      `pclntab magic 0x${magic.toString(16)} is not one of Go 1.2–1.26's (0xfffffffb, 0xfffffffa, 0xfffffff0, 0xfffffff1); a Go older than 1.2 or newer than gotrace knows, or a corrupted table`);
  }
  // Two zero pad bytes, PC quantum 1 (x86), pointer size 8 (amd64).
  if (tab[4] !== 0 || tab[5] !== 0) throw malformed(`header pad bytes are ${tab[4]},${tab[5]}, not 0,0`);
  if (tab[6] !== 1 || tab[7] !== 8) {
    throw new BinaryFormatError('ERR_PCLNTAB_UNSUPPORTED',
      `pclntab has PC quantum ${tab[6]} and pointer size ${tab[7]}; gotrace reads amd64 tables (quantum 1, pointer size 8)`);
  }
  const word = (i: number, what: string): number => readWord(tab, 8 + 8 * i, what);
  const nfunc = word(0, 'nfunc');
  const fieldCount = (field: number): number => (2 * nfunc + 1) * field;
  let layout: PclnLayout;
  if (version === '1.2') {
    layout = { version, nfunc, headerTextStart: 0, field: 8, functabOff: 16, funcBase: 0, nameBase: 0, nameEnd: tab.length, nameoffAt: 8 };
  } else {
    const v118 = version !== '1.16';
    const base = v118 ? 3 : 2; // index of funcnameOffset
    const offs = [0, 1, 2, 3, 4].map((i) => word(base + i, 'header offset'));
    const [funcname, cu, , , pcln] = offs as [number, number, number, number, number];
    for (const o of offs) if (o > tab.length) throw malformed(`header offset ${o} is past the table's ${tab.length} bytes`);
    if (funcname > cu) throw malformed(`funcnametab [${funcname}, ${cu}) is reversed`);
    layout = {
      version, nfunc, headerTextStart: v118 ? word(2, 'textStart') : 0, field: v118 ? 4 : 8,
      functabOff: pcln, funcBase: pcln, nameBase: funcname, nameEnd: cu, nameoffAt: v118 ? 4 : 8,
    };
  }
  if (nfunc === 0) throw malformed('the table lists no functions');
  if (layout.functabOff + fieldCount(layout.field) > tab.length) {
    throw malformed(`functab of ${nfunc} functions at ${layout.functabOff} runs past the table's ${tab.length} bytes`);
  }
  return layout;
}
