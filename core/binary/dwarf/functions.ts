// A subprogram DIE → name, code range and parameters with their locations at
// the entry PC. Go emits two shapes (https://go.dev/src/cmd/internal/dwarf/dwarf.go):
// - a plain function: DW_AT_name, low_pc/high_pc, DW_TAG_formal_parameter
//   children with name, type, DW_AT_variable_parameter (set for results) and
//   a location (exprloc under ABI0, a location list under the register ABI);
// - an out-of-line copy of a function that is also inlined elsewhere: a
//   concrete DIE with DW_AT_abstract_origin → the abstract DIE holding name and
//   parameter names/types, whose own children point at abstract parameters.
import { AT, TAG } from './constants';
import { DwarfContext } from './context';
import { Die, flag, forEachChild, ref } from './die';
import { AttrValue } from './forms';
import { locationExprAt, rangesOf } from './lists';
import { evaluateLocation, frameBaseAtEntry } from './location';
import { DwarfFunction, DwarfParam } from './model';
import { DwarfReader, malformed } from './reader';
import { TypeResolver } from './types';

/** abstract_origin chains are one hop in practice; more than this is a cycle. */
const MAX_ORIGIN_HOPS = 4;

/** The DIE and the DIEs it inherits from through DW_AT_abstract_origin / DW_AT_specification. */
function lineage(ctx: DwarfContext, die: Die): Die[] {
  const out = [die];
  let cur = die;
  for (let i = 0; i < MAX_ORIGIN_HOPS; i++) {
    const o = ref(cur.attrs.get(AT.abstract_origin)) ?? ref(cur.attrs.get(AT.specification));
    if (o === undefined) return out;
    cur = ctx.die(o);
    out.push(cur);
  }
  throw malformed(`DIE at 0x${die.offset.toString(16)} has an abstract_origin chain longer than ${MAX_ORIGIN_HOPS}`, ctx.file);
}

function inherited(dies: readonly Die[], at: number): AttrValue | undefined {
  for (const d of dies) {
    const v = d.attrs.get(at);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** [lowPc, highPc): low_pc with high_pc as an address or (DWARF ≥4) a length; else DW_AT_ranges. */
function codeRange(die: Die): [number, number] | undefined {
  const u = die.unit;
  const low = u.address(die.attrs.get(AT.low_pc));
  const hv = die.attrs.get(AT.high_pc);
  if (low !== undefined) {
    const high = hv?.kind === 'const' ? low + hv.value : u.address(hv);
    return high === undefined ? undefined : [low, high];
  }
  const rv = die.attrs.get(AT.ranges);
  const ranges = rv ? rangesOf(u, rv) : [];
  if (ranges.length === 0) return undefined;
  // The entry is DW_AT_entry_pc when given, else the first range's start (DWARF 5 §2.18).
  const entry = u.address(die.attrs.get(AT.entry_pc)) ?? ranges[0]![0];
  return [entry, ranges.reduce((m, r) => Math.max(m, r[1]), entry)];
}

function exprReader(die: Die, v: AttrValue): DwarfReader | undefined {
  if (v.kind !== 'block') return undefined;
  return new DwarfReader(die.unit.sections.require('.debug_info'), v.start, v.end, '.debug_info', die.unit.file);
}

/**
 * Parameter locations are those at the entry PC, or at `pc` when given: it
 * must be the entry or a RET, where SP is what it was at entry (RET pops the
 * address CALL pushed), so stack offsets keep their meaning. A `pc` outside
 * the function gives undefined.
 */
export function decodeFunction(ctx: DwarfContext, types: TypeResolver, offset: number, pc?: number): DwarfFunction | undefined {
  const die = ctx.die(offset);
  if (die.tag !== TAG.subprogram) throw malformed(`index entry 0x${offset.toString(16)} is not a subprogram (tag 0x${die.tag.toString(16)})`, ctx.file);
  const dies = lineage(ctx, die);
  const unit = die.unit;
  const range = codeRange(die);
  if (!range) return undefined;
  const [lowPc, highPc] = range;
  if (pc !== undefined && (pc < lowPc || pc >= highPc)) return undefined;
  const at = pc ?? lowPc;
  const fbAttr = die.attrs.get(AT.frame_base);
  const fbExpr = fbAttr === undefined ? undefined : exprReader(die, fbAttr) ?? locationExprAt(unit, fbAttr, at);
  const frameBase = fbExpr ? frameBaseAtEntry(fbExpr, unit.addrSize) : undefined;

  const paramOffsets: number[] = [];
  forEachChild(die, (off, ab) => {
    if (ab.tag === TAG.formal_parameter) paramOffsets.push(off);
  });
  const params: DwarfParam[] = [];
  for (const off of paramOffsets) {
    const p = ctx.die(off);
    const pd = lineage(ctx, p);
    const t = ref(inherited(pd, AT.type));
    const loc = p.attrs.get(AT.location);
    const expr = loc === undefined ? undefined : locationExprAt(p.unit, loc, at);
    params.push({
      name: p.unit.string(inherited(pd, AT.name)) ?? '',
      type: t === undefined ? '?' : types.name(t),
      isResult: flag(inherited(pd, AT.variable_parameter)),
      location: expr ? evaluateLocation(expr, frameBase, p.unit.addrSize) : undefined,
    });
  }
  const name = unit.string(inherited(dies, AT.name)) ?? '';
  return { name, lowPc, highPc, params: dedupe(params) };
}

/**
 * Go 1.18–1.21 emit some formal parameters twice (typically results ~r0, ~r1;
 * https://github.com/golang/go/issues/61357). A Go signature cannot repeat a
 * name other than '_', so a repeated name is that bug: keep the first.
 */
function dedupe(params: DwarfParam[]): DwarfParam[] {
  const seen = new Set<string>();
  return params.filter((p) => {
    if (p.name === '_' || p.name === '') return true;
    if (seen.has(p.name)) return false;
    seen.add(p.name);
    return true;
  });
}
