// Runtime addresses (itabs) move with a PIE's load address; see
// core/discovery/load-bias.ts for how the bias is found.
import { loadBias } from '../discovery/load-bias';
import type { ProcessTarget } from '../engine/plugin';

/**
 * The load bias of `target`'s binary in process `pid` (0 for a non-PIE's
 * mapping). A held process (not exec'd yet) has no mapping to read: 0 then,
 * which fails closed: a PIE is never mapped at its link addresses, so no
 * runtime itab pointer equals an unbiased one and conns are reported with no
 * fd until the session attaches the process again after its exec.
 */
export function targetLoadBias(pid: number, target: ProcessTarget): bigint {
  if (target.held) return 0n;
  return loadBias(pid, target.binary.elf, target.binaryKey.split(':')[1]!);
}
