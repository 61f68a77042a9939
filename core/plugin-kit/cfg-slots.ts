// Where a process's config goes so that its plugin's BPF programs find it
// cheaply (bpf/include/go_cfg_slot.h): in its binary's slot of an array map,
// found through the probes' attach cookie, or in the plugin's per-pid hash.
// A slot holds one config and up to CFG_SLOT_PIDS pids it is for; a
// process whose config differs from its slot's (a PIE loaded at another
// address), or that finds the slot full, goes to the hash.
import type { BpfObject } from '../bpf/bpf-object';
import { pidKey, u32Key } from './map-keys';

/** GO_CFG_SLOT_PIDS and GO_CFG_SLOTS in go_cfg_slot.h. */
export const CFG_SLOT_PIDS = 8;
export const CFG_SLOTS = 256;
/** The cookie of a binary that found no free slot: its programs look in the hash only. */
export const NO_SLOT = 0xffffffff;

interface Slot {
  /** The config the slot holds; null until its first process. */
  cfg: Buffer | null;
  /**
   * The pids, 0 where free. A pid keeps its place while others come and go:
   * a program reading the value while user space rewrites it then sees
   * every other pid where it was.
   */
  readonly pids: number[];
}

export interface CfgMaps {
  /** The array map of slots (NAME_slots). */
  readonly slots: string;
  /** The per-pid hash (key __u32 pid). */
  readonly procs: string;
}

export class CfgSlots {
  private readonly byBinary = new Map<string, number>();
  private readonly slots: Slot[] = [];
  /** Where each placed pid is: its slot's index, or -1 for the hash. */
  private readonly placed = new Map<number, number>();

  constructor(private readonly maps: CfgMaps) {}

  /** The cookie for a binary's probes: its slot, taken on first use, or NO_SLOT once all are. */
  slotFor(binaryKey: string): number {
    let i = this.byBinary.get(binaryKey);
    if (i === undefined) {
      i = this.slots.length < CFG_SLOTS ? this.slots.push({ cfg: null, pids: new Array<number>(CFG_SLOT_PIDS).fill(0) }) - 1 : NO_SLOT;
      this.byBinary.set(binaryKey, i);
    }
    return i;
  }

  /**
   * Gives `pid` (a process of the binary `binaryKey`) its config, replacing
   * what it had. A replacement goes through the hash first, which programs
   * look in once the pid has left its slot: at no point between the writes
   * is the pid without a config (a PIE's config is replaced this way once its
   * load bias is known, while it runs).
   */
  place(obj: BpfObject, pid: number, binaryKey: string, cfg: Buffer): 'slot' | 'procs' {
    const procs = obj.map(this.maps.procs);
    if (this.placed.has(pid)) {
      procs.update(pidKey(pid), cfg);
      this.leaveSlot(obj, pid);
      this.placed.set(pid, -1);
    }
    const i = this.slotFor(binaryKey), slot = this.slots[i], free = slot ? slot.pids.indexOf(0) : -1;
    if (slot && free >= 0) {
      if (slot.cfg === null || (slot.pids.every((p) => p === 0) && !slot.cfg.equals(cfg))) {
        // No pid uses the slot: its config can change, and is written
        // before any pid names it.
        slot.cfg = Buffer.from(cfg);
        this.write(obj, i, slot);
      }
      if (slot.cfg.equals(cfg)) {
        slot.pids[free] = pid;
        this.write(obj, i, slot);
        if (this.placed.get(pid) === -1) procs.delete(pidKey(pid));
        this.placed.set(pid, i);
        return 'slot';
      }
    }
    if (this.placed.get(pid) !== -1) procs.update(pidKey(pid), cfg);
    this.placed.set(pid, -1);
    return 'procs';
  }

  /** Takes `pid`'s config away; nothing when it has none. */
  remove(obj: BpfObject, pid: number): void {
    const i = this.placed.get(pid);
    if (i === undefined) return;
    this.placed.delete(pid);
    if (i < 0) obj.map(this.maps.procs).delete(pidKey(pid));
    else this.leaveSlot(obj, pid, i);
  }

  /** Takes `pid` out of its slot, if it is in one (slot i when known). */
  private leaveSlot(obj: BpfObject, pid: number, i = this.placed.get(pid) ?? -1): void {
    if (i < 0) return;
    const slot = this.slots[i]!;
    slot.pids[slot.pids.indexOf(pid)] = 0;
    this.write(obj, i, slot);
  }

  private write(obj: BpfObject, i: number, slot: Slot): void {
    const cfg = slot.cfg!, v = Buffer.alloc(cfg.length + 4 * CFG_SLOT_PIDS);
    cfg.copy(v, 0);
    slot.pids.forEach((p, j) => v.writeUInt32LE(p, cfg.length + 4 * j));
    obj.map(this.maps.slots).update(u32Key(i), v);
  }
}
