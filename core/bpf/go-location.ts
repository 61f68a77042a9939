// Encodes where a Go argument lives into bpf/include/go_abi.h's location_t,
// for setting a `const volatile location_t` before load.
//
// typedef struct { __u8 kind; __u8 reg; __u8 size; __u8 _pad; __s32 offset; } location_t;
import { GotraceError } from '../errors';

export const LOCATION_SIZE = 8;

/** Go ABIInternal integer argument registers on amd64, in assignment order (go_abi_reg()). */
export const GO_INT_REGISTERS = ['RAX', 'RBX', 'RCX', 'RDI', 'RSI', 'R8', 'R9', 'R10', 'R11'] as const;
export type GoIntRegister = (typeof GO_INT_REGISTERS)[number];

export type GoLocation =
  | { readonly kind: 'register'; readonly register: GoIntRegister; readonly size: number }
  /** `offset` is from SP at the function's entry, so the first stack argument is at 8. */
  | { readonly kind: 'stack'; readonly offset: number; readonly size: number };

const KIND = { register: 1, stack: 2 } as const;

export function encodeLocation(loc: GoLocation): Buffer {
  if (!Number.isInteger(loc.size) || loc.size < 1 || loc.size > 8) {
    throw new GotraceError('ERR_BPF_CONST', `a location reads 1 to 8 bytes, not ${loc.size}; split wider values into several locations`);
  }
  const buf = Buffer.alloc(LOCATION_SIZE);
  buf.writeUInt8(KIND[loc.kind], 0);
  buf.writeUInt8(loc.size, 2);
  if (loc.kind === 'register') {
    const index = GO_INT_REGISTERS.indexOf(loc.register);
    if (index < 0) throw new GotraceError('ERR_BPF_CONST', `${String(loc.register)} is not a Go integer argument register; use one of ${GO_INT_REGISTERS.join(', ')}`);
    buf.writeUInt8(index, 1);
  } else {
    if (!Number.isInteger(loc.offset) || loc.offset < 8) {
      throw new GotraceError('ERR_BPF_CONST', `a stack argument is at SP+8 or above at function entry (SP points at the return address), not SP+${loc.offset}`);
    }
    buf.writeInt32LE(loc.offset, 4);
  }
  return buf;
}
