import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BpfObject } from '../bpf/bpf-object';
import { CFG_SLOT_PIDS, CFG_SLOTS, CfgSlots, NO_SLOT } from './cfg-slots';

/** The maps as the kernel would hold them after the writes: slot index → value, pid → config. */
function fakeObject() {
  const slots = new Map<number, Buffer>(), procs = new Map<number, Buffer>();
  const writes: string[] = [];
  /** Called after every write, as a program running between two writes would look. */
  const afterWrite: (() => void)[] = [];
  const obj = {
    map: (name: string) => ({
      update: (k: Buffer, v: Buffer) => {
        writes.push(`${name} ${k.readUInt32LE(0)}`);
        (name === 'x_slots' ? slots : procs).set(k.readUInt32LE(0), Buffer.from(v));
        for (const f of afterWrite) f();
      },
      delete: (k: Buffer) => {
        const had = (name === 'x_slots' ? slots : procs).delete(k.readUInt32LE(0));
        for (const f of afterWrite) f();
        return had;
      },
    }),
  } as unknown as BpfObject;
  /** What a BPF program of `pid` at a probe with cookie `slot` would find (go_cfg_slot.h's lookup). */
  const lookup = (slot: number, pid: number): Buffer | undefined => {
    const v = slots.get(slot);
    if (v && pid) {
      const cfgLen = v.length - 4 * CFG_SLOT_PIDS;
      for (let i = 0; i < CFG_SLOT_PIDS; i++) if (v.readUInt32LE(cfgLen + 4 * i) === pid) return v.subarray(0, cfgLen);
    }
    return procs.get(pid);
  };
  return { obj, slots, procs, writes, lookup, afterWrite };
}

const cfg = (n: number): Buffer => Buffer.alloc(16, n);

test('processes of one binary with one config share its slot; the programs find each by pid', () => {
  const f = fakeObject(), s = new CfgSlots({ slots: 'x_slots', procs: 'x_procs' });
  const slot = s.slotFor('bin-a');
  assert.equal(s.slotFor('bin-a'), slot, 'a binary keeps its slot');
  assert.notEqual(s.slotFor('bin-b'), slot);
  assert.equal(s.place(f.obj, 100, 'bin-a', cfg(1)), 'slot');
  assert.equal(s.place(f.obj, 101, 'bin-a', cfg(1)), 'slot');
  assert.deepEqual(f.lookup(slot, 100), cfg(1));
  assert.deepEqual(f.lookup(slot, 101), cfg(1));
  assert.equal(f.lookup(slot, 102), undefined, 'an untraced process of the same binary finds nothing');
  assert.equal(f.procs.size, 0);
  s.remove(f.obj, 100);
  assert.equal(f.lookup(slot, 100), undefined, 'removed');
  assert.deepEqual(f.lookup(slot, 101), cfg(1), 'the other stays');
  s.remove(f.obj, 100); // twice: nothing
});

test('a process whose config differs from its slot\'s, or that finds the slot full, goes to the per-pid hash', () => {
  const f = fakeObject(), s = new CfgSlots({ slots: 'x_slots', procs: 'x_procs' });
  const slot = s.slotFor('pie');
  assert.equal(s.place(f.obj, 1, 'pie', cfg(1)), 'slot');
  assert.equal(s.place(f.obj, 2, 'pie', cfg(2)), 'procs', 'loaded elsewhere: another config');
  assert.deepEqual(f.lookup(slot, 2), cfg(2));
  for (let pid = 3; pid < 3 + CFG_SLOT_PIDS; pid++) s.place(f.obj, pid, 'pie', cfg(1));
  assert.equal(f.procs.size, 2, `the slot holds ${CFG_SLOT_PIDS} pids; the next goes to the hash`);
  for (let pid = 1; pid < 3 + CFG_SLOT_PIDS; pid++) assert.deepEqual(f.lookup(slot, pid), cfg(pid === 2 ? 2 : 1), `pid ${pid}`);
  s.remove(f.obj, 2);
  assert.equal(f.lookup(slot, 2), undefined);
  assert.equal(f.procs.has(2), false);
});

