// The assigner against DWARF, the compiler's own account of where each
// parameter is at the entry PC, read through llvm-dwarfdump. Signatures are
// rebuilt from DWARF's formal parameters (names and Go type names) and named
// types get their layout from DWARF too, through a TypeResolver.
//
// Register ABI: Go 1.19 fixtures (params; DWARF gives results no location at
// entry). Stack ABI: esbuild built with Go 1.13 (params and results).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignLocations, type Abi, type AssignedValue } from './assign';
import { parseSignature, type GoParam, type GoSignature } from './signature';
import { formatType, layoutOf, structLayout, underlying, type GoType, type TypeResolver } from './types';
import { DwarfText, normalize, type DwarfFunction, type DwarfParam } from './testing/llvm-dwarfdump';
import { formatLocation, type LocationPiece, type ValueLocation } from '../location';
import { fixture, realBinary, requireBinary } from '../../../test/support/binaries';

type Verdict = 'exact' | 'optimized-out' | 'stack-pieces' | 'dwarf-inconsistent' | 'mismatch';

/**
 * The signature DWARF describes, as Go source, so the parser is exercised on
 * DWARF's type names. Method wrappers the compiler generates (promoted
 * methods of embedded fields, (*T).M for a value method) have no receiver in
 * DWARF; the receiver still comes first, so it is restored from the name.
 */
function signatureSource(f: DwarfFunction, resolve: TypeResolver): string {
  const decl = (p: DwarfParam): string => `${p.name || '_'} ${p.typeName}`;
  const params = f.params.filter((p) => !p.isResult), results = f.params.filter((p) => p.isResult);
  const list = `(${params.map(decl).join(', ')}) (${results.map(decl).join(', ')})`;
  let recv: string | undefined;
  const ptr = /^(.*)\.\(\*([^()]+)\)\.[^.]+$/.exec(f.name);
  const val = /^(.*)\.([^./()[\]]+)\.[^./()]+$/.exec(f.name);
  // A method value wrapper (`-fm`) is a closure: its receiver comes in the closure context, not as an argument.
  if (f.name.endsWith('-fm')) recv = undefined;
  // `go.(*struct { … }).M` wraps a method of an unnamed type, whose name has no package.
  else if (ptr) recv = ptr[1] === 'go' ? `*${ptr[2]}` : `*${ptr[1]}.${ptr[2]}`;
  // go.struct { … }.M: a value method of an unnamed struct type.
  else if (/^go\.(struct \{.*\})\.[^.]+$/.test(f.name)) recv = /^go\.(struct \{.*\})\./.exec(f.name)![1];
  // pkg.T.M, told apart from a closure pkg.F.func1 by T being a type.
  else if (val && resolve(`${val[1]}.${val[2]}`)) recv = `${val[1]}.${val[2]}`;
  if (recv && params[0]?.typeName !== recv) return `func (~p0 ${recv}) M${list}`;
  return `func${list}`;
}

/** Every sub-object of a type as (offset, size): the granularity DWARF pieces use for values in memory. */
function components(t: GoType, resolve: TypeResolver, base = 0, out = new Set<string>()): Set<string> {
  const { size } = layoutOf(t, resolve);
  out.add(`${base}:${size}`);
  const u = underlying(t, resolve);
  const words = (n: number): void => { for (let i = 0; i < n; i++) out.add(`${base + 8 * i}:8`); };
  if (u.kind === 'basic' && u.name === 'string') words(2);
  if (u.kind === 'basic' && u.name.startsWith('complex')) { out.add(`${base}:${size / 2}`); out.add(`${base + size / 2}:${size / 2}`); }
  if (u.kind === 'slice') words(3);
  if (u.kind === 'interface') words(2);
  if (u.kind === 'array') for (let i = 0; i < u.length; i++) components(u.elem, resolve, base + i * layoutOf(u.elem, resolve).size, out);
  if (u.kind === 'struct') {
    const { offsets } = structLayout(u.fields, resolve);
    u.fields.forEach((f, i) => components(f.type, resolve, base + offsets[i]!, out));
  }
  return out;
}

