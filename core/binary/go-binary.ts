// One Go executable and the facts gotrace reads from it. Each reader runs on
// first use and is cached, so asking only for the version never decodes
// DWARF. Everything here is a pure function of the file's bytes.
import { ElfFile } from './elf';
import { readBuildInfo, type BuildInfo } from './buildinfo';
import { parseGoVersion, usesRegisterAbi, type GoVersion } from './go-version';
import { readPclntab, type GoFunction, type Pclntab } from './pclntab';
import { Dwarf } from './dwarf/dwarf';
import { findReturnSites, type ReturnSite } from './return-sites';
import { BinaryFormatError, GotraceError, asBinaryError } from '../errors';

export type AbiKind = 'register' | 'stack';

export interface ResolvedFunction extends GoFunction {
  /** Where the entry and size came from. */
  readonly source: 'symtab' | 'pclntab';
}

export class GoBinary {
  readonly elf: ElfFile;
  private cached: { buildInfo?: BuildInfo; pclntab?: Pclntab; dwarf?: Dwarf | null; symFuncs?: Map<string, GoFunction> } = {};

  constructor(readonly path: string, buf: Buffer) {
    this.elf = ElfFile.parse(buf, path);
    if (!this.hasGoData()) {
      throw new BinaryFormatError('ERR_NOT_GO', 'not a Go executable (no .gopclntab and no .go.buildinfo); gotrace traces Go programs only', { file: path });
    }
  }

  /** Cheap section checks first; else a Go function table the pclntab reader can find (by symbol or scan). */
  private hasGoData(): boolean {
    const e = this.elf;
    if (e.section('.gopclntab') || e.section('.data.rel.ro.gopclntab') || e.section('.go.buildinfo')) return true;
    try {
      this.cached.pclntab = readPclntab(e);
      return true;
    } catch {
      return false;
    }
  }

  get buildInfo(): BuildInfo {
    return (this.cached.buildInfo ??= this.guard('ERR_BUILDINFO_MALFORMED', 'build info', () => readBuildInfo(this.elf, this.pclntabOrUndefined())));
  }

  get goVersion(): GoVersion | undefined {
    return parseGoVersion(this.buildInfo.goVersion);
  }

  /** Go on amd64 passes arguments in registers from 1.17 (ABIInternal), on the stack before (ABI0). */
  get abi(): AbiKind {
    const v = this.goVersion;
    return v && !usesRegisterAbi(v) ? 'stack' : 'register';
  }

  get pclntab(): Pclntab {
    return (this.cached.pclntab ??= this.guard('ERR_PCLNTAB_MALFORMED', 'pclntab', () => readPclntab(this.elf)));
  }

  private pclntabOrUndefined(): Pclntab | undefined {
    try {
      return this.pclntab;
    } catch {
      return undefined;
    }
  }

  get dwarf(): Dwarf | undefined {
    if (this.cached.dwarf === undefined) {
      this.cached.dwarf = this.guard('ERR_DWARF_MALFORMED', 'DWARF', () => Dwarf.fromElf(this.elf)) ?? null;
    }
    return this.cached.dwarf ?? undefined;
  }

  get hasDwarf(): boolean {
    return this.elf.section('.debug_info') !== undefined || this.elf.section('.zdebug_info') !== undefined;
  }

  private symtabFunctions(): Map<string, GoFunction> {
    if (!this.cached.symFuncs) {
      const m = new Map<string, GoFunction>();
      for (const s of this.elf.symbols()) {
        if (s.type === 2 && s.name && !m.has(s.name)) m.set(s.name, { name: s.name, entry: s.value, end: s.value + s.size });
      }
      this.cached.symFuncs = m;
    }
    return this.cached.symFuncs;
  }

  /**
   * A function by its full linker name. `.symtab` is used when present, and
   * then it must agree with the pclntab on the entry address: the two are
   * independent records of the same layout, and a disagreement means one of
   * them is corrupted (or the file was rewritten), so no probe may be placed.
   */
  findFunction(name: string): ResolvedFunction | undefined {
    const fromPcln = this.pclntab.lookup(name);
    const fromSym = this.symtabFunctions().get(name);
    if (fromSym && fromPcln && fromSym.entry !== fromPcln.entry) {
      throw new BinaryFormatError('ERR_PCLNTAB_MALFORMED',
        `${name}: .symtab says entry 0x${fromSym.entry.toString(16)} but pclntab says 0x${fromPcln.entry.toString(16)}; the file is inconsistent, refusing to use it`, { file: this.path });
    }
    if (fromSym && fromSym.end > fromSym.entry) return { ...fromSym, source: 'symtab' };
    if (fromPcln) return { ...fromPcln, source: 'pclntab' };
    return undefined;
  }

  fileOffset(vaddr: number): number {
    return this.elf.vaddrToFileOffset(vaddr);
  }

  returnSites(fn: GoFunction): ReturnSite[] {
    return findReturnSites(this.elf, fn.entry, fn.end);
  }

  /** Runs a reader and turns any low-level failure into a typed error naming this file. */
  private guard<T>(code: 'ERR_BUILDINFO_MALFORMED' | 'ERR_PCLNTAB_MALFORMED' | 'ERR_DWARF_MALFORMED', what: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof GotraceError) throw e;
      throw asBinaryError(e, code, `corrupted ${what}`, this.path);
    }
  }
}
