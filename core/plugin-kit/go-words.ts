// Where a Go function keeps the 8-byte words BPF reads: one word of a value's
// location (DWARF or ABI-assigned), and the words of a fixed signature's
// parameters under the binary's ABI. Protocol-agnostic: plugins pass their
// own signatures.
import type { GoBinary, ResolvedFunction } from '../binary/go-binary';
import { assignLocations } from '../binary/abi/assign';
import { parseSignature } from '../binary/abi/signature';
import type { ValueLocation } from '../binary/location';
import { GO_INT_REGISTERS, type GoIntRegister, type GoLocation } from '../bpf/go-location';
import type { ResolvedValue } from '../engine/plugin';
import { GotraceError } from '../errors';

export interface WordOptions {
  /** Bytes of the word to read (1 for a bool, 4 for a uint32); 8 unless told. */
  readonly size?: number;
  /** Refuse a register/stack piece of any other size (DWARF pieces of partial words). */
  readonly pieceSize?: number;
}

/** Word `i` of a value at `loc`, as BPF reads it; undefined when BPF cannot read it. */
export function goWord(loc: ValueLocation, i: number, opts: WordOptions = {}): GoLocation | undefined {
  const size = opts.size ?? 8;
  const one = (l: { kind: 'register'; register: string } | { kind: 'stack'; offset: number }): GoLocation | undefined => {
    if (l.kind === 'stack') return { kind: 'stack', offset: l.offset, size };
    const r = GO_INT_REGISTERS.find((x) => x === l.register.toUpperCase()) as GoIntRegister | undefined;
    return r && { kind: 'register', register: r, size };
  };
  if (loc.kind === 'pieces') {
    const p = loc.pieces[i];
    return p?.location && (opts.pieceSize === undefined || p.size === opts.pieceSize) ? one(p.location) : undefined;
  }
  if (loc.kind === 'stack') return { kind: 'stack', offset: loc.offset + 8 * i, size };
  return i === 0 ? one(loc) : undefined;
}

/** One word wanted: parameter `param` (0 is the receiver), its word `word`, `size` bytes of it. */
export interface WantedWord {
  readonly what: string;
  readonly param: number;
  readonly word?: number;
  readonly size?: number;
}

/**
 * Locations of (param, word) pairs of `fn` with signature `signature` (named
 * `sigName` in provenance), each recorded in `values`. Throws
 * ERR_OFFSET_UNKNOWN when the ABI puts a word where BPF cannot read it.
 */
export function signatureWords(bin: GoBinary, fn: ResolvedFunction, sigName: string, signature: string, want: readonly WantedWord[], values: ResolvedValue[]): GoLocation[] {
  const params = assignLocations(parseSignature(`${fn.name}${signature}`), bin.abi).filter((a) => !a.isResult);
  return want.map(({ what, param, word: w = 0, size = 8 }) => {
    const a = params[param];
    const loc = a?.location && goWord(a.location, w, { size });
    if (!loc) throw new GotraceError('ERR_OFFSET_UNKNOWN', `${fn.name}: no location for ${what}; this Go version passes it where BPF cannot read`, { file: bin.path });
    values.push({ name: `${fn.name} ${what}`, value: loc, source: 'signature/abi', detail: `${bin.abi} ABI, ${sigName}${signature}` });
    return loc;
  });
}
