// Where a Go value lives at a function's entry PC (the instant a uprobe on the
// entry fires). DWARF readers and the ABI assigner both produce this shape, so
// their answers can be compared field by field.
//
// Stack offsets are relative to SP *at entry*: SP points at the return address
// pushed by CALL, so under ABI0 the first argument is at SP+8. DWARF's Go
// locations are DW_OP_call_frame_cfa + N, and CFA at entry is SP+8, so a DWARF
// offset N becomes 8+N here.

/** DWARF x86-64 register numbers (System V psABI, figure 3.36) → names. */
export const DWARF_X86_64_REGS: readonly string[] = [
  'rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip',
  'xmm0', 'xmm1', 'xmm2', 'xmm3', 'xmm4', 'xmm5', 'xmm6', 'xmm7',
  'xmm8', 'xmm9', 'xmm10', 'xmm11', 'xmm12', 'xmm13', 'xmm14', 'xmm15',
];

export type ValueLocation =
  | { readonly kind: 'register'; readonly register: string }
  | { readonly kind: 'stack'; readonly offset: number }
  /** A value split over several places, each `size` bytes, in order (DW_OP_piece). */
  | { readonly kind: 'pieces'; readonly pieces: readonly LocationPiece[] };

export interface LocationPiece {
  readonly size: number;
  /** undefined: this piece is not available (an empty DWARF piece, or a zero-sized part). */
  readonly location: { readonly kind: 'register'; readonly register: string } | { readonly kind: 'stack'; readonly offset: number } | undefined;
}

/** One line, e.g. `rax`, `sp+16`, `[rax:8 rbx:8 rcx:8]`, for humans. */
export function formatLocation(loc: ValueLocation | undefined): string {
  if (!loc) return '-';
  const one = (l: LocationPiece['location']): string =>
    l === undefined ? '?' : l.kind === 'register' ? l.register : `sp+${l.offset}`;
  if (loc.kind === 'pieces') return `[${loc.pieces.map((p) => `${one(p.location)}:${p.size}`).join(' ')}]`;
  return one(loc);
}
