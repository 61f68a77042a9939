// The http2 copies a binary may hold, and the offsets of their structs. Go
// has shipped the same http2 code under three names: golang.org/x/net/http2
// (serverConn), net/http's bundled copy (http2serverConn, Go 1.6+) and
// net/http/internal/http2 (serverConn); a module may vendor x/net too.
// Offsets come from DWARF, else a rule-file pin, else the table below.
import type { GoBinary, ResolvedFunction } from '../../core/binary/go-binary';
import { findGoFunction } from '../../core/engine/symbol-names';
import { GotraceError } from '../../core/errors';
import { TLS_SEQ_STD_FIELDS, TLS_WRITE_STD_FIELDS } from '../../core/offsets/conn-offsets';
import { resolveOptionalOffsets, resolveStructOffset, type OffsetTable, type ResolvedOffset } from '../../core/offsets/struct-offset';
import { GO_STD_TABLE } from '../../core/offsets/tables';
import type { ResolvedValue } from '../../core/engine/plugin';

export const PROCESS_HEADERS_NAMES = [
  'golang.org/x/net/http2.(*serverConn).processHeaders',
  'net/http.(*http2serverConn).processHeaders',
  'net/http/internal/http2.(*serverConn).processHeaders',
] as const;

/** The client's request-HEADERS write, present in every copy since x/net 2016 and Go 1.6. */
export const WRITE_HEADERS_NAMES = [
  'golang.org/x/net/http2.(*ClientConn).writeHeaders',
  'net/http.(*http2ClientConn).writeHeaders',
  'net/http/internal/http2.(*ClientConn).writeHeaders',
] as const;

export interface Generation {
  /** The Go package of this copy as the binary names it (vendored paths included). */
  readonly pkg: string;
  /** 'http2' for net/http's bundled copy, whose identifiers are all prefixed. */
  readonly prefix: '' | 'http2';
}

/** Every http2 copy in the binary with a server or a client, one per package, in a stable order. */
export function findGenerations(bin: GoBinary): Generation[] {
  const seen = new Map<string, Generation>();
  for (const canonical of [...PROCESS_HEADERS_NAMES, ...WRITE_HEADERS_NAMES]) {
    const fn = findGoFunction(bin, canonical);
    const m = fn && /^(.*)\.\(\*(http2)?(?:serverConn|ClientConn)\)\.(?:processHeaders|writeHeaders)$/.exec(fn.name);
    if (fn && m && !seen.has(m[1]!)) seen.set(m[1]!, { pkg: m[1]!, prefix: (m[2] ?? '') as '' | 'http2' });
  }
  return [...seen.values()];
}

/** A function of the same copy: `(*serverConn).processData` → its name in this generation. */
export function genFunction(bin: GoBinary, g: Generation, recv: string, method: string): ResolvedFunction | undefined {
  return bin.findFunction(`${g.pkg}.(*${g.prefix}${recv}).${method}`);
}

/** The hpack encoder this copy uses: its own subpackage, or the std-vendored x/net one for net/http. */
export function hpackWriteField(bin: GoBinary, g: Generation): ResolvedFunction | undefined {
  const pkgs = g.prefix === 'http2' || g.pkg.startsWith('net/http/') ? ['vendor/golang.org/x/net/http2/hpack', `${g.pkg}/hpack`] : [`${g.pkg}/hpack`];
  for (const p of pkgs) {
    const fn = bin.findFunction(`${p}.(*Encoder).WriteField`);
    if (fn) return fn;
  }
  return undefined;
}

