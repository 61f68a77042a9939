// Go 1.19 fixtures (DWARF 4, compressed sections, register ABI location
// lists in .debug_loc) against llvm-dwarfdump, run now on the same files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fixture, requireBinary, TestBinary } from '../../../test/support/binaries';
import { ElfFile } from '../elf';
import { ValueLocation } from '../location';
import { Dwarf } from './dwarf';
import { oracleFunction, oracleStruct } from './dwarfdump-oracle';

const opened = new Map<string, Dwarf | undefined>();
function dwarfOf(b: TestBinary): Dwarf | undefined {
  if (!opened.has(b.path)) {
    const path = requireBinary(b);
    opened.set(b.path, Dwarf.fromElf(ElfFile.parse(readFileSync(path), path)));
  }
  return opened.get(b.path);
}

const reg = (register: string) => ({ kind: 'register', register }) as const;
const pieces = (...regs: string[]): ValueLocation => ({ kind: 'pieces', pieces: regs.map((r) => ({ size: 8, location: reg(r) })) });

const FUNCTIONS: Record<string, string[]> = {
  divide: ['main.Divide', 'main.Mixed', 'main.(*Point).Scale'],
  // The last is an out-of-line copy of an inlinable function: names come via DW_AT_abstract_origin.
  https: ['crypto/tls.(*Conn).Write', 'crypto/tls.(*Conn).Read', 'internal/poll.(*FD).Read', 'net/http.http2ErrCode.String'],
};

const STRUCTS: Record<string, string[]> = {
  https: ['crypto/tls.Conn', 'net.netFD', 'internal/poll.FD', 'runtime.g', 'runtime.m', 'net/http.http2serverConn'],
  http2: ['golang.org/x/net/http2.serverConn', 'golang.org/x/net/http2/hpack.HeaderField'],
  grpc: [
    'google.golang.org/grpc/internal/transport.loopyWriter', 'google.golang.org/grpc/internal/transport.http2Server',
    'golang.org/x/net/http2/hpack.HeaderField', 'crypto/tls.Conn',
  ],
};

for (const [name, fns] of Object.entries(FUNCTIONS)) {
  for (const variant of ['', '-pie', '-trimpath'] as const) {
    const b = fixture(name, variant);
    describe(`functions in ${b.label}`, () => {
      for (const fn of fns) {
        it(`${fn}: range, parameter names, types and entry locations match llvm-dwarfdump`, () => {
          const ours = dwarfOf(b)?.function(fn);
          assert.ok(ours, `${fn} found`);
          assert.deepEqual(ours, oracleFunction(b.path, fn));
        });
      }
    });
  }
}

for (const [name, structs] of Object.entries(STRUCTS)) {
  for (const variant of name === 'https' ? (['', '-pie', '-trimpath'] as const) : ([''] as const)) {
    const b = fixture(name, variant);
    describe(`structs in ${b.label}`, () => {
      for (const s of structs) {
        it(`${s}: size and every field's name, offset, type and embedding match llvm-dwarfdump`, () => {
          const ours = dwarfOf(b)?.struct(s);
          assert.ok(ours, `${s} found`);
          assert.deepEqual(ours, oracleStruct(b.path, s));
        });
      }
    });
  }
}

describe('Go facts that do not need the oracle', () => {
  it('places main.Divide and main.Mixed arguments by the register ABI', () => {
    const d = dwarfOf(fixture('divide'))!;
    assert.equal(d.version, 4);
    assert.deepEqual(d.function('main.Divide')?.params.map((p) => [p.name, p.type, p.isResult, p.location]), [
      ['dividend', 'int', false, reg('rax')], ['divisor', 'int', false, reg('rbx')],
      ['quotient', 'int', true, undefined], ['remainder', 'int', true, undefined],
    ]);
    assert.deepEqual(d.function('main.Mixed')?.params.map((p) => [p.name, p.type, p.location]), [
      ['a', 'int8', reg('rax')], ['b', 'uint32', reg('rbx')], ['ok', 'bool', reg('rcx')], ['f', 'float64', reg('xmm0')],
      ['s', 'string', pieces('rdi', 'rsi')], ['p', '*int', reg('r8')], ['xs', '[]uint8', pieces('r9', 'r10', 'r11')],
      ['n', 'int', undefined], ['err', 'error', undefined],
    ]);
  });

  it('drops the duplicated results of golang/go#61357 (Go 1.18–1.21)', () => {
    const w = dwarfOf(fixture('https'))!.function('crypto/tls.(*Conn).Write');
    assert.deepEqual(w?.params.map((p) => p.name), ['c', 'b', '~r0', '~r1']);
  });

  it('marks embedded fields', () => {
    const m = dwarfOf(fixture('https'))!.struct('runtime.m');
    assert.deepEqual(m?.fields.filter((f) => f.embedded).map((f) => f.name).slice(0, 2), ['dlogPerM', 'mOS']);
  });

  it('sizes Go types: basics, headers, pointers, and typedefs of maps, chans and interfaces', () => {
    const d = dwarfOf(fixture('https'))!;
    const names = ['int', 'string', '[]uint8', '*crypto/tls.Conn', '[32]uint8', 'unsafe.Pointer', 'func()', 'map[string]string', 'chan struct {}', 'interface {}', 'net.Conn', 'no.Such'];
    assert.deepEqual(names.map((n) => d.typeSize(n)), [8, 16, 24, 8, 32, 8, 8, 8, 8, 16, 16, undefined]);
    assert.equal(d.typeSize('crypto/tls.Conn'), d.struct('crypto/tls.Conn')?.size);
  });

  it('answers undefined for names the binary does not have', () => {
    const d = dwarfOf(fixture('divide'))!;
    assert.equal(d.function('main.NoSuch'), undefined);
    assert.equal(d.struct('main.NoSuch'), undefined);
    assert.equal(d.struct('int'), undefined); // a type, but not a struct
  });

  it('has no DWARF in stripped fixtures', () => {
    for (const name of ['divide', 'https']) assert.equal(dwarfOf(fixture(name, '-stripped')), undefined);
  });
});