const piecesOf = (l: ValueLocation, size: number): LocationPiece[] =>
  (l.kind === 'pieces' ? [...l.pieces] : [{ size, location: l }]);

/**
 * How our location compares with DWARF's. `others` are the stack ranges
 * [from, to) of the function's other values: a piece there at entry is a
 * DWARF error (the slot belongs to another argument or result).
 */
function judge(ours: AssignedValue, dwarfLoc: ValueLocation, type: GoType, resolve: TypeResolver, others: readonly [number, number][]): Verdict {
  const want = normalize(dwarfLoc)!;
  if (formatLocation(want) === formatLocation(ours.location)) return 'exact';
  if (!ours.location) return 'mismatch';
  const theirs = piecesOf(dwarfLoc, ours.size);
  if (theirs.reduce((n, p) => n + p.size, 0) > ours.size) return 'dwarf-inconsistent';
  if (ours.location.kind === 'stack') {
    // Go's DWARF leaves out padding and dead fields of values in memory
    // (reflect.Value.Bool gives only v.ptr and v.flag): each piece it gives
    // must still be a sub-object at its offset from ours, in order.
    const base = ours.location.offset, parts = components(type, resolve);
    // Go ≤1.13 writes a value of which one field is live as that field's bare
    // location, without DW_OP_piece (runtime.(*mTreap).erase's i): its size is unknown.
    const bare = dwarfLoc.kind !== 'pieces';
    let prev = -1;
    for (const p of theirs) {
      if (!p.location) continue;
      if (p.location.kind !== 'stack') return 'mismatch';
      const at = p.location.offset, len = bare ? 1 : p.size;
      if (others.some(([a, b]) => at < b && at + len > a)) return 'dwarf-inconsistent';
      if (at - base < prev || ![...parts].some((c) => bare ? c.startsWith(`${at - base}:`) : c === `${at - base}:${p.size}`)) return 'mismatch';
      prev = at - base + len;
    }
    return 'stack-pieces';
  }
  // Registers: Go's optimized DWARF omits padding pieces, and a piece with no
  // location means the compiler found that part dead ("optimized out").
  const mine = piecesOf(ours.location, ours.size).filter((p) => p.location);
  if (mine.length !== theirs.length) return 'mismatch';
  const ok = mine.every((p, i) => p.size === theirs[i]!.size && (!theirs[i]!.location || formatLocation(p.location as ValueLocation) === formatLocation(theirs[i]!.location as ValueLocation)));
  return ok ? 'optimized-out' : 'mismatch';
}

/**
 * Registers DWARF gives at entry to two params, or to two parts of one:
 * they cannot all be right (a known class of Go DWARF bugs, e.g.
 * fmt.(*fmt).pad's b in rbx twice).
 */
function doubleClaimed(f: DwarfFunction): Set<string> {
  const seen = new Set<string>(), out = new Set<string>();
  for (const p of f.params) {
    if (p.isResult || !p.location) continue;
    for (const piece of piecesOf(p.location, 0)) {
      if (piece.location?.kind !== 'register') continue;
      if (seen.has(piece.location.register)) out.add(piece.location.register);
      seen.add(piece.location.register);
    }
  }
  return out;
}

interface Tally {
  compared: number;
  verdicts: Record<Verdict, number>;
  noLocation: number;
  /** Functions that matched only once DWARF's missing blank (`_`) params were put back. */
  blanksRestored: number;
  mismatches: string[];
  /** A few of the values set aside as DWARF errors, shown so a reader can judge them. */
  inconsistentSamples: string[];
}

interface Judged { readonly p: DwarfParam; readonly ours: AssignedValue; readonly verdict: Verdict }

