// Laziness on the largest fixture (grpc, ~12 MB): opening reads one header,
// the first lookup walks every unit once without decoding, and lookups
// decode only a few hundred DIEs. Timings are reported as diagnostics.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fixture, requireBinary } from '../../../test/support/binaries';
import { ElfFile } from '../elf';
import { Dwarf, DwarfSectionName } from './dwarf';
import { dumpSummary } from './dwarfdump-oracle';

describe('lazy reading of grpc', () => {
  const path = requireBinary(fixture('grpc'));
  const elf = ElfFile.parse(readFileSync(path), path);

  it('indexes every unit on the first lookup, yet decodes under 1000 DIEs', (t) => {
    const loaded: DwarfSectionName[] = [];
    const t0 = performance.now();
    const d = Dwarf.fromSections((name) => (loaded.push(name), elf.sectionData(name)), path)!;
    const t1 = performance.now();
    assert.deepEqual(d.stats, { unitsScanned: 0, diesScanned: 0, diesDecoded: 0 });

    const fn = d.function('crypto/tls.(*Conn).Write');
    const t2 = performance.now();
    assert.ok(fn && fn.params.length === 4);
    const s = d.struct('google.golang.org/grpc/internal/transport.http2Server');
    const t3 = performance.now();
    assert.ok(s && s.fields.length > 20);
    const fn2 = d.function('google.golang.org/grpc/internal/transport.(*http2Server).WriteHeader');
    const t4 = performance.now();
    assert.ok(fn2);

    const oracle = dumpSummary(path);
    const st = d.stats;
    assert.equal(st.unitsScanned, oracle.units, 'every unit was walked');
    assert.equal(st.diesScanned + oracle.units, oracle.dies, 'every DIE below a unit root was stepped over');
    assert.ok(st.diesDecoded < 1000, `decoded ${st.diesDecoded} DIEs`);
    assert.ok(!loaded.includes('.debug_ranges') && !loaded.includes('.debug_rnglists'), 'range lists were never needed');
    t.diagnostic(`grpc: open ${(t1 - t0).toFixed(1)} ms (inflates .debug_info), first function() ${(t2 - t1).toFixed(1)} ms ` +
      `(index scan + .debug_loc), struct() ${(t3 - t2).toFixed(1)} ms, second function() ${(t4 - t3).toFixed(1)} ms; ` +
      `${st.diesScanned} DIEs scanned, ${st.diesDecoded} decoded`);
  });

  it('looks nothing up in .debug_loc for a struct', () => {
    const loaded: DwarfSectionName[] = [];
    const d = Dwarf.fromSections((name) => (loaded.push(name), elf.sectionData(name)), path)!;
    assert.equal(d.struct('runtime.g')?.name, 'runtime.g');
    assert.deepEqual(loaded.sort(), ['.debug_abbrev', '.debug_info']);
  });
});
