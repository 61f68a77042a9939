// Where the probed grpc-go functions keep the words BPF reads, from their Go
// signatures under the binary's ABI (stand-in types have the real shapes: a
// pointer or func is one word, a slice three). The signatures are those of
// grpc-go 1.33 (internal/transport/http2_server.go, http2_client.go, controlbuf.go).
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import type { GoLocation } from '../../core/bpf/go-location';
import type { ResolvedValue } from '../../core/engine/plugin';
import { signatureWords, type WantedWord } from '../../core/plugin-kit/go-words';

export const SIGNATURES = {
  operateHeaders: '(frame *byte, handle func(*byte), traceCtx func(*byte, string) *byte) (fatal bool)',
  writeHeader: '(streamID uint32, endStream bool, hf []byte, onWrite func()) error',
  handleData: '(f *byte)',
  Write: '(s *byte, hdr []byte, data []byte, opts *byte) error',
  clientOperateHeaders: '(frame *byte)',
  // rstCode is http2.ErrCode (uint32); st *status.Status, mdata a map: one word each
  closeStream: '(s *byte, err error, rst bool, rstCode uint32, st *byte, mdata *byte, eosReceived bool)',
  handleRSTStream: '(f *byte)',
} as const;

/** Locations of (param, word) pairs; param 0 is the receiver, `size` the bytes of that word to read. */
export function argWords(bin: GoBinary, fn: ResolvedFunction, sig: keyof typeof SIGNATURES, want: readonly WantedWord[], values: ResolvedValue[]): GoLocation[] {
  return signatureWords(bin, fn, sig, SIGNATURES[sig], want, values);
}
