// A few decoded x86-64 instructions as plain objects, for prologue analysis.
// iced-x86 (WASM) is loaded lazily; its objects hold WASM memory, so the
// decoder is freed here and callers only see plain data.
import type { Instruction as IcedInstruction } from 'iced-x86';

type Iced = typeof import('iced-x86');
let iced: { lib: Iced; instr: IcedInstruction } | undefined;

function lib(): { lib: Iced; instr: IcedInstruction } {
  if (!iced) {
    const l = require('iced-x86') as Iced;
    iced = { lib: l, instr: new l.Instruction() };
  }
  return iced;
}

export interface DecodedInstruction {
  /** Offset from the start of the decoded bytes. */
  readonly offset: number;
  readonly length: number;
  /** Lower-case mnemonic: 'cmp', 'jbe', 'lea', … */
  readonly mnemonic: string;
  /** For memory operands: the displacement (e.g. 16 for [r14+0x10]). */
  readonly memoryDisplacement?: number;
  /** For near branches: the target as an offset from the start of the bytes. */
  readonly branchTarget?: number;
  readonly invalid: boolean;
}

/** Decodes up to `max` instructions from `code`, as if it were loaded at address 0. */
export function decodeInstructions(code: Uint8Array, max: number): DecodedInstruction[] {
  const { lib: l, instr } = lib();
  const out: DecodedInstruction[] = [];
  const decoder = new l.Decoder(64, code, l.DecoderOptions.None);
  try {
    decoder.ip = 0n;
    while (decoder.canDecode && out.length < max) {
      const offset = decoder.position;
      decoder.decodeOut(instr);
      const hasMem = instr.opCount > 0 && [...Array(instr.opCount).keys()].some((i) => instr.opKind(i) === l.OpKind.Memory);
      const isBranch = instr.flowControl === l.FlowControl.ConditionalBranch || instr.flowControl === l.FlowControl.UnconditionalBranch;
      out.push({
        offset, length: instr.length, invalid: instr.isInvalid,
        mnemonic: (l.Mnemonic[instr.mnemonic] ?? '').toLowerCase(),
        ...(hasMem ? { memoryDisplacement: Number(BigInt.asIntN(64, instr.memoryDisplacement)) } : {}),
        ...(isBranch ? { branchTarget: Number(instr.nearBranchTarget) } : {}),
      });
      if (instr.isInvalid) break;
    }
  } finally {
    decoder.free();
  }
  return out;
}
