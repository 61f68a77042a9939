import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutOf, structLayout, underlying, type TypeResolver } from './types';
import { parseType } from './signature';
import { DwarfText } from './testing/llvm-dwarfdump';
import { GotraceError } from '../../errors';
import { fixture, realBinary, requireBinary } from '../../../test/support/binaries';

const lay = (src: string, resolve?: TypeResolver): string => {
  const l = layoutOf(parseType(src), resolve);
  return `${l.size}/${l.align}`;
};

test('sizes and alignments of abi-internal.md\'s table (64-bit)', () => {
  const table: Record<string, string> = {
    bool: '1/1', uint8: '1/1', int8: '1/1', byte: '1/1', uint16: '2/2', int16: '2/2', uint32: '4/4', int32: '4/4', rune: '4/4',
    uint64: '8/8', int64: '8/8', int: '8/8', uint: '8/8', float32: '4/4', float64: '8/8', complex64: '8/4', complex128: '16/8',
    uintptr: '8/8', '*int': '8/8', 'unsafe.Pointer': '8/8', 'map[string]int': '8/8', 'chan int': '8/8', 'func()': '8/8',
    string: '16/8', '[]byte': '24/8', 'interface {}': '16/8', any: '16/8', error: '16/8',
  };
  for (const [t, want] of Object.entries(table)) assert.equal(lay(t), want, t);
});

test('sequences: arrays, structs, and the padding byte after a final zero-sized field', () => {
  assert.equal(lay('[3]int16'), '6/2');
  assert.equal(lay('[0]int64'), '0/8');
  assert.equal(lay('struct {}'), '0/1');
  assert.equal(lay('struct { a int8; b int64; c int8 }'), '24/8');
  assert.equal(lay('struct { a int32; b struct {} }'), '8/4'); // 4 + padding byte, rounded to 4
  assert.equal(lay('struct { a struct {}; b struct {} }'), '0/1'); // all zero-sized: no padding byte
  const s = parseType('struct { a int8; b complex64; c [2]int16; d string }');
  assert.ok(s.kind === 'struct');
  assert.deepEqual(structLayout(s.fields).offsets, [0, 4, 12, 16]);
});

test('named types resolve through the resolver, then predeclared and well-known names', () => {
  const resolve: TypeResolver = (n) => (n === 'main.Point' ? parseType('struct { X, Y int32; Label string }') : n === 'main.Alias' ? parseType('main.Point') : undefined);
  assert.equal(lay('main.Point', resolve), '24/8');
  assert.equal(lay('main.Alias', resolve), '24/8');
  assert.equal(lay('[2]main.Point', resolve), '48/8');
  assert.equal(lay('context.Context'), '16/8');
  assert.equal(lay('time.Duration'), '8/8');
  assert.equal(underlying(parseType('byte')).kind, 'basic');
});

test('an unknown named type is ERR_ABI_UNKNOWN_TYPE naming it and saying what to do', () => {
  for (const src of ['main.Point', 'struct { p main.Point }', '[1]net/http.Request']) {
    assert.throws(() => layoutOf(parseType(src)), (e: unknown) =>
      e instanceof GotraceError && e.code === 'ERR_ABI_UNKNOWN_TYPE' && /type (main\.Point|net\/http\.Request) /.test(e.message) && /basic types/.test(e.message) && /DWARF/.test(e.message));
  }
  // A resolver that loops (a name resolving to itself) still ends.
  assert.throws(() => layoutOf(parseType('main.Loop'), (n) => ({ kind: 'named', name: n })), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_ABI_UNKNOWN_TYPE');
});

// Every named struct DWARF describes, in a Go 1.19 fixture and in Go 1.13 esbuild:
// size from DW_AT_byte_size and each field's DW_AT_data_member_location.
for (const [label, path] of [['grpc', () => requireBinary(fixture('grpc'))], ['esbuild-go1.13', () => requireBinary(realBinary(13))]] as const) {
  test(`struct layouts match DWARF for every named struct of ${label}`, (t) => {
    const d = DwarfText.load(path());
    const resolve = d.resolver();
    let structs = 0, internal = 0;
    const wrong: string[] = [];
    for (const [name, off] of d.typeOffsets()) {
      const die = d.die(off);
      if (die.tag !== 'DW_TAG_structure_type' || !die.attrs.has('byte_size') || name.includes('go.shape')) continue;
      // Map buckets and channels are DWARF-only types (`bucket<string,int>`, `noalg.[8]uint8`) with no Go syntax.
      const dwarfOnly = /noalg\.|\w<(?!-)/;
      if (dwarfOnly.test(name) || die.children.some((c) => dwarfOnly.test(c.attrs.get('type') ?? ''))) { internal++; continue; }
      const u = underlying({ kind: 'named', name }, resolve);
      if (u.kind !== 'struct') continue;
      structs++;
      const { offsets, layout } = structLayout(u.fields, resolve);
      const want = die.children.filter((c) => c.tag === 'DW_TAG_member').map((c) => Number(c.attrs.get('data_member_location')));
      if (layout.size !== Number(die.attrs.get('byte_size')) || offsets.join() !== want.join()) {
        wrong.push(`${name}: ours ${layout.size} [${offsets.join()}], DWARF ${die.attrs.get('byte_size')} [${want.join()}]`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(structs > 400, `only ${structs} structs`);
    t.diagnostic(`${structs} structs (${internal} DWARF-only runtime types skipped)`);
  });
}