// Checked against the DWARF of build/fixtures/http2 (Go 1.19.8) and the source
// https://github.com/golang/go/blob/go1.19/src/net/http/h2_bundle.go; only for
// the bundled copy, whose layout moves with the Go version. x/net's layout moves
// with the x/net version, which this table cannot key on: without DWARF it needs pins.
const BUNDLED_119 = '>=1.19.0 <1.20.0-0';
const t = (value: number, source: string) => [{ go: BUNDLED_119, value, source }];
export const HTTP2_TABLE: OffsetTable = {
  fields: {
    // type http2serverConn struct { srv *Server; hs *http.Server; conn net.Conn; bw *bufferedWriter; handler Handler; baseCtx context.Context; framer *Framer; ...
    'net/http.http2serverConn.conn': t(16, 'after srv, hs: two pointers'),
    'net/http.http2serverConn.framer': t(72, 'conn 16 + bw 8 + handler 16 + baseCtx 16 = 72'),
    // type http2MetaHeadersFrame struct { *http2HeadersFrame; Fields []hpack.HeaderField; Truncated bool }
    'net/http.http2MetaHeadersFrame.http2HeadersFrame': t(0, 'the embedded *HeadersFrame is first'),
    'net/http.http2MetaHeadersFrame.Fields': t(8, 'after the embedded pointer'),
    // type http2FrameHeader struct { valid bool; Type uint8; Flags uint8; Length uint32; StreamID uint32 }
    'net/http.http2FrameHeader.StreamID': t(8, 'bool, uint8, uint8, pad, uint32 Length, then StreamID'),
    // type http2DataFrame struct { http2FrameHeader (12 bytes, align 4); data []byte }
    'net/http.http2DataFrame.data': t(16, 'the 12-byte FrameHeader rounded up to 8'),
    // type http2writeResHeaders struct { streamID uint32; httpResCode int; h Header; trailers []string; endStream bool; ...
    'net/http.http2writeResHeaders.streamID': t(0, 'first field'),
    'net/http.http2writeResHeaders.httpResCode': t(8, 'int after uint32 + pad'),
    'net/http.http2writeResHeaders.endStream': t(48, 'after h (map, 8) and trailers (slice, 24)'),
    'net/http.http2FrameHeader.Flags': t(2, 'after valid bool and Type uint8'),
    // type http2RSTStreamFrame struct { http2FrameHeader; ErrCode http2ErrCode }
    'net/http.http2RSTStreamFrame.ErrCode': t(12, 'the 12-byte FrameHeader, then the uint32 code'),
    // type http2ClientConn struct { t *http2Transport; tconn net.Conn; tlsState *tls.ConnectionState; ... wmu sync.Mutex; bw *bufio.Writer; fr *http2Framer; ...
    'net/http.http2ClientConn.tconn': t(8, 'after t, a pointer'),
    'net/http.http2ClientConn.fr': t(304, 'after reqHeaderMu (280, a chan), wmu (288) and bw (296)'),
    // type http2clientConnReadLoop struct { _ http2incomparable; cc *http2ClientConn }
    'net/http.http2clientConnReadLoop.cc': t(0, 'after a zero-size array'),
    // For TCP seqs (optional: without them the seqs are null).
    'net/http.http2FrameHeader.Length': t(4, 'valid, Type, Flags (3 bytes), pad to 4'),
    'net/http.http2ClientConn.br': t(200, 'measured: DWARF of build/fixtures/http2 (Go 1.19.8)'),
    'net/http.http2ClientConn.bw': t(296, 'measured: DWARF of build/fixtures/http2 (Go 1.19.8)'),
    // type http2serverConn struct { srv *Server; hs *http.Server; conn net.Conn; bw *http2bufferedWriter; ...
    'net/http.http2serverConn.bw': t(32, 'after srv, hs (8 each) and conn (16)'),
    // type http2bufferedWriter struct { _ http2incomparable; w io.Writer; bw *bufio.Writer }
    'net/http.http2bufferedWriter.bw': t(16, 'after w, an interface'),
  },
};

/**
 * Offsets the TCP seqs need (docs/tcp-seqs.md), this copy's and the std
 * library's: each optional. One that is unknown is 0 in the config, and the
 * seqs that need it are reported null; nothing else depends on them.
 */
export const SEQ_FIELDS = {
  fhLength: ['FrameHeader', 'Length'],
  ccBw: ['ClientConn', 'bw'],
  ccBr: ['ClientConn', 'br'],
  scBw: ['serverConn', 'bw'],
  bfwBw: ['bufferedWriter', 'bw'],
  bwN: 'bufio.Writer.n',
  ...TLS_SEQ_STD_FIELDS,
  // A HEADERS frame past a TLS write's first record (go_tls13_write_seq).
  bwBuf: 'bufio.Writer.buf',
  ...TLS_WRITE_STD_FIELDS,
} as const;

export function resolveSeqOffsets(bin: GoBinary, g: Generation, pins: Readonly<Record<string, number>> | undefined): { offsets: Partial<Record<keyof typeof SEQ_FIELDS, number>>; values: ResolvedValue[] } {
  const fields = Object.fromEntries(Object.entries(SEQ_FIELDS).map(([k, f]) => [k, typeof f === 'string' ? f : `${g.pkg}.${g.prefix}${f[0]}.${f[1]}`])) as Record<keyof typeof SEQ_FIELDS, string>;
  return resolveOptionalOffsets(bin, fields, 'TCP seqs', 'the TCP seqs that need it are reported null', { pins, tables: [HTTP2_TABLE, GO_STD_TABLE] });
}

