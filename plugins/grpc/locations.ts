// Where the probed grpc-go functions keep the words BPF reads, from their Go
// signatures under the binary's ABI (stand-in types have the real shapes: a
// pointer or func is one word, a slice three). The signatures are those of
// grpc-go 1.33 (internal/transport/http2_server.go, controlbuf.go).
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import { assignLocations } from '../../core/binary/abi/assign';
import { parseSignature } from '../../core/binary/abi/signature';
import type { ValueLocation } from '../../core/binary/location';
import { GO_INT_REGISTERS, type GoIntRegister, type GoLocation } from '../../core/bpf/go-location';
import type { ResolvedValue } from '../../core/engine/plugin';
import { GotraceError } from '../../core/errors';

export const SIGNATURES = {
  operateHeaders: '(frame *byte, handle func(*byte), traceCtx func(*byte, string) *byte) (fatal bool)',
  writeHeader: '(streamID uint32, endStream bool, hf []byte, onWrite func()) error',
  handleData: '(f *byte)',
  Write: '(s *byte, hdr []byte, data []byte, opts *byte) error',
} as const;

function word(loc: ValueLocation, i: number, size: number): GoLocation | undefined {
  const one = (l: { kind: 'register'; register: string } | { kind: 'stack'; offset: number }): GoLocation | undefined => {
    if (l.kind === 'stack') return { kind: 'stack', offset: l.offset, size };
    const r = GO_INT_REGISTERS.find((x) => x === l.register.toUpperCase()) as GoIntRegister | undefined;
    return r && { kind: 'register', register: r, size };
  };
  if (loc.kind === 'pieces') {
    const p = loc.pieces[i];
    return p?.location ? one(p.location) : undefined;
  }
  if (loc.kind === 'stack') return { kind: 'stack', offset: loc.offset + 8 * i, size };
  return i === 0 ? one(loc) : undefined;
}

/** Locations of (param, word) pairs; param 0 is the receiver, `size` the bytes of that word to read. */
export function argWords(bin: GoBinary, fn: ResolvedFunction, sig: keyof typeof SIGNATURES, want: readonly { what: string; param: number; word?: number; size?: number }[], values: ResolvedValue[]): GoLocation[] {
  const params = assignLocations(parseSignature(`${fn.name}${SIGNATURES[sig]}`), bin.abi).filter((a) => !a.isResult);
  return want.map(({ what, param, word: w = 0, size = 8 }) => {
    const a = params[param];
    const loc = a?.location && word(a.location, w, size);
    if (!loc) throw new GotraceError('ERR_OFFSET_UNKNOWN', `${fn.name}: no location for ${what}; this Go version passes it where BPF cannot read`, { file: bin.path });
    values.push({ name: `${fn.name} ${what}`, value: loc, source: 'signature/abi', detail: `${bin.abi} ABI, ${sig}${SIGNATURES[sig]}` });
    return loc;
  });
}
