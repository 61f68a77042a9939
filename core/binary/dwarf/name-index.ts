// The lazy name index: one walk over every unit that records, for DIEs that
// are direct children of a unit root (where Go puts every function and named
// type), only name → DIE offset. Nothing else is kept; values of all other
// DIEs are stepped over by abbreviation (a single add when fixed-size).
import { GotraceError } from '../../errors';
import { Abbrev } from './abbrev';
import { AT, TAG, TYPE_TAGS } from './constants';
import { DwarfContext } from './context';
import { readAbbrev, skipValues } from './die';
import { AttrValue, readForm, skipForm } from './forms';
import { DwarfReader } from './reader';
import { Unit } from './unit';

export interface NameIndex {
  /** Subprograms with code (a low_pc or ranges) and their own name. */
  readonly functions: ReadonlyMap<string, number>;
  /** Abstract subprograms (inlined somewhere) by name; their code may be in a concrete DIE. */
  readonly abstract: ReadonlyMap<string, number>;
  /** Abstract subprogram offset → its out-of-line concrete instance. */
  readonly concreteOf: ReadonlyMap<number, number>;
  /** Named type DIEs, in section order (Go emits e.g. a struct and a typedef of one name). */
  readonly types: ReadonlyMap<string, readonly number[]>;
  /** Units that could not be walked: a miss may be hiding in them. */
  readonly damaged: readonly GotraceError[];
}

interface Picked {
  name: AttrValue | undefined;
  origin: AttrValue | undefined;
  hasCode: boolean;
  declaration: boolean;
}

/** Reads only the few values the index needs; skips the rest. */
function pick(r: DwarfReader, ab: Abbrev, unit: Unit): Picked {
  const p: Picked = { name: undefined, origin: undefined, hasCode: false, declaration: false };
  const { attrs, forms } = ab;
  for (let i = 0; i < attrs.length; i++) {
    const at = attrs[i]!;
    switch (at) {
      case AT.name:
        p.name = readForm(r, forms[i]!, unit, unit.offset, ab.implicit[i]!);
        break;
      case AT.abstract_origin: case AT.specification:
        p.origin = readForm(r, forms[i]!, unit, unit.offset, ab.implicit[i]!);
        break;
      case AT.declaration: {
        const v = readForm(r, forms[i]!, unit, unit.offset, ab.implicit[i]!);
        p.declaration = v.kind === 'const' && v.value !== 0;
        break;
      }
      case AT.low_pc: case AT.ranges: case AT.entry_pc:
        p.hasCode = true;
        skipForm(r, forms[i]!, unit);
        break;
      default:
        skipForm(r, forms[i]!, unit);
    }
  }
  return p;
}

class IndexBuilder {
  readonly functions = new Map<string, number>();
  readonly abstract = new Map<string, number>();
  readonly concreteOf = new Map<number, number>();
  readonly types = new Map<string, number[]>();
  readonly damaged: GotraceError[] = [];

  add(unit: Unit, off: number, tag: number, p: Picked): void {
    const name = p.name ? unit.string(p.name) : undefined;
    if (tag === TAG.subprogram) {
      if (p.declaration) return;
      if (p.hasCode && p.origin?.kind === 'ref' && !this.concreteOf.has(p.origin.offset)) this.concreteOf.set(p.origin.offset, off);
      if (name === undefined) return;
      if (p.hasCode) {
        if (!this.functions.has(name)) this.functions.set(name, off);
      } else if (!this.abstract.has(name)) {
        this.abstract.set(name, off);
      }
      return;
    }
    if (name === undefined || p.declaration) return;
    const list = this.types.get(name);
    if (list) list.push(off);
    else this.types.set(name, [off]);
  }

  scan(unit: Unit): void {
    const root = unit.root;
    if (!root.hasChildren) return;
    const r = unit.reader(root.end);
    let depth = 1;
    while (r.pos < unit.end && depth > 0) {
      const off = r.pos;
      const ab = readAbbrev(r, unit);
      if (!ab) {
        depth--;
        continue;
      }
      unit.stats.diesScanned++;
      if (depth === 1 && (ab.tag === TAG.subprogram || TYPE_TAGS.has(ab.tag))) this.add(unit, off, ab.tag, pick(r, ab, unit));
      else skipValues(r, ab, unit);
      if (ab.hasChildren) depth++;
    }
  }
}

/** Walks every unit once. A unit that fails is recorded, and the walk goes on to the next. */
export function buildIndex(ctx: DwarfContext): NameIndex {
  const b = new IndexBuilder();
  for (const h of ctx.headers()) {
    try {
      b.scan(ctx.unit(h));
      ctx.stats.unitsScanned++;
    } catch (e) {
      if (!(e instanceof GotraceError)) throw e;
      b.damaged.push(e);
    }
  }
  const broken = ctx.brokenChain;
  if (broken) b.damaged.push(broken);
  return b;
}