/** Judges every DWARF param that has a location at entry, with `k` pointer-sized blank params inserted at `at`. */
function judgeAll(f: DwarfFunction, sig: GoSignature, abi: Abi, resolve: TypeResolver, at: number, k: number): Judged[] {
  const blank: GoParam = { name: '_', type: { kind: 'basic', name: 'unsafe.Pointer' } };
  const params = [...sig.params.slice(0, at), ...Array<GoParam>(k).fill(blank), ...sig.params.slice(at)];
  const values = assignLocations({ ...sig, params }, abi, resolve);
  const types = [...(sig.receiver ? [sig.receiver] : []), ...params, ...sig.results].map((q) => q.type); // the order of values
  const recv = sig.receiver && f.params[0]?.typeName !== formatType(sig.receiver.type) ? 1 : 0; // restored, not in DWARF
  const bad = doubleClaimed(f);
  const out: Judged[] = [];
  f.params.forEach((p, i) => {
    if ((p.isResult && abi === 'register') || !p.location) return;
    const j = i + recv + (p.isResult || i - (sig.receiver && !recv ? 1 : 0) >= at ? k : 0);
    const ours = values[j]!;
    const others = values.filter((o) => o !== ours && o.location?.kind === 'stack')
      .map((o): [number, number] => [(o.location as { offset: number }).offset, (o.location as { offset: number }).offset + o.size]);
    let verdict = judge(ours, p.location, types[j]!, resolve, others);
    if (verdict === 'mismatch' && piecesOf(p.location, 0).some((q) => q.location?.kind === 'register' && bad.has(q.location.register))) verdict = 'dwarf-inconsistent';
    out.push({ p, ours, verdict });
  });
  return out;
}

/**
 * Compares one function. Go's DWARF leaves out blank (`_`) parameters
 * (net/http.http2parsePingFrame's `_ *http2frameCache`), so the signature it
 * describes can lack some: when values mismatch, up to 3 pointer-sized blanks
 * are tried at each position, and the function passes only if one placement
 * makes every value match.
 */
function compareFunction(d: DwarfText, name: string, abi: Abi, resolve: TypeResolver, t: Tally): number {
  const f = d.function(name);
  const sig = parseSignature(signatureSource(f, resolve));
  let judged = judgeAll(f, sig, abi, resolve, 0, 0);
  if (judged.some((j) => j.verdict === 'mismatch')) {
    search: for (let k = 1; k <= 3; k++) {
      for (let at = 0; at <= sig.params.length; at++) {
        const again = judgeAll(f, sig, abi, resolve, at, k);
        if (!again.some((j) => j.verdict === 'mismatch')) { judged = again; t.blanksRestored++; break search; }
      }
    }
  }
  t.noLocation += f.params.filter((p) => !p.location && !(p.isResult && abi === 'register')).length;
  let compared = 0;
  for (const { p, ours, verdict } of judged) {
    if (verdict === 'dwarf-inconsistent' && t.inconsistentSamples.length < 3) t.inconsistentSamples.push(`${name} ${p.name}: DWARF ${formatLocation(p.location)}, ours ${formatLocation(ours.location)}`);
    t.verdicts[verdict]++;
    if (verdict !== 'dwarf-inconsistent') { t.compared++; compared++; }
    if (verdict === 'mismatch') t.mismatches.push(`${name} ${p.name} ${p.typeName}: DWARF ${formatLocation(normalize(p.location))}, ours ${formatLocation(ours.location)}`);
  }
  return compared;
}

const newTally = (): Tally => ({ compared: 0, noLocation: 0, blanksRestored: 0, inconsistentSamples: [], mismatches: [], verdicts: { exact: 0, 'optimized-out': 0, 'stack-pieces': 0, 'dwarf-inconsistent': 0, mismatch: 0 } });

