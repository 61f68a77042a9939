// Itab addresses from the runtime's own tables, for binaries without .symtab.
// Each itablinks entry points at an itab, laid out the same in Go 1.13–1.26:
//   { inter *interfacetype; _type *_type; hash uint32; _ [4]byte; fun [N]uintptr }
//   https://github.com/golang/go/blob/go1.13/src/runtime/runtime2.go (type itab),
//   https://github.com/golang/go/blob/go1.22.0/src/internal/abi/iface.go (abi.ITab)
// A type's name is its _type.str, a nameOff from moduledata.types. Reflect
// strings use the package *name* (`*tls.Conn`), so a match on the string is
// confirmed against the pclntab: fun[0] must be the concrete type's method
// named like the interface's first method (`crypto/tls.(*Conn).Close`). The
// pclntab is an independent record, so a wrong itab cannot pass by accident.
import type { GoBinary } from './go-binary';
import type { ElfFile } from './elf';
import type { Pclntab } from './pclntab';
import { readItabTables, wordAt, type ItabTables } from './itab-moduledata';
import { goAtLeast } from './go-version';

export type RuntimeItab = { readonly symbol: 'itablinks'; readonly address: number } | { readonly why: string };

/**
 * _type (abi.Type) offsets, unchanged from Go 1.13 to 1.26: size, ptrdata
 * uintptr; hash uint32; tflag (20), align, fieldAlign, kind (23) uint8;
 * equal/alg, gcdata pointers; str nameOff (40); ptrToThis (44). 48 bytes.
 *   https://github.com/golang/go/blob/go1.13/src/runtime/type.go#L28
 *   https://github.com/golang/go/blob/go1.26.0/src/internal/abi/type.go (type Type)
 * interfacetype follows it with pkgpath name (a *byte, 48) and mhdr []imethod (56);
 * imethod is { name nameOff; ityp typeOff }.
 */
const TYPE_TFLAG = 20, TYPE_KIND = 23, TYPE_STR = 40;
const IFACE_MHDR = 56;
const IMETHOD_SIZE = 8, MAX_METHODS = 4096;
const PTRTYPE_SIZE = 56;
const TFLAG_UNCOMMON = 1 << 0, TFLAG_EXTRA_STAR = 1 << 1;
const KIND_MASK = 0x1f, KIND_INTERFACE = 20, KIND_PTR = 22;
const ITAB_FUN = 24;

/** A Go type as callers name it: `*crypto/tls.Conn` → pointer, path crypto/tls, name Conn. */
interface GoTypeName {
  readonly star: string;
  readonly path: string;
  readonly name: string;
}

function splitTypeName(full: string): GoTypeName | undefined {
  const star = full.startsWith('*') ? '*' : '';
  const rest = full.slice(star.length);
  const dot = rest.indexOf('.', rest.lastIndexOf('/') + 1);
  if (dot <= 0 || dot === rest.length - 1) return undefined;
  return { star, path: rest.slice(0, dot), name: rest.slice(dot + 1) };
}