test('a slot no process uses takes the next process\'s config, written before its pid', () => {
  const f = fakeObject(), s = new CfgSlots({ slots: 'x_slots', procs: 'x_procs' });
  const slot = s.slotFor('pie');
  s.place(f.obj, 1, 'pie', cfg(1));
  s.remove(f.obj, 1);
  f.writes.length = 0;
  assert.equal(s.place(f.obj, 2, 'pie', cfg(2)), 'slot');
  assert.deepEqual(f.lookup(slot, 2), cfg(2));
  assert.deepEqual(f.writes, [`x_slots ${slot}`, `x_slots ${slot}`], 'the new config alone, then with the pid');
});

test('placing a pid again replaces its config, wherever it was', () => {
  const f = fakeObject(), s = new CfgSlots({ slots: 'x_slots', procs: 'x_procs' });
  const slot = s.slotFor('pie');
  s.place(f.obj, 1, 'pie', cfg(1));
  s.place(f.obj, 2, 'pie', cfg(2));
  assert.equal(s.place(f.obj, 2, 'pie', cfg(1)), 'slot', 'now the same config as the slot');
  assert.equal(f.procs.has(2), false, 'its hash entry is gone');
  assert.deepEqual(f.lookup(slot, 2), cfg(1));
});

test('binaries past the last slot get NO_SLOT: their processes use the hash', () => {
  const f = fakeObject(), s = new CfgSlots({ slots: 'x_slots', procs: 'x_procs' });
  for (let i = 0; i < CFG_SLOTS; i++) assert.equal(s.slotFor(`bin-${i}`), i);
  assert.equal(s.slotFor('one-more'), NO_SLOT);
  assert.equal(s.place(f.obj, 7, 'one-more', cfg(3)), 'procs');
  assert.deepEqual(f.lookup(NO_SLOT, 7), cfg(3));
});

test('a pid keeps its place in the slot while others leave and come (a program reading mid-write finds it where it was)', () => {
  const f = fakeObject(), s = new CfgSlots({ slots: 'x_slots', procs: 'x_procs' });
  const slot = s.slotFor('bin');
  for (const pid of [11, 12, 13]) s.place(f.obj, pid, 'bin', cfg(1));
  const pids = (): number[] => { const v = f.slots.get(slot)!; return [...Array(CFG_SLOT_PIDS).keys()].map((j) => v.readUInt32LE(16 + 4 * j)); };
  assert.deepEqual(pids().slice(0, 3), [11, 12, 13]);
  s.remove(f.obj, 12);
  assert.deepEqual(pids().slice(0, 3), [11, 0, 13], '13 did not move');
  s.place(f.obj, 14, 'bin', cfg(1));
  assert.deepEqual(pids().slice(0, 3), [11, 14, 13], 'the free place is reused');
});

test('replacing a running process\'s config never leaves it without one, between any two writes', () => {
  for (const [label, setup] of [
    ['alone in its slot, the slot\'s config changes with it', (s: CfgSlots, o: BpfObject) => s.place(o, 1, 'pie', cfg(1))],
    ['beside another pid, it moves to the hash', (s: CfgSlots, o: BpfObject) => { s.place(o, 9, 'pie', cfg(1)); s.place(o, 1, 'pie', cfg(1)); }],
    ['in the hash, it moves to the slot', (s: CfgSlots, o: BpfObject) => { s.place(o, 9, 'pie', cfg(2)); s.place(o, 1, 'pie', cfg(3)); s.remove(o, 9); }],
  ] as const) {
    const f = fakeObject(), s = new CfgSlots({ slots: 'x_slots', procs: 'x_procs' });
    const slot = s.slotFor('pie');
    setup(s, f.obj);
    const seen: (Buffer | undefined)[] = [];
    f.afterWrite.push(() => seen.push(f.lookup(slot, 1)));
    s.place(f.obj, 1, 'pie', cfg(2));
    assert.ok(seen.length > 0 && seen.every((c) => c !== undefined), `${label}: a write left pid 1 without a config`);
    assert.deepEqual(f.lookup(slot, 1), cfg(2), label);
    assert.equal(f.procs.has(1), s.place(f.obj, 1, 'pie', cfg(2)) === 'procs', `${label}: a hash entry only where the pid lives there`);
  }
});