/** Every struct field (`pkg.Type.field`) the plan of one copy resolves: frames, server, client. */
export function genFields(g: Generation): string[] {
  const t = (type: string, member: string) => `${g.pkg}.${g.prefix}${type}.${member}`;
  return [
    t('MetaHeadersFrame', `${g.prefix}HeadersFrame`), t('MetaHeadersFrame', 'Fields'), t('FrameHeader', 'StreamID'), t('FrameHeader', 'Flags'),
    t('DataFrame', 'data'), t('RSTStreamFrame', 'ErrCode'),
    t('serverConn', 'conn'), t('serverConn', 'framer'), t('writeResHeaders', 'streamID'), t('writeResHeaders', 'httpResCode'), t('writeResHeaders', 'endStream'),
    t('ClientConn', 'tconn'), t('ClientConn', 'fr'), t('clientConnReadLoop', 'cc'),
  ];
}

/** Offsets both sides read: the frames. */
export interface FrameOffsets {
  readonly mhfHeaders: ResolvedOffset;
  readonly mhfFields: ResolvedOffset;
  readonly fhStream: ResolvedOffset;
  readonly fhFlags: ResolvedOffset;
  readonly dfData: ResolvedOffset;
  readonly rstCode: ResolvedOffset;
}
export interface ServerOffsets {
  readonly scConn: ResolvedOffset;
  readonly scFramer: ResolvedOffset;
  readonly wrhStream: ResolvedOffset;
  readonly wrhCode: ResolvedOffset;
  readonly wrhEnd: ResolvedOffset;
}
export interface ClientOffsets {
  readonly ccTconn: ResolvedOffset;
  readonly ccFr: ResolvedOffset;
  readonly rlCc: ResolvedOffset;
}

function resolver(bin: GoBinary, g: Generation, pins: Readonly<Record<string, number>> | undefined) {
  const ty = (name: string) => `${g.pkg}.${g.prefix}${name}`;
  const r = (type: string, member: string): ResolvedOffset => resolveStructOffset(bin, `${ty(type)}.${member}`, { pins, tables: [HTTP2_TABLE] });
  return { ty, r };
}

/** The frame offsets of this copy; ERR_OFFSET_UNKNOWN when one is unknown. */
export function resolveFrameOffsets(bin: GoBinary, g: Generation, pins: Readonly<Record<string, number>> | undefined): FrameOffsets {
  const { ty, r } = resolver(bin, g, pins);
  // The embedded *HeadersFrame is named after its type: HeadersFrame or http2HeadersFrame.
  const embedded = (type: string, member: string): ResolvedOffset => {
    try {
      return r(type, `${g.prefix}${member}`);
    } catch (e) {
      if (g.prefix) throw e;
      return r(type, member);
    }
  };
  const o: FrameOffsets = {
    mhfHeaders: embedded('MetaHeadersFrame', 'HeadersFrame'),
    mhfFields: r('MetaHeadersFrame', 'Fields'),
    fhStream: r('FrameHeader', 'StreamID'),
    fhFlags: r('FrameHeader', 'Flags'),
    dfData: r('DataFrame', 'data'),
    rstCode: r('RSTStreamFrame', 'ErrCode'),
  };
  // The probes read the FrameHeader at offset 0 of HeadersFrame, DataFrame and RSTStreamFrame: each must embed it first.
  for (const outer of ['HeadersFrame', 'DataFrame', 'RSTStreamFrame']) {
    const s = bin.hasDwarf ? bin.dwarf?.struct(ty(outer)) : undefined;
    const fh = s?.fields.find((f) => f.name === `${g.prefix}FrameHeader` || f.name === 'FrameHeader');
    if (s && fh?.offset !== 0) {
      throw new GotraceError('ERR_OFFSET_UNKNOWN', `${ty(outer)} does not start with its FrameHeader in this binary; this http2 version is not supported yet`, { file: bin.path });
    }
  }
  return o;
}

export function resolveServerOffsets(bin: GoBinary, g: Generation, pins: Readonly<Record<string, number>> | undefined): ServerOffsets {
  const { r } = resolver(bin, g, pins);
  return {
    scConn: r('serverConn', 'conn'), scFramer: r('serverConn', 'framer'),
    wrhStream: r('writeResHeaders', 'streamID'), wrhCode: r('writeResHeaders', 'httpResCode'), wrhEnd: r('writeResHeaders', 'endStream'),
  };
}

export function resolveClientOffsets(bin: GoBinary, g: Generation, pins: Readonly<Record<string, number>> | undefined): ClientOffsets {
  const { r } = resolver(bin, g, pins);
  return { ccTconn: r('ClientConn', 'tconn'), ccFr: r('ClientConn', 'fr'), rlCc: r('clientConnReadLoop', 'cc') };
}
