// Where the probed functions keep the words BPF reads, from their Go
// signatures under the binary's ABI. Stand-in types have the same shape as
// the real ones (a pointer is one word, an interface two, a HeaderField
// {Name, Value string; Sensitive bool} is assigned as its three fields).
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import type { GoLocation } from '../../core/bpf/go-location';
import type { ResolvedValue } from '../../core/engine/plugin';
import { signatureWords, type WantedWord } from '../../core/plugin-kit/go-words';

/** Signatures by method name; unchanged in every http2 copy since 2016 (x/net/http2/server.go, transport.go, frame.go, hpack/encode.go). */
export const SIGNATURES = {
  processHeaders: '(f *byte) error',
  processData: '(f *byte) error',
  writeFrame: '(ctx interface{}) error',
  WriteDataPadded: '(streamID uint32, endStream bool, data []byte, pad []byte) error',
  WriteField: '(name string, value string, sensitive bool) error',
  processResetStream: '(f *byte) error',
  WriteRSTStream: '(streamID uint32, code uint32) error',
  writeHeader: '(name string, value string)',
  writeHeaders: '(streamID uint32, endStream bool, maxFrameSize int, hdrs []byte) error',
  handleResponse: '(cs *byte, f *byte) (*byte, error)',
  processTrailers: '(cs *byte, f *byte) error',
  closeAllStreamsOnConnClose: '()',
  cleanup: '()',
} as const;

/**
 * Locations of (param index, word index) pairs; param 0 is the receiver.
 * `size` is the bytes of that word to read (1 for a bool, 4 for a uint32).
 */
export function argWords(bin: GoBinary, fn: ResolvedFunction, sig: keyof typeof SIGNATURES, want: readonly WantedWord[], values: ResolvedValue[]): GoLocation[] {
  return signatureWords(bin, fn, sig, SIGNATURES[sig], want, values);
}