/** Reads a runtime `name`: flags byte, then the length (uvarint from Go 1.17, 2 bytes big-endian before), then the bytes. */
function readName(elf: ElfFile, at: number, end: number, varint: boolean): string | undefined {
  const head = elf.readVirtual(at, Math.min(11, end - at));
  if (!head || head.length < 3) return undefined;
  let len = 0, i = 1;
  if (varint) {
    for (let shift = 0; ; shift += 7) {
      if (i >= head.length || shift > 28) return undefined;
      const b = head[i++]!;
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
  } else {
    len = head.readUInt16BE(1);
    i = 3;
  }
  if (at + i + len > end) return undefined;
  return elf.readVirtual(at + i, len)?.toString('utf8');
}

class TypeReader {
  constructor(private readonly elf: ElfFile, private readonly t: ItabTables, private readonly varint: boolean) {}

  private int32(at: number): number | undefined {
    return this.elf.readVirtual(at, 4)?.readInt32LE(0);
  }

  /** A nameOff resolved against moduledata.types (runtime.resolveNameOff for the one module of an executable). */
  nameAt(off: number | undefined): string | undefined {
    if (off === undefined || off < 0 || this.t.types + off >= this.t.etypes) return undefined;
    return readName(this.elf, this.t.types + off, this.t.etypes, this.varint);
  }

  /** _type.str, without the extra leading `*` the linker shares with the pointer type's string. */
  typeString(typ: number): string | undefined {
    if (typ < this.t.types || typ + 48 > this.t.etypes) return undefined;
    const s = this.nameAt(this.int32(typ + TYPE_STR));
    const tflag = this.elf.readVirtual(typ + TYPE_TFLAG, 1)?.[0];
    if (s === undefined || tflag === undefined) return undefined;
    return tflag & TFLAG_EXTRA_STAR ? s.slice(1) : s;
  }

  isInterface(typ: number): boolean {
    const k = this.elf.readVirtual(typ + TYPE_KIND, 1)?.[0];
    return k !== undefined && (k & KIND_MASK) === KIND_INTERFACE;
  }

  /** An interface's method names, sorted by name as fun[] is; undefined when they do not decode. */
  methods(iface: number): string[] | undefined {
    const ptr = wordAt(this.elf, iface + IFACE_MHDR), len = wordAt(this.elf, iface + IFACE_MHDR + 8);
    if (ptr === undefined || len === undefined || len > MAX_METHODS) return undefined;
    const out: string[] = [];
    for (let i = 0; i < len; i++) {
      const n = this.nameAt(this.int32(ptr + IMETHOD_SIZE * i));
      if (n === undefined) return undefined;
      out.push(n);
    }
    return out;
  }

  /**
   * A pointer type's package path: uncommontype follows ptrtype {_type; elem}
   * when tflagUncommon is set, and starts with pkgpath nameOff.
   * https://github.com/golang/go/blob/go1.22.0/src/internal/abi/type.go (UncommonType, PtrType)
   */
  pointerPkgPath(typ: number): string | undefined {
    const kind = this.elf.readVirtual(typ + TYPE_KIND, 1)?.[0], tflag = this.elf.readVirtual(typ + TYPE_TFLAG, 1)?.[0];
    if (kind === undefined || tflag === undefined || (kind & KIND_MASK) !== KIND_PTR || !(tflag & TFLAG_UNCOMMON)) return undefined;
    return this.nameAt(this.int32(typ + PTRTYPE_SIZE));
  }
}

/** True when `s` is `<pkgname>.<name>` with an optional star, pkgname being a plain identifier. */
function stringMatches(s: string, want: GoTypeName): boolean {
  const tail = `.${want.name}`;
  if (!s.startsWith(want.star) || !s.endsWith(tail)) return false;
  const pkg = s.slice(want.star.length, s.length - tail.length);
  return /^[\p{L}_][\p{L}\p{N}_]*$/u.test(pkg);
}

/** Whether the package name in reflect string `s` is the last element of `want`'s path. */
function pkgNameIs(s: string, want: GoTypeName): boolean {
  return s.slice(want.star.length, s.length - want.name.length - 1) === want.path.slice(want.path.lastIndexOf('/') + 1);
}

/** The method functions fun[0] may be: the pointer receiver's, or for a value type its own. */
function methodNames(t: GoTypeName, method: string): string[] {
  return t.star ? [`${t.path}.(*${t.name}).${method}`] : [`${t.path}.${t.name}.${method}`, `${t.path}.(*${t.name}).${method}`];
}

/** One itablinks entry, decoded. */
export interface DecodedItab {
  readonly address: number;
  /** The interface's and the concrete type's reflect strings, e.g. `net.Conn`, `*tls.Conn`. */
  readonly iface: string;
  readonly concrete: string;
  readonly isInterface: boolean;
  /** The interface's method names, sorted, and fun[i], the concrete type's method for each. */
  readonly methods: readonly string[];
  readonly funs: readonly number[];
  /** For a pointer type, its uncommontype's package path (`crypto/tls`). */
  readonly pkgPath: string | undefined;
}

/** Every itab moduledata.itablinks lists; entries that do not decode are counted, not guessed. */
export function runtimeItabs(bin: GoBinary): { readonly itabs: readonly DecodedItab[]; readonly undecodable: number } | { readonly why: string } {
  const pcln = bin.pclntab;
  const tables = readItabTables(bin.elf, pcln);
  if ('why' in tables) return { why: `cannot read the runtime's itab table: ${tables.why}` };
  const types = new TypeReader(bin.elf, tables, usesVarintNames(bin, pcln.version));
  const itabs: DecodedItab[] = [];
  let undecodable = 0;
  for (const address of tables.itabs) {
    const d = decodeItab(bin.elf, types, address);
    if (d) itabs.push(d);
    else undecodable++;
  }
  return { itabs, undecodable };
}

function decodeItab(elf: ElfFile, types: TypeReader, address: number): DecodedItab | undefined {
  const inter = wordAt(elf, address), typ = wordAt(elf, address + 8);
  if (inter === undefined || typ === undefined) return undefined;
  const iface = types.typeString(inter), concrete = types.typeString(typ), methods = types.methods(inter);
  if (iface === undefined || concrete === undefined || methods === undefined) return undefined;
  const funs: number[] = [];
  for (let i = 0; i < methods.length; i++) {
    const f = wordAt(elf, address + ITAB_FUN + 8 * i);
    if (f === undefined) return undefined;
    funs.push(f);
  }
  return { address, iface, concrete, isInterface: types.isInterface(inter), methods, funs, pkgPath: types.pointerPkgPath(typ) };
}

/**
 * Whether the pclntab confirms `t` is `want`'s itab: each fun[i] is the entry
 * of `want`'s method for interface method i, or runtime.unreachableMethod
 * (from Go 1.17 the linker points methods nothing calls there:
 * https://github.com/golang/go/blob/go1.17/src/cmd/link/internal/ld/deadcode.go).
 * At least one real method, or else the pointer type's package path, must
 * name `want`'s package, since reflect strings carry only its name.
 */
function confirmedBy(pcln: Pclntab, t: DecodedItab, want: GoTypeName): boolean {
  if (t.pkgPath !== undefined && t.pkgPath !== '' && t.pkgPath !== want.path) return false;
  let real = 0;
  for (let i = 0; i < t.funs.length; i++) {
    const fn = pcln.functionAt(t.funs[i]!);
    if (!fn || fn.entry !== t.funs[i]) return false;
    if (fn.name === 'runtime.unreachableMethod') continue;
    if (!methodNames(want, t.methods[i]!).includes(fn.name)) return false;
    real++;
  }
  return real > 0 || t.pkgPath === want.path;
}

/**
 * Finds the itab of `concrete` for `iface` through moduledata.itablinks.
 * Every candidate is checked against the pclntab; more than one survivor, or a
 * table that does not decode, gives {why}, never a guess.
 */
export function findItabInRuntime(bin: GoBinary, concrete: string, iface: string): RuntimeItab {
  const want = splitTypeName(concrete), wantIface = splitTypeName(iface);
  if (!want || !wantIface || wantIface.star) return { why: `${concrete} / ${iface} are not Go type names like *net.TCPConn / net.Conn` };
  const all = runtimeItabs(bin);
  if ('why' in all) return all;
  if (all.undecodable > 0 && all.itabs.length === 0) {
    return { why: `none of the ${all.undecodable} itablinks entries decodes; the binary looks corrupted` };
  }
  const pcln = bin.pclntab;
  let hits = all.itabs.filter((t) => t.isInterface && t.funs.length > 0 && stringMatches(t.iface, wantIface) &&
    stringMatches(t.concrete, want) && confirmedBy(pcln, t, want));
  // Reflect strings carry package names, not paths, so matching allows any name (a vendored or renamed
  // package). When that leaves several (*bufio.Reader for io.Reader and for compress/flate's Reader),
  // the one whose package names are the paths' last elements is the one meant, if it is alone.
  if (hits.length > 1) {
    const exact = hits.filter((t) => pkgNameIs(t.iface, wantIface) && pkgNameIs(t.concrete, want));
    if (exact.length === 1) hits = exact;
  }
  if (hits.length > 1) return { why: `${hits.length} itabs match ${concrete},${iface}; refusing to guess` };
  if (hits.length === 0) return { why: `no ${concrete} itab for ${iface} in moduledata.itablinks (the program never converts a ${concrete} to ${iface})` };
  return { symbol: 'itablinks', address: hits[0]!.address };
}

/**
 * Names carry a uvarint length from Go 1.17 (https://go.dev/cl/318249,
 * runtime/type.go name.readVarint) and a 2-byte big-endian one before. The
 * pclntab magic settles it except for 1.16-magic tables (Go 1.16 and 1.17),
 * where the build info's version decides.
 */
function usesVarintNames(bin: GoBinary, pclnVersion: string): boolean {
  if (pclnVersion === '1.2') return false;
  if (pclnVersion !== '1.16') return true;
  let v;
  try {
    v = bin.goVersion;
  } catch {
    v = undefined;
  }
  return v !== undefined && goAtLeast(v, 1, 17);
}
