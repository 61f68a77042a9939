// Type DIEs → Go type names, sizes and struct layouts. Go's linker names
// every type DIE with its Go spelling (pointers '*T', slices '[]T', maps
// 'map[K]V'; https://go.dev/src/cmd/link/internal/ld/dwarf.go), so a name is
// usually just DW_AT_name. The fallbacks below only matter for other
// producers (C: unnamed pointers, qualifiers), and spell those Go-style.
import { AT, OP, TAG } from './constants';
import { DwarfContext } from './context';
import { constant, Die, flag, forEachChild, ref } from './die';
import { DwarfField, DwarfStruct } from './model';
import { DwarfReader, malformed, unsupported } from './reader';

/** Longer chains of unnamed types / typedefs than this are taken as a cycle. */
const MAX_CHAIN = 32;

const STRUCT_TAGS: ReadonlySet<number> = new Set([TAG.structure_type, TAG.union_type, TAG.class_type]);
const TRANSPARENT: ReadonlySet<number> = new Set([TAG.typedef, TAG.const_type, TAG.volatile_type, TAG.restrict_type]);

export class TypeResolver {
  private readonly names = new Map<number, string>();

  constructor(private readonly ctx: DwarfContext) {}

  private chain(depth: number, offset: number): void {
    if (depth > MAX_CHAIN) throw malformed(`type chain at 0x${offset.toString(16)} is longer than ${MAX_CHAIN} (a reference cycle?)`, this.ctx.file);
  }

  name(offset: number, depth = 0): string {
    const hit = this.names.get(offset);
    if (hit !== undefined) return hit;
    this.chain(depth, offset);
    const die = this.ctx.die(offset);
    const n = die.unit.string(die.attrs.get(AT.name)) ?? this.unnamed(die, depth);
    this.names.set(offset, n);
    return n;
  }

  private target(die: Die, depth: number): string | undefined {
    const t = ref(die.attrs.get(AT.type));
    return t === undefined ? undefined : this.name(t, depth + 1);
  }

  private unnamed(die: Die, depth: number): string {
    if (die.tag === TAG.pointer_type) return `*${this.target(die, depth) ?? 'void'}`;
    if (TRANSPARENT.has(die.tag)) return this.target(die, depth) ?? 'void';
    if (die.tag === TAG.array_type) return `[${this.arrayCount(die) ?? ''}]${this.target(die, depth) ?? '?'}`;
    if (die.tag === TAG.subroutine_type) return 'func';
    if (die.tag === TAG.structure_type || die.tag === TAG.class_type) return 'struct {…}';
    if (die.tag === TAG.union_type) return 'union {…}';
    return '?';
  }

  /** Element count of a one-dimensional array: its subrange's count or upper bound + 1. */
  private arrayCount(die: Die): number | undefined {
    let count: number | undefined;
    forEachChild(die, (off) => {
      if (count !== undefined) return;
      const sub = this.ctx.die(off);
      const c = constant(sub.attrs.get(AT.count));
      const ub = constant(sub.attrs.get(AT.upper_bound));
      count = c ?? (ub !== undefined ? ub + 1 : undefined);
    });
    return count;
  }

  /** Byte size: DW_AT_byte_size, an address for pointers, through typedefs and qualifiers. */
  size(offset: number, depth = 0): number | undefined {
    this.chain(depth, offset);
    const die = this.ctx.die(offset);
    const bs = constant(die.attrs.get(AT.byte_size));
    if (bs !== undefined) return bs;
    if (die.tag === TAG.pointer_type) return die.unit.addrSize;
    const t = ref(die.attrs.get(AT.type));
    if (t === undefined) return undefined;
    if (TRANSPARENT.has(die.tag)) return this.size(t, depth + 1);
    if (die.tag === TAG.array_type) {
      const n = this.arrayCount(die), elem = this.size(t, depth + 1);
      return n !== undefined && elem !== undefined ? n * elem : undefined;
    }
    return undefined;
  }

  /** The struct at `offset`, through typedefs; undefined when it is not a complete struct. */
  struct(offset: number, depth = 0): DwarfStruct | undefined {
    this.chain(depth, offset);
    const die = this.ctx.die(offset);
    if (TRANSPARENT.has(die.tag)) {
      const t = ref(die.attrs.get(AT.type));
      return t === undefined ? undefined : this.struct(t, depth + 1);
    }
    if (!STRUCT_TAGS.has(die.tag) || flag(die.attrs.get(AT.declaration))) return undefined;
    const size = constant(die.attrs.get(AT.byte_size));
    if (size === undefined) return undefined;
    const fields: DwarfField[] = [];
    forEachChild(die, (off, ab) => {
      if (ab.tag === TAG.member) fields.push(this.field(this.ctx.die(off)));
    });
    return { name: this.name(offset), size, fields };
  }

  private field(m: Die): DwarfField {
    const t = ref(m.attrs.get(AT.type));
    return {
      name: m.unit.string(m.attrs.get(AT.name)) ?? '',
      offset: this.memberOffset(m),
      type: t === undefined ? '?' : this.name(t),
      embedded: flag(m.attrs.get(AT.go_embedded_field)),
    };
  }

  /**
   * DW_AT_data_member_location is a constant (Go, DWARF ≥3) or, in older
   * output, an expression `DW_OP_plus_uconst N`. Union members omit it (0).
   * A bit field's byte is its DW_AT_data_bit_offset / 8.
   */
  private memberOffset(m: Die): number {
    const v = m.attrs.get(AT.data_member_location);
    if (v === undefined) {
      const bits = constant(m.attrs.get(AT.data_bit_offset));
      return bits === undefined ? 0 : Math.floor(bits / 8);
    }
    if (v.kind === 'const') return v.value;
    if (v.kind === 'block') {
      const r = new DwarfReader(this.ctx.sections.require('.debug_info'), v.start, v.end, '.debug_info', this.ctx.file);
      const op = r.u8();
      const n = op === OP.plus_uconst || op === OP.constu ? r.uleb() : undefined;
      if (n !== undefined && r.remaining === 0) return n;
    }
    throw unsupported(`member at 0x${m.offset.toString(16)} has a data_member_location gotrace does not evaluate`, this.ctx.file);
  }
}
