// The floor for bench:overhead: floor.bpf.o's empty program attached at
// given probe sites of one process. What it costs the process is the kernel's
// own uprobe cost at those sites, with nothing of gotrace's work on top.
// With countHits, each site's hits are counted (cookie = site index) instead.
import { BpfObject } from '../../core/bpf/bpf-object';
import { bpfObjectPath } from '../../core/bpf/paths';

/** Mirrors FLOOR_MAX_SITES in floor.h. */
const MAX_SITES = 256;
const PROGRAM = 'uprobe_floor_hit';

export interface FloorSite {
  readonly symbol: string;
  readonly kind: string;
  readonly fileOffset: number;
}

export interface Floor {
  /** Hits per site, in the order of the sites given (all 0 without countHits). */
  hits(): number[];
  /** Detaches every probe (in parallel: each uprobe detach waits ~100 ms) and frees the object. */
  close(): Promise<void>;
}

export function attachFloor(binaryPath: string, pid: number, sites: readonly FloorSite[], countHits: boolean): Floor {
  if (sites.length > MAX_SITES) throw new Error(`floor: ${sites.length} sites, at most ${MAX_SITES}; raise FLOOR_MAX_SITES in bench/floor/floor.h`);
  const obj = BpfObject.open(bpfObjectPath('floor'));
  try {
    obj.setConst('count_hits', Buffer.from([countHits ? 1 : 0]));
    obj.load();
    // The kernel filters by pid: the breakpoints go into this process only.
    sites.forEach((s, i) => obj.attachUprobe(PROGRAM, { binaryPath, fileOffset: s.fileOffset, pid, cookie: BigInt(i) }));
  } catch (e) {
    obj.close();
    throw e;
  }
  const map = obj.map('floor_hits');
  const key = Buffer.alloc(4);
  return {
    hits: () => sites.map((_, i) => {
      key.writeUInt32LE(i, 0);
      return (map.lookupPerCpu(key) ?? []).reduce((sum, v) => sum + Number(v.readBigUInt64LE(0)), 0);
    }),
    close: async () => {
      await obj.detachLinks(obj.links());
      obj.close();
    },
  };
}
