import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignLocations, type Abi } from './assign';
import { parseSignature, parseType } from './signature';
import type { TypeResolver } from './types';
import { formatLocation } from '../location';
import { GotraceError } from '../../errors';

/** `name=location` for each value (`~spill` appended for register params), in order. */
function where(sig: string, abi: Abi, resolve?: TypeResolver): string[] {
  return assignLocations(parseSignature(sig), abi, resolve).map((v) =>
    `${v.name}=${formatLocation(v.location)}${v.spill ? ` spill ${formatLocation(v.spill)}` : ''}`);
}

test('abi-internal.md\'s worked example, on amd64', () => {
  // "a1 is assigned to R0, a3 is assigned to R1 … the stack frame is a2, r1.x, r1.y,
  // a1Spill, a3Spill, padding … r2.base is assigned to R0, r2.len to R1."
  assert.deepEqual(where('func f(a1 uint8, a2 [2]uintptr, a3 uint8) (r1 struct { x uintptr; y [2]uintptr }, r2 string)', 'register'), [
    'a1=rax spill sp+48', 'a2=sp+8', 'a3=rbx spill sp+49', 'r1=sp+24', 'r2=[rax:8 rbx:8]',
  ]);
  // ABI0: everything on the stack, results pointer-aligned after the params.
  assert.deepEqual(where('func f(a1 uint8, a2 [2]uintptr, a3 uint8) (r1 struct { x uintptr; y [2]uintptr }, r2 string)', 'stack'), [
    'a1=sp+8', 'a2=sp+16', 'a3=sp+32', 'r1=sp+40', 'r2=sp+64',
  ]);
});

test('the hooked signatures', () => {
  assert.deepEqual(where('func (c *Conn) Write(b []byte) (int, error)', 'register'),
    ['c=rax spill sp+8', 'b=[rbx:8 rcx:8 rdi:8] spill sp+16', '~r0=rax', '~r1=[rbx:8 rcx:8]']);
  assert.deepEqual(where('func (c *Conn) Write(b []byte) (int, error)', 'stack'), ['c=sp+8', 'b=sp+16', '~r0=sp+40', '~r1=sp+48']);
  assert.deepEqual(where('main.Divide(dividend int, divisor int) (int, int)', 'register'),
    ['dividend=rax spill sp+8', 'divisor=rbx spill sp+16', '~r0=rax', '~r1=rbx']);
});

test('floats and complex numbers use X0–X14, independently of the integer registers', () => {
  assert.deepEqual(where('(a float64, b float32, c complex128, d int, e complex64) (float64, complex64, int)', 'register').map((s) => s.replace(/ spill.*/, '')),
    ['a=xmm0', 'b=xmm1', 'c=[xmm2:8 xmm3:8]', 'd=rax', 'e=[xmm4:4 xmm5:4]', '~r0=xmm0', '~r1=[xmm1:4 xmm2:4]', '~r2=rax']);
  // 15 float registers: the 16th float goes on the stack, a later int still gets RAX.
  const sig = `(${Array.from({ length: 16 }, (_, i) => `f${i} float64`).join(', ')}, n int)`;
  const got = where(sig, 'register').map((s) => s.replace(/ spill.*/, ''));
  assert.equal(got[14], 'f14=xmm14');
  assert.equal(got[15], 'f15=sp+8');
  assert.equal(got[16], 'n=rax');
});

test('a value that does not fit the remaining registers goes on the stack whole, and the counters go back', () => {
  assert.deepEqual(where('(a, b, c, d int, s []byte, t []byte, x int)', 'register').map((s) => s.replace(/ spill.*/, '')), [
    'a=rax', 'b=rbx', 'c=rcx', 'd=rdi', 's=[rsi:8 r8:8 r9:8]', 't=sp+8', 'x=r10',
  ]);
  // Results restart at RAX and have their own stack area after the params'.
  assert.deepEqual(where('(a [3]int) ([2]int, int)', 'register'), ['a=sp+8', '~r0=sp+32', '~r1=rax']);
});

test('structs field by field, with padding pieces, through a resolver', () => {
  const resolve: TypeResolver = (n) => ({
    'main.Point': parseType('struct { X, Y int32; Label string }'),
    'main.Padded': parseType('struct { a int8; b int64; c bool }'),
    'main.Nested': parseType('struct { a int8; in struct { c int8; d int64 } }'),
    'main.Empty': parseType('struct {}'),
  } as Record<string, ReturnType<typeof parseType>>)[n];
  assert.deepEqual(where('func (p *Point) Scale(k int) main.Point', 'register', resolve).map((s) => s.replace(/ spill.*/, '')),
    ['p=rax', 'k=rbx', '~r0=[rax:4 rbx:4 rcx:8 rdi:8]']);
  assert.deepEqual(where('(p main.Padded, n main.Nested)', 'register', resolve), [
    'p=[rax:1 ?:7 rbx:8 rcx:1] spill sp+8', 'n=[rdi:1 ?:7 rsi:1 ?:7 r8:8] spill sp+32',
  ]);
  assert.deepEqual(where('(e main.Empty, x int8)', 'register', resolve), ['e=-', 'x=rax spill sp+8']);
});

test('arrays of length 0 and 1 go in registers, longer ones on the stack', () => {
  assert.deepEqual(where('(a [1]string, b [0]int, c [2]int8, d [1][1]float64)', 'register').map((s) => s.replace(/ spill.*/, '')),
    ['a=[rax:8 rbx:8]', 'b=-', 'c=sp+8', 'd=xmm0']);
  // An array of length > 1 anywhere inside a struct sends the whole struct to the stack.
  assert.deepEqual(where('(s struct { x int; y [2]int8 }, n int)', 'register').map((s) => s.replace(/ spill.*/, '')), ['s=sp+8', 'n=rax']);
});

test('zero-sized values have no location but still align the stack (ABI0)', () => {
  assert.deepEqual(where('(a int8, z [0]int64, b int8) (r int8)', 'stack'), ['a=sp+8', 'z=-', 'b=sp+16', 'r=sp+24']);
  assert.deepEqual(where('(a int8, s struct{}, b int16)', 'stack'), ['a=sp+8', 's=-', 'b=sp+10']);
});

test('spill slots follow each type\'s alignment, after the results\' stack area', () => {
  assert.deepEqual(where('(a int8, b int64, c int16, d [2]int) (r [2]int)', 'register'),
    ['a=rax spill sp+40', 'b=rbx spill sp+48', 'c=rcx spill sp+56', 'd=sp+8', 'r=sp+24']);
});

test('an unknown named type is ERR_ABI_UNKNOWN_TYPE; a pointer to it needs no layout', () => {
  assert.throws(() => assignLocations(parseSignature('(p main.Point)'), 'register'), (e: unknown) =>
    e instanceof GotraceError && e.code === 'ERR_ABI_UNKNOWN_TYPE' && e.message.includes('main.Point'));
  assert.deepEqual(where('(p *main.Point, m map[main.K]main.V, c chan main.T, f func(main.A) main.B)', 'register').map((s) => s.replace(/ spill.*/, '')),
    ['p=rax', 'm=rbx', 'c=rcx', 'f=rdi']);
});
