// Real third-party binaries built by Go 1.13 and 1.14: .zdebug_* sections
// and the stack-based ABI0, where arguments live at DW_OP_call_frame_cfa + N
// (SP + 8 + N at entry). Compared with llvm-dwarfdump.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { realBinary, requireBinary } from '../../../test/support/binaries';
import { ElfFile } from '../elf';
import { Dwarf } from './dwarf';
import { oracleFunction, oracleStruct } from './dwarfdump-oracle';

// esbuild of that era has no crypto/tls; these are the I/O and parsing entry points it does have.
const FUNCTIONS = ['os.(*File).Write', 'internal/poll.(*FD).Read', 'strconv.ParseInt'];
const STRUCTS = ['runtime.g', 'os.File', 'internal/poll.FD'];

for (const minor of [13, 14] as const) {
  const b = realBinary(minor);
  describe(b.label, () => {
    let dwarf: Dwarf | undefined;
    const open = (): Dwarf => {
      if (!dwarf) {
        const path = requireBinary(b);
        const elf = ElfFile.parse(readFileSync(path), path);
        assert.ok(elf.section('.zdebug_info'), 'DWARF is in .zdebug_* sections');
        dwarf = Dwarf.fromElf(elf);
        assert.ok(dwarf);
      }
      return dwarf;
    };

    for (const fn of FUNCTIONS) {
      it(`${fn}: stack-ABI entry locations match llvm-dwarfdump`, () => {
        const ours = open().function(fn);
        assert.ok(ours, `${fn} found`);
        assert.deepEqual(ours, oracleFunction(b.path, fn));
      });
    }

    for (const s of STRUCTS) {
      it(`${s}: layout matches llvm-dwarfdump`, () => {
        assert.deepEqual(open().struct(s), oracleStruct(b.path, s));
      });
    }

    it('puts ABI0 arguments above the return address, results nowhere at entry', () => {
      const w = open().function('os.(*File).Write')!;
      const stack = (offset: number) => ({ kind: 'stack', offset }) as const;
      assert.deepEqual(w.params.map((p) => [p.name, p.location]), [
        ['f', stack(8)],
        ['b', { kind: 'pieces', pieces: [8, 16, 24].map((o) => ({ size: 8, location: stack(o + 8) })) }],
        ['n', undefined],
        ['err', undefined],
      ]);
    });

    it('answers undefined for crypto/tls, which this binary does not link', () => {
      assert.equal(open().function('crypto/tls.(*Conn).Write'), undefined);
    });
  });
}
