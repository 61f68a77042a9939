// The Go type model the ABI assigner works on, and its memory layout.
// Sizes and alignments are amd64's, from the table and the "sequence" rules of
// https://github.com/golang/go/blob/go1.19/src/cmd/compile/abi-internal.md#memory-layout
// (the same rules cmd/compile/internal/types/size.go implements).
import { UsageError } from '../../errors';

export type BasicName =
  | 'bool' | 'int' | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'uintptr'
  | 'float32' | 'float64' | 'complex64' | 'complex128' | 'string' | 'unsafe.Pointer';

export interface GoField { readonly name: string; readonly type: GoType }

export type GoType =
  | { readonly kind: 'basic'; readonly name: BasicName }
  | { readonly kind: 'pointer'; readonly elem: GoType }
  | { readonly kind: 'slice'; readonly elem: GoType }
  | { readonly kind: 'array'; readonly length: number; readonly elem: GoType }
  | { readonly kind: 'map'; readonly key: GoType; readonly elem: GoType }
  | { readonly kind: 'chan'; readonly dir: 'both' | 'send' | 'recv'; readonly elem: GoType }
  /** A func value is one pointer (to a closure); its signature is kept for printing only. */
  | { readonly kind: 'func'; readonly params: readonly GoType[]; readonly results: readonly GoType[]; readonly variadic: boolean }
  /** `body` is the method list as written; empty for interface{} (any). */
  | { readonly kind: 'interface'; readonly body: string }
  | { readonly kind: 'struct'; readonly fields: readonly GoField[] }
  /** A defined type (`main.Point`, `io.Reader`, `error`, `byte`), laid out by its underlying type. */
  | { readonly kind: 'named'; readonly name: string };

/**
 * Gives the underlying type of a named type (`main.Point` → its struct), or
 * undefined when it does not know it. DWARF or Go's runtime type tables can
 * supply one; without it only predeclared and a few well-known types resolve.
 */
export type TypeResolver = (name: string) => GoType | undefined;

const PTR = 8;

const BASIC_SIZE: Readonly<Record<BasicName, [size: number, align: number]>> = {
  bool: [1, 1], int8: [1, 1], uint8: [1, 1], int16: [2, 2], uint16: [2, 2],
  int32: [4, 4], uint32: [4, 4], float32: [4, 4], int64: [8, 8], uint64: [8, 8],
  int: [8, 8], uint: [8, 8], uintptr: [8, 8], 'unsafe.Pointer': [8, 8], float64: [8, 8],
  complex64: [8, 4], complex128: [16, 8], string: [16, 8],
};

export function isBasicName(s: string): s is BasicName {
  return Object.prototype.hasOwnProperty.call(BASIC_SIZE, s);
}

const basic = (name: BasicName): GoType => ({ kind: 'basic', name });

/**
 * Predeclared names that are not basic kinds here, and a few standard-library
 * types whose underlying type has not changed since Go 1.0/1.7 and that
 * appear in many hooked signatures. Structs are never listed: their fields
 * change between Go versions, so they must come from the binary.
 */
const WELL_KNOWN: ReadonlyMap<string, GoType> = new Map<string, GoType>([
  ['byte', basic('uint8')], ['rune', basic('int32')],
  ['error', { kind: 'interface', body: 'Error() string' }], ['any', { kind: 'interface', body: '' }],
  ['context.Context', { kind: 'interface', body: 'Deadline() (time.Time, bool); Done() <-chan struct{}; Err() error; Value(any) any' }],
  ['io.Reader', { kind: 'interface', body: 'Read([]byte) (int, error)' }],
  ['io.Writer', { kind: 'interface', body: 'Write([]byte) (int, error)' }],
  ['net.Conn', { kind: 'interface', body: 'Read([]byte) (int, error); Write([]byte) (int, error); Close() error; …' }],
  ['time.Duration', basic('int64')],
]);

export function formatType(t: GoType): string {
  switch (t.kind) {
    case 'basic': return t.name;
    case 'named': return t.name;
    case 'pointer': return '*' + formatType(t.elem);
    case 'slice': return '[]' + formatType(t.elem);
    case 'array': return `[${t.length}]${formatType(t.elem)}`;
    case 'map': return `map[${formatType(t.key)}]${formatType(t.elem)}`;
    case 'chan': return (t.dir === 'recv' ? '<-chan ' : t.dir === 'send' ? 'chan<- ' : 'chan ') + formatType(t.elem);
    case 'interface': return t.body ? `interface { ${t.body} }` : 'interface {}';
    case 'struct': return t.fields.length ? `struct { ${t.fields.map((f) => `${f.name} ${formatType(f.type)}`).join('; ')} }` : 'struct {}';
    case 'func': {
      const ps = t.params.map((p, i) => (t.variadic && i === t.params.length - 1 && p.kind === 'slice' ? '...' + formatType(p.elem) : formatType(p)));
      const rs = t.results.map(formatType);
      return `func(${ps.join(', ')})${rs.length === 0 ? '' : rs.length === 1 ? ' ' + rs[0] : ` (${rs.join(', ')})`}`;
    }
  }
}

function unknownType(name: string): UsageError {
  return new UsageError('ERR_ABI_UNKNOWN_TYPE',
    `type ${name} has no known layout; write the signature with basic types (e.g. a struct passed by pointer is *T, which needs no layout), ` +
    'or use a binary with DWARF so its layout can be read');
}

/** Follows named types to a type that is not `named`; ERR_ABI_UNKNOWN_TYPE when one has no layout. */
export function underlying(t: GoType, resolve?: TypeResolver): Exclude<GoType, { kind: 'named' }> {
  let cur = t;
  for (let hops = 0; cur.kind === 'named'; hops++) {
    // A resolver that maps a name to itself (or a cycle) would loop forever.
    if (hops > 64) throw unknownType(cur.name);
    const next: GoType | undefined = resolve?.(cur.name) ?? WELL_KNOWN.get(cur.name);
    if (!next) throw unknownType(cur.name);
    cur = next;
  }
  return cur;
}

export interface Layout { readonly size: number; readonly align: number }

export function roundUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Offsets of a struct's fields and its layout, per the spec's sequence rule plus the trailing-zero-size padding byte. */
export function structLayout(fields: readonly GoField[], resolve?: TypeResolver): { offsets: number[]; layout: Layout } {
  let off = 0, align = 1;
  const offsets: number[] = [];
  let last: Layout | undefined;
  for (const f of fields) {
    last = layoutOf(f.type, resolve);
    off = roundUp(off, last.align);
    offsets.push(off);
    off += last.size;
    align = Math.max(align, last.align);
  }
  // A struct ending in a zero-sized field gets a padding byte, so that &s.last
  // never points past the object (abi-internal.md, "Memory layout").
  if (last && last.size === 0 && off > 0) off += 1;
  return { offsets, layout: { size: roundUp(off, align), align } };
}

export function layoutOf(t: GoType, resolve?: TypeResolver): Layout {
  const u = underlying(t, resolve);
  switch (u.kind) {
    case 'basic': {
      const [size, align] = BASIC_SIZE[u.name];
      return { size, align };
    }
    case 'pointer': case 'map': case 'chan': case 'func': return { size: PTR, align: PTR };
    case 'slice': return { size: 3 * PTR, align: PTR };
    case 'interface': return { size: 2 * PTR, align: PTR };
    case 'array': {
      const e = layoutOf(u.elem, resolve);
      return { size: e.size * u.length, align: e.align };
    }
    case 'struct': return structLayout(u.fields, resolve).layout;
  }
}
