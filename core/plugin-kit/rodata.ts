// A traced binary's .rodata, for header fields that BPF sends as references
// (GO_HDR_REF in bpf/include/go_hdr_block.h): a Go string literal lies there,
// and copying its bytes out of the process is a helper call per string, while
// the same bytes are in the file. .rodata is mapped read-only from the file and
// holds no relocations (a PIE's relocated data is in .data.rel.ro), so what
// the process sees there is what the file says.
import type { GoBinary } from '../binary/go-binary';

export interface Rodata {
  /** Run-time addresses, load bias applied: what BPF compares string pointers with. */
  readonly lo: bigint;
  readonly hi: bigint;
  /** The section's bytes; a reference is an offset into them. */
  readonly bytes: Buffer;
}

/** struct go_rodata: two __u64. */
export const RODATA_SIZE = 16;

/** No range: BPF copies every string. */
export const NO_RODATA: Rodata = Object.freeze({ lo: 0n, hi: 0n, bytes: Buffer.alloc(0) });

/**
 * `binary`'s .rodata as process memory holds it, `bias` bytes from its link
 * address; null when there is none. A PIE's bias is unknown until its exec
 * (a held process): pass null, and every string is copied.
 */
export function rodataOf(binary: GoBinary, bias: bigint | null): Rodata {
  const s = binary.elf.section('.rodata');
  if (bias === null || !s || s.size === 0 || s.addr === 0) return NO_RODATA;
  const bytes = binary.elf.rawData(s);
  if (bytes.length !== s.size) return NO_RODATA;
  const lo = BigInt(s.addr) + bias;
  return { lo, hi: lo + BigInt(s.size), bytes };
}

/** struct go_rodata into `b` at `at`. */
export function encodeRodata(r: Rodata, b: Buffer, at: number): void {
  b.writeBigUInt64LE(r.lo, at);
  b.writeBigUInt64LE(r.hi, at + 8);
}

/**
 * Each traced process's Rodata, for the decoders: references are relative to
 * the binary the record came from. Kept after a process is detached, as its
 * last records may still be in the ring; an entry only points at the
 * binary's bytes, and a reused pid is set again when it is attached.
 */
export class RodataByPid {
  private readonly byPid = new Map<number, Rodata>();

  set(pid: number, r: Rodata): void {
    this.byPid.set(pid, r);
  }

  get(pid: number): Rodata {
    return this.byPid.get(pid) ?? NO_RODATA;
  }
}
