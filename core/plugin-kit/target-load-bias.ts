// Runtime addresses (itabs) move with a PIE's load address; see
// core/discovery/load-bias.ts for how the bias is found.
import { loadBias } from '../discovery/load-bias';
import type { ProcessTarget } from '../engine/plugin';

/** The load bias of `target`'s binary in process `pid` (0 for a non-PIE's mapping). */
export function targetLoadBias(pid: number, target: ProcessTarget): bigint {
  return loadBias(pid, target.binary.elf, target.binaryKey.split(':')[1]!);
}