// Hooked by the plugins, plus varied shapes: floats, value structs with
// padding, value receivers, many-word args, arrays and stack overflow.
const CURATED: readonly { bin: string; path: () => string; abi: Abi; funcs: readonly string[] }[] = [
  { bin: 'divide', path: () => requireBinary(fixture('divide')), abi: 'register', funcs: [
    'main.Divide', 'main.Mixed', 'main.(*Point).Scale', 'main.Recurse', 'internal/poll.(*FD).Write',
    'runtime.setCheckmark', // struct in registers with padding
    'runtime.heapBits.nextArena', // value receiver, a struct with a dead field
    'fmt.(*pp).fmtComplex', 'runtime.(*piController).next', // complex128, float64s
    'runtime.concatstring5', 'runtime.gentraceback', // out of integer registers: the rest on the stack
    'strconv.formatDigits', // a struct holding an array goes on the stack; later params still get registers
  ] },
  { bin: 'https', path: () => requireBinary(fixture('https')), abi: 'register', funcs: [
    'crypto/tls.(*Conn).Write', 'crypto/tls.(*Conn).Read', 'internal/poll.(*FD).Read', 'net/http.(*http2serverConn).processHeaders'] },
  { bin: 'http2', path: () => requireBinary(fixture('http2')), abi: 'register', funcs: [
    'golang.org/x/net/http2.(*serverConn).processHeaders'] },
  { bin: 'grpc', path: () => requireBinary(fixture('grpc')), abi: 'register', funcs: [
    'google.golang.org/grpc/internal/transport.(*loopyWriter).writeHeader'] },
  { bin: 'esbuild-go1.13', path: () => requireBinary(realBinary(13)), abi: 'stack', funcs: [
    'internal/poll.(*FD).Read', 'internal/poll.(*FD).Write', 'runtime.concatstring5', 'fmt.(*pp).fmtComplex',
    'runtime.printfloat', 'strconv.formatDigits', 'reflect.Value.Bool', 'runtime.treapIter.prev', 'runtime.(*mTreap).erase'] },
];

for (const c of CURATED) {
  test(`${c.abi} ABI matches DWARF at entry for hooked and varied functions of ${c.bin}`, (t) => {
    const d = DwarfText.load(c.path());
    const resolve = d.resolver();
    const tally = newTally();
    for (const name of c.funcs) {
      const n = compareFunction(d, name, c.abi, resolve, tally);
      assert.ok(n > 0, `${name}: DWARF gives no location at entry to compare`);
    }
    assert.deepEqual(tally.mismatches, []);
    t.diagnostic(`${c.funcs.length} functions, ${tally.compared} values: ${JSON.stringify(tally.verdicts)}`);
  });
}

// Every function with DWARF in a binary: signatures DWARF describes that the
// parser or the layout cannot take are counted, never silently passed.
for (const [label, path, abi] of [
  ['divide', () => requireBinary(fixture('divide')), 'register'],
  ['grpc', () => requireBinary(fixture('grpc')), 'register'],
  ['esbuild-go1.13', () => requireBinary(realBinary(13)), 'stack'],
] as const) {
  test(`${abi} ABI matches DWARF at entry for every function of ${label}`, (t) => {
    const d = DwarfText.load(path());
    const resolve = d.resolver();
    const tally = newTally();
    let funcs = 0, closures = 0, generic = 0;
    const failed: string[] = [];
    for (const name of d.functionNames()) {
      const f = d.function(name);
      // Go 1.13 lists a closure's captured variables as `&x` parameters; they are not arguments.
      if (f.params.some((p) => p.name.startsWith('&'))) { closures++; continue; }
      // Shape-instantiated generic code takes a hidden dictionary argument, and
      // Go 1.19's DWARF types its params `.paramN`: no signature to rebuild.
      if (name.includes('[go.shape.')) { generic++; continue; }
      try {
        compareFunction(d, name, abi, resolve, tally);
        funcs++;
      } catch (e) {
        failed.push(`${name}: ${(e as Error).message}`);
      }
    }
    assert.deepEqual(failed, []);
    assert.deepEqual(tally.mismatches, []);
    assert.ok(tally.compared > 1000, `only ${tally.compared} values compared`);
    for (const x of tally.inconsistentSamples) t.diagnostic(`set aside as a DWARF error: ${x}`);
    t.diagnostic(`${funcs} functions (${closures} closures, ${generic} generic shapes skipped), ${tally.compared} values compared, ${tally.noLocation} without a location at entry, ${tally.blanksRestored} functions with DWARF-omitted blank params: ${JSON.stringify(tally.verdicts)}`);
  });
}
