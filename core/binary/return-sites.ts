// Return sites: the addresses a "return probe" attaches to in a Go function.
//
// Go cannot use uretprobes: the kernel overwrites the return address on the
// goroutine stack with a trampoline, and the Go runtime copies and moves
// goroutine stacks (and walks them for GC and tracebacks), which crashes or
// corrupts the program (https://github.com/golang/go/issues/22008). So a
// return probe is a plain uprobe on every RET instruction of the function.
//
// RETs are found by decoding the function linearly from its entry with
// iced-x86. Go's amd64 code keeps no data inside function bodies (constants
// live in .rodata; switch jump tables since Go 1.19 too, see
// https://github.com/golang/go/blob/go1.19/src/cmd/compile/internal/ssagen/ssa.go
// "jump tables"), so a linear sweep stays on instruction boundaries. A byte
// scan for 0xC3 would not: 0xC3 also occurs inside immediates, displacements
// and ModRM bytes, and a uprobe there would corrupt an instruction.
import type { Decoder as IcedDecoder, Instruction as IcedInstruction } from 'iced-x86';
import { BinaryFormatError } from '../errors';
import type { ElfFile } from './elf';

export interface ReturnSite {
  /** Link-time virtual address of the RET. */
  readonly address: number;
  /** Offset in the ELF file, what a uprobe is attached at. */
  readonly fileOffset: number;
}

type Iced = typeof import('iced-x86');

let icedModule: Iced | undefined;

/** Loads iced-x86, which compiles its WASM module at require time, on first use only. */
function iced(): Iced {
  return (icedModule ??= require('iced-x86') as Iced);
}

const hex = (n: number): string => '0x' + n.toString(16);

/**
 * Every RET (`ret` and `ret imm16`) in the function whose code is [entry, end).
 *
 * `end` is the function's end: symbol value + st_size, or the next function's
 * entry from pclntab (the INT3 padding in between decodes as valid code).
 * An undecodable instruction, or one that runs past `end`, is an ERR_DECODE
 * error naming the function: a wrong site would corrupt the traced program,
 * so no site is ever guessed.
 */
export function findReturnSites(elf: ElfFile, entry: number, end: number, name?: string): ReturnSite[] {
  const what = name ? `${name} at ${hex(entry)}` : `function at ${hex(entry)}`;
  if (!(Number.isSafeInteger(entry) && Number.isSafeInteger(end) && end > entry)) {
    throw new BinaryFormatError('ERR_DECODE', `${what}: bad bounds [${hex(entry)}, ${hex(end)}); pass the entry and the end (entry + size) from the symbol table or pclntab`, { file: elf.path });
  }
  const code = elf.readVirtual(entry, end - entry);
  if (!code) {
    throw new BinaryFormatError('ERR_ADDRESS_NOT_MAPPED', `${what}: [${hex(entry)}, ${hex(end)}) is not file-backed in one PT_LOAD segment; check the function bounds`, { file: elf.path });
  }
  // Every site shares the function's segment, so one delta maps vaddr → file offset.
  const delta = elf.vaddrToFileOffset(entry) - entry;
  return retOffsets(code, what, elf.path).map((off) => ({ address: entry + off, fileOffset: entry + off + delta }));
}

/**
 * Offsets (from the start of `code`) of every near RET in `code`, decoded as
 * one x86-64 instruction stream. Exported for tests on handcrafted bytes.
 */
export function retOffsets(code: Uint8Array, what = 'code', file?: string): number[] {
  const lib = iced();
  const out: number[] = [];
  const near = nearRetCodes(lib);
  let decoder: IcedDecoder | undefined;
  let instr: IcedInstruction | undefined;
  try {
    const d = (decoder = new lib.Decoder(64, code, lib.DecoderOptions.None));
    const ins = (instr = new lib.Instruction());
    // Each property read crosses into WASM, so the loop reads as few as it
    // can: canDecode, decodeOut and code per instruction; positions only on a hit.
    while (d.canDecode) {
      d.decodeOut(ins);
      const c = ins.code;
      if (c === lib.Code.INVALID) {
        const pos = d.position - ins.length;
        const left = d.lastError === lib.DecoderError.NoMoreBytes;
        const bytes = Buffer.from(code.subarray(pos, pos + 8)).toString('hex');
        throw new BinaryFormatError('ERR_DECODE',
          `${what}: ${left ? 'the instruction' : 'invalid instruction'} at offset +${hex(pos)} (bytes ${bytes})` +
          `${left ? ' runs past the function end' : ''}; the function bounds may be wrong or the binary is not x86-64 Go code, so no return probe is placed`,
          { file });
      }
      // Near RET (C3, and C2 iw). Far RET and IRET never occur in Go code.
      if (near.has(c)) out.push(d.position - ins.length);
    }
  } finally {
    instr?.free();
    decoder?.free();
  }
  return out;
}

let nearCodes: Set<number> | undefined;
function nearRetCodes(iced: Iced): Set<number> {
  return (nearCodes ??= new Set([iced.Code.Retnq, iced.Code.Retnq_imm16, iced.Code.Retnd, iced.Code.Retnd_imm16, iced.Code.Retnw, iced.Code.Retnw_imm16]));
}
