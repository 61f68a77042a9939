// The public face of the DWARF reader: functions, structs and type sizes by
// their full Go names, read lazily. Opening costs one unit header; the first
// lookup walks every unit once to index names (see name-index.ts); each
// lookup then decodes only the DIEs it needs. Every failure is a
// GotraceError: ERR_DWARF_MALFORMED for inconsistent bytes,
// ERR_DWARF_UNSUPPORTED for constructs this reader does not handle.
import { asBinaryError, BinaryFormatError, GotraceError } from '../../errors';
import type { ElfFile } from '../elf';
import { DwarfContext } from './context';
import { decodeFunction } from './functions';
import { DwarfStruct, DwarfFunction, DwarfParam } from './model';
import { buildIndex, NameIndex } from './name-index';
import { DwarfReader } from './reader';
import { DwarfSections, SectionLoader } from './sections';
import { TypeResolver } from './types';
import { DwarfStats, readUnitHeader } from './unit';

export type { DwarfField, DwarfFunction, DwarfParam, DwarfStruct } from './model';
export type { DwarfStats } from './unit';
export type { DwarfSectionName, SectionLoader } from './sections';

export class Dwarf {
  /** The DWARF version of the first unit (Go ≤1.24 writes 4, Go ≥1.25 writes 5). */
  readonly version: number;
  private readonly ctx: DwarfContext;
  private readonly types: TypeResolver;
  private index: NameIndex | undefined;

  private constructor(sections: DwarfSections) {
    this.ctx = new DwarfContext(sections);
    this.types = new TypeResolver(this.ctx);
    this.version = this.guard('reading the first unit header', () => {
      const info = sections.require('.debug_info');
      return readUnitHeader(new DwarfReader(info, 0, info.length, '.debug_info', sections.file)).version;
    });
  }

  /** The binary's DWARF, or undefined when it has no .debug_info (stripped, `-ldflags=-w`). */
  static fromElf(elf: ElfFile): Dwarf | undefined {
    if (!elf.section('.debug_info') && !elf.section('.zdebug_info')) return undefined;
    return Dwarf.fromSections((name) => elf.sectionData(name), elf.path);
  }

  /** DWARF from any source of section bytes (tests build them by hand). */
  static fromSections(load: SectionLoader, file?: string): Dwarf | undefined {
    const sections = new DwarfSections(load, file);
    const info = sections.get('.debug_info');
    if (!info || info.length === 0) return undefined;
    return new Dwarf(sections);
  }

  /** Counters showing how much work lookups did; for tests and benchmarks. */
  get stats(): Readonly<DwarfStats> {
    return { ...this.ctx.stats };
  }

  /** A function by its full linker name, e.g. 'main.Divide' or 'crypto/tls.(*Conn).Write'. */
  function(name: string): DwarfFunction | undefined {
    return this.guard(`reading function ${name}`, () => {
      const idx = this.names();
      let off = idx.functions.get(name);
      if (off === undefined) {
        const abs = idx.abstract.get(name);
        off = abs === undefined ? undefined : idx.concreteOf.get(abs);
      }
      if (off === undefined) return this.miss(idx, `function ${name}`);
      const fn = decodeFunction(this.ctx, this.types, off);
      return fn && { ...fn, name };
    });
  }

  /**
   * A function's parameters with their locations at `retPc`, the address of
   * one of its RET instructions (the caller finds those): where a RET probe
   * can still read an argument, e.g. from the stack slot it was spilled to.
   * Stack offsets are from SP, as at entry: at a RET, SP is back to its value
   * at entry. Any other PC inside the function would give wrong offsets.
   */
  paramsAtReturn(name: string, retPc: number): readonly DwarfParam[] | undefined {
    return this.guard(`reading function ${name} at 0x${retPc.toString(16)}`, () => {
      const idx = this.names();
      let off = idx.functions.get(name);
      if (off === undefined) {
        const abs = idx.abstract.get(name);
        off = abs === undefined ? undefined : idx.concreteOf.get(abs);
      }
      if (off === undefined) return this.miss(idx, `function ${name}`);
      return decodeFunction(this.ctx, this.types, off, retPc)?.params;
    });
  }

  /** A struct by its Go name, e.g. 'crypto/tls.Conn' or 'runtime.g'; typedefs are followed. */
  struct(name: string): DwarfStruct | undefined {
    return this.guard(`reading struct ${name}`, () => {
      const idx = this.names();
      for (const off of idx.types.get(name) ?? []) {
        const s = this.types.struct(off);
        if (s) return s;
      }
      return this.miss(idx, `struct ${name}`);
    });
  }

  /** The byte size of a named type, through typedefs; pointers are the address size. */
  typeSize(name: string): number | undefined {
    return this.guard(`reading the size of ${name}`, () => {
      const idx = this.names();
      for (const off of idx.types.get(name) ?? []) {
        const n = this.types.size(off);
        if (n !== undefined) return n;
      }
      return this.miss(idx, `type ${name}`);
    });
  }

  private names(): NameIndex {
    this.index ??= buildIndex(this.ctx);
    return this.index;
  }

  /**
   * Not found. When some unit could not be read, the answer might have been
   * there, so the miss is reported as the damage rather than as absence.
   */
  private miss(idx: NameIndex, what: string): undefined {
    const first = idx.damaged[0];
    if (first) {
      throw new BinaryFormatError(first.code, `${what} is not in the readable units, and ${idx.damaged.length} unit(s) could not be read; the first: ${first.message}`, { cause: first, file: this.ctx.file });
    }
    return undefined;
  }

  private guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof GotraceError) throw e;
      throw asBinaryError(e, 'ERR_DWARF_MALFORMED', `DWARF: ${what}`, this.ctx?.file);
    }
  }
}
