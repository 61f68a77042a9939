// Where an entry probe goes so that it fires exactly once per call.
//
// A Go function that may grow its stack starts with a bound check:
//   register ABI:  cmp rsp, [r14+0x10]         ; r14 = g, g.stackguard0 at +16
//   stack ABI:     mov rcx, fs:[-8]; cmp rsp, [rcx+0x10]
//   large frames:  lea r12, [rsp-N]; cmp r12, [g+0x10]
//   then           jbe <tail that calls runtime.morestack and jumps back to the entry>
// When the stack is too small, morestack copies the stack and re-runs the
// function from its first instruction, so a probe on the entry would fire twice
// for one call. A probe on the instruction after the `jbe` fires once: only when
// the check passes. Nothing before that point moves SP or touches argument
// registers (rcx/r12/rax scratch only under their ABI), so argument locations
// "at entry" hold there too.
// Layout per cmd/internal/obj/x86/obj6.go stacksplit (Go 1.13 to 1.26).
// Functions marked NOSPLIT have no check: their probe stays on the entry.
import { BinaryFormatError } from '../errors';
import type { ElfFile } from './elf';
import { decodeInstructions } from './x86-decode';

export interface EntrySite {
  readonly address: number;
  readonly fileOffset: number;
  /** True when the site is after a stack-bound check rather than on the entry. */
  readonly afterStackCheck: boolean;
}

/** How far into a function the check can be: mov/lea + cmp + jbe. */
const PROLOGUE_WINDOW = 4;

export function findEntrySite(elf: ElfFile, entry: number, end: number, name = `0x${entry.toString(16)}`): EntrySite {
  const code = elf.readVirtual(entry, Math.min(end - entry, 64));
  if (!code) throw new BinaryFormatError('ERR_ADDRESS_NOT_MAPPED', `${name}: code is not in the file`, { file: elf.path });
  const delta = elf.vaddrToFileOffset(entry) - entry;
  const insns = decodeInstructions(code, PROLOGUE_WINDOW + 1);
  let sawCompare = false;
  for (let i = 0; i < Math.min(insns.length, PROLOGUE_WINDOW); i++) {
    const ins = insns[i]!;
    // g.stackguard0 is at offset 16 of runtime.g in every Go release we support.
    if (ins.mnemonic === 'cmp' && ins.memoryDisplacement === 16) sawCompare = true;
    else if (sawCompare && (ins.mnemonic === 'jbe' || ins.mnemonic === 'jb')) {
      const nextOffset = ins.offset + ins.length;
      const next = entry + nextOffset;
      // The morestack tail sits after the body: the branch must go forward.
      if (ins.branchTarget !== undefined && ins.branchTarget > nextOffset) {
        return { address: next, fileOffset: next + delta, afterStackCheck: true };
      }
      break;
    } else if (!(ins.mnemonic === 'mov' || ins.mnemonic === 'lea')) break;
  }
  return { address: entry, fileOffset: entry + delta, afterStackCheck: false };
}
