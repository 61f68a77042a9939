// Where crypto/tls.(*Conn).Write/Read and internal/poll.(*FD).Read keep the
// words the BPF side reads: DWARF's location at entry when the binary has
// it, else the fixed Go signature placed under the binary's ABI. Results are
// read at a RET, where only the ABI says where they are.
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import { assignLocations } from '../../core/binary/abi/assign';
import { parseSignature } from '../../core/binary/abi/signature';
import type { ValueLocation } from '../../core/binary/location';
import type { GoLocation } from '../../core/bpf/go-location';
import type { ResolvedValue } from '../../core/engine/plugin';
import { GotraceError } from '../../core/errors';
import { goWord } from '../../core/plugin-kit/go-words';

/** The signatures gotrace relies on; unchanged since Go 1.0. */
export const SIGNATURES: Readonly<Record<string, string>> = {
  'crypto/tls.(*Conn).Write': '(b []byte) (n int, err error)',
  'crypto/tls.(*Conn).Read': '(b []byte) (n int, err error)',
  'internal/poll.(*FD).Read': '(p []byte) (n int, err error)',
  'internal/poll.(*FD).Write': '(p []byte) (n int, err error)',
  // Since Go 1.12 (TLS 1.3), with `type recordType uint8`: https://github.com/golang/go/blob/go1.13/src/crypto/tls/conn.go
  'crypto/tls.(*halfConn).decrypt': '(record []byte) ([]byte, uint8, error)',
  'internal/poll.(*FD).Close': '() error',
};

/** Word `i` (8 bytes) of a value at `loc`, as BPF reads it; a DWARF piece must be a whole word. */
const word = (loc: ValueLocation, i: number): GoLocation | undefined => goWord(loc, i, { pieceSize: 8 });

export interface MethodWords {
  /** The receiver (*tls.Conn or *poll.FD). */
  readonly recv: GoLocation;
  readonly bufPtr: GoLocation;
  readonly bufLen: GoLocation;
  /** Result n, at a RET (absent when not asked for: its location is then not a value the probes rely on). */
  readonly n?: GoLocation;
}

/** Word w of argument (or result) `index` of fn, with its provenance in `values`. */
function argWord(bin: GoBinary, fn: ResolvedFunction, index: number, w: number, what: string, result: boolean, values: ResolvedValue[]): GoLocation {
  const abi = assignLocations(parseSignature(`${fn.name}${SIGNATURES[fn.name]}`), bin.abi);
  const dw = bin.hasDwarf ? bin.dwarf?.function(fn.name)?.params.filter((p) => !p.isResult) : undefined;
  const a = abi.filter((x) => x.isResult === result)[index];
  const fromDwarf = !result && dw?.[index]?.location ? word(dw[index]!.location!, w) : undefined;
  const loc = fromDwarf ?? (a?.location && word(a.location, w));
  if (!loc) {
    throw new GotraceError('ERR_OFFSET_UNKNOWN', `${fn.name}: no location for ${what}; this Go version passes it where BPF cannot read`, { file: bin.path });
  }
  values.push({ name: `${fn.name} ${what}`, value: loc, source: fromDwarf ? 'dwarf' : 'signature/abi',
    detail: fromDwarf ? 'location at entry PC' : `${bin.abi} ABI, func ${fn.name}${SIGNATURES[fn.name]}` });
  return loc;
}

/** recv, b.ptr, b.len at entry and n at RET, each with its provenance in `values`. */
export function methodWords(bin: GoBinary, fn: ResolvedFunction, values: ResolvedValue[], withN = true): MethodWords {
  const pick = (index: number, w: number, what: string, result: boolean): GoLocation => argWord(bin, fn, index, w, what, result, values);
  return { recv: pick(0, 0, 'receiver', false), bufPtr: pick(1, 0, 'buffer pointer', false), bufLen: pick(1, 1, 'buffer length', false), ...(withN ? { n: pick(0, 0, 'result n', true) } : {}) };
}

/** The receiver alone, at entry (a method with no []byte argument). */
export function receiverWord(bin: GoBinary, fn: ResolvedFunction, values: ResolvedValue[]): GoLocation {
  return argWord(bin, fn, 0, 0, 'receiver', false, values);
}

type StackWord = Extract<GoLocation, { kind: 'stack' }>;

/** Where a RET probe reads the receiver and b.ptr of a method call that has already run. */
export interface ArgsAtReturn {
  readonly recv: StackWord;
  readonly bufPtr: StackWord;
}

/**
 * The receiver and b.ptr at every RET of `fn`, when DWARF's location lists
 * say, at each of those RET addresses, that they sit in the same stack slot
 * (the spill slot the prologue stored the register argument to); else null
 * and why, in `values`. Then the RET probe alone can read them and the entry
 * probe is not needed. Registers are not taken even when DWARF names one: at
 * a RET they hold results, and a stack slot is what the compiler stated it
 * left alone. Without DWARF nothing is proven: the ABI says where a spill slot
 * would be, not whether the function spilled to it.
 */
export function argsAtReturn(bin: GoBinary, fn: ResolvedFunction, retAddresses: readonly number[], values: ResolvedValue[]): ArgsAtReturn | null {
  const no = (why: string): null => {
    values.push({ name: `${fn.name} arguments at RET`, value: null, source: bin.hasDwarf ? 'dwarf' : 'signature/abi', detail: `${why}: the entry probe stays` });
    return null;
  };
  if (!bin.hasDwarf || !bin.dwarf) return no('no DWARF, so no proof that the arguments are still in their spill slots');
  let found: ArgsAtReturn | undefined;
  for (const pc of retAddresses) {
    const params = bin.dwarf.paramsAtReturn(fn.name, pc)?.filter((p) => !p.isResult);
    const at = (index: number): StackWord | undefined => {
      const loc = params?.[index]?.location;
      const w = loc && word(loc, 0);
      return w?.kind === 'stack' ? w : undefined;
    };
    const recv = at(0), bufPtr = at(1);
    const hex = `0x${pc.toString(16)}`;
    if (!recv || !bufPtr) return no(`DWARF does not place the receiver and b.ptr in a stack slot at the RET at ${hex}`);
    if (found && (found.recv.offset !== recv.offset || found.bufPtr.offset !== bufPtr.offset)) return no(`the RET at ${hex} has them in other slots than the RETs before it`);
    found = { recv, bufPtr };
  }
  if (!found) return no('no RET');
  values.push({ name: `${fn.name} arguments at RET`, value: found, source: 'dwarf',
    detail: `receiver and b.ptr in their spill slots at all ${retAddresses.length} RETs (location lists at each RET address)` });
  return found;
}
