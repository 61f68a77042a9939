// The grpc-go transport structs the probes read, and the golang.org/x/net/http2
// frames grpc hands them. Offsets come from DWARF, else a rule-file pin, else
// the version tables: x/net's by the x/net version the build info records,
// grpc's by the grpc version (build info, or for GOPATH builds grpc-go's own
// user-agent string: version.ts). The public data starts at grpc 1.40 and has
// nothing for loopyWriter.framer/side or framer.writer; grpc 1.33.3 (Debian's)
// is tabled from our fixture's DWARF (docs/offset-tables.md, Measured values).
import type { GoBinary } from '../../core/binary/go-binary';
import { GotraceError } from '../../core/errors';
import { TLS_SEQ_STD_FIELDS, TLS_WRITE_STD_FIELDS } from '../../core/offsets/conn-offsets';
import { resolveOptionalOffsets, resolveStructOffset, type KnownVersion, type ResolvedOffset } from '../../core/offsets/struct-offset';
import { GO_STD_TABLE, GRPC_TABLE, X_NET_HTTP2_TABLE } from '../../core/offsets/tables';
import type { ResolvedValue } from '../../core/engine/plugin';

export const TRANSPORT = 'google.golang.org/grpc/internal/transport';
const H2 = 'golang.org/x/net/http2';

export const FIELDS = {
  srvConn: `${TRANSPORT}.http2Server.conn`,
  cliConn: `${TRANSPORT}.http2Client.conn`,
  lwSide: `${TRANSPORT}.loopyWriter.side`,
  lwFramer: `${TRANSPORT}.loopyWriter.framer`,
  frWriter: `${TRANSPORT}.framer.writer`,
  bwConn: `${TRANSPORT}.bufWriter.conn`,
  stId: `${TRANSPORT}.Stream.id`,
  mhfHeaders: `${H2}.MetaHeadersFrame.HeadersFrame`,
  mhfFields: `${H2}.MetaHeadersFrame.Fields`,
  fhStream: `${H2}.FrameHeader.StreamID`,
  fhFlags: `${H2}.FrameHeader.Flags`,
  dfData: `${H2}.DataFrame.data`,
  rstCode: `${H2}.RSTStreamFrame.ErrCode`,
} as const;

export type GrpcOffsets = { readonly [K in keyof typeof FIELDS]: ResolvedOffset };

/** The embedded net.Conn of grpc's credentials wrapper (internal/credentials/syscallconn.go), optional. */
export const WRAP_TYPE = 'google.golang.org/grpc/internal/credentials.syscallConn';

type Pins = Readonly<Record<string, number>> | undefined;
type Versions = Readonly<Record<string, KnownVersion>>;
// x/net's own table first: where the build info records x/net, it knows the frames best.
const TABLES = [X_NET_HTTP2_TABLE, GRPC_TABLE];

/** Fields only one side's probes read: a binary that links only the other side need not know them. */
export const SIDE_FIELDS = { server: ['srvConn', 'rstCode'], client: ['cliConn'] } as const satisfies Record<string, readonly (keyof typeof FIELDS)[]>;

/** Every field's offset; those in `skip` (a side the binary does not link) are 0 with source 'derived', never read. */
export function resolveGrpcOffsets(bin: GoBinary, pins: Pins, versions: Versions = {}, skip: readonly (keyof typeof FIELDS)[] = []): GrpcOffsets {
  const out = {} as Record<keyof typeof FIELDS, ResolvedOffset>;
  for (const [k, field] of Object.entries(FIELDS) as [keyof typeof FIELDS, string][]) {
    out[k] = skip.includes(k) ? { field, value: 0, source: 'derived', detail: 'unused: the side that reads it is not linked into this binary' }
      : resolveStructOffset(bin, field, { pins, tables: TABLES, versions });
  }
  // BPF reads StreamID at FrameHeader's offset in HeadersFrame and DataFrame, and 40-byte HeaderFields.
  const s = (t: string) => (bin.hasDwarf ? bin.dwarf?.struct(t) : undefined);
  for (const outer of ['HeadersFrame', 'DataFrame']) {
    const st = s(`${H2}.${outer}`);
    if (st && st.fields.find((f) => f.name === 'FrameHeader')?.offset !== 0) {
      throw new GotraceError('ERR_OFFSET_UNKNOWN', `${H2}.${outer} does not start with its FrameHeader in this binary; this x/net version is not supported yet`, { file: bin.path });
    }
  }
  const hf = s(`${H2}/hpack.HeaderField`);
  const at = (n: string) => hf?.fields.find((f) => f.name === n)?.offset;
  if (hf && (at('Name') !== 0 || at('Value') !== 16 || hf.size !== 40)) {
    throw new GotraceError('ERR_OFFSET_UNKNOWN', 'hpack.HeaderField is not {Name, Value string; Sensitive bool} (40 bytes) in this binary; not supported yet', { file: bin.path });
  }
  return out;
}

/** syscallConn.Conn from DWARF, a pin or the table; null (wrapped conns reported unknown) otherwise. */
export function resolveWrapConn(bin: GoBinary, pins: Pins, versions: Versions = {}): ResolvedOffset | null {
  try {
    return resolveStructOffset(bin, `${WRAP_TYPE}.Conn`, { pins, tables: TABLES, versions });
  } catch {
    return null;
  }
}

/**
 * Offsets the TCP seqs need (docs/tcp-seqs.md), grpc's, x/net's and the std
 * library's: each optional. One that is unknown is 0 in the config, and the
 * seqs that need it are reported null; nothing else depends on them.
 */
export const SEQ_FIELDS = {
  fhLength: `${H2}.FrameHeader.Length`,
  srvFramer: `${TRANSPORT}.http2Server.framer`,
  cliFramer: `${TRANSPORT}.http2Client.framer`,
  frFr: `${TRANSPORT}.framer.fr`,
  h2frR: `${H2}.Framer.r`,
  bwOffset: `${TRANSPORT}.bufWriter.offset`,
  ...TLS_SEQ_STD_FIELDS,
  // A TLS block past its write's first record (go_tls13_write_seq); tabled only as measured for grpc 1.33.3 and Go 1.19.8.
  bwBatch: `${TRANSPORT}.bufWriter.batchSize`,
  ...TLS_WRITE_STD_FIELDS,
} as const;

export function resolveSeqOffsets(bin: GoBinary, pins: Pins, versions: Versions = {}): { offsets: Partial<Record<keyof typeof SEQ_FIELDS, number>>; values: ResolvedValue[] } {
  return resolveOptionalOffsets(bin, SEQ_FIELDS, 'TCP seqs', 'the TCP seqs that need it are reported null', { pins, tables: [...TABLES, GO_STD_TABLE], versions });
}

/**
 * Where a client's closeStream finds the status it was given: st.s.Code
 * (grpc's internal/status.Status wraps a genproto *spb.Status). Optional:
 * without them a call closed by a reset reports the status grpc-go maps
 * the reset's code to (rstStatus), so a deadline shows as CANCELLED.
 */
export const STATUS_FIELDS = {
  stS: 'google.golang.org/grpc/internal/status.Status.s',
  spbCode: 'google.golang.org/genproto/googleapis/rpc/status.Status.Code',
} as const;
const SPB = 'google.golang.org/genproto/googleapis/rpc/status';

/**
 * spb.Status.Code without DWARF or a pin, from how the message was
 * generated, which its method set tells even in a stripped binary's pclntab:
 * golang/protobuf's APIv1 generator (XXX_Unmarshal, no ProtoReflect) puts
 * the message's fields first, so Code, the first, is at 0. Newer generators
 * put protoimpl state before them, and v1.36 moved the unknown-field and
 * size words after them: 40 or 8 by generator version, which the binary
 * does not record, so those stay unknown. Not by grpc's version: genproto is
 * a module of its own (Debian's grpc 1.33.3 links an APIv1 genproto, with
 * Code at 0, where OpenTelemetry's table for grpc 1.33.2 has 40).
 */
function spbCodeFromMethods(bin: GoBinary): ResolvedOffset | null {
  const has = (m: string) => bin.findFunction(`${SPB}.(*Status).${m}`) !== undefined;
  if (!has('XXX_Unmarshal') || has('ProtoReflect')) return null;
  return { field: STATUS_FIELDS.spbCode, value: 0, source: 'derived',
    detail: `${SPB}.(*Status) has XXX_Unmarshal and no ProtoReflect: generated by golang/protobuf's APIv1, whose structs begin with the message's fields (Code first)` };
}

/** Both status offsets, or null with why in `values` (then CLOSE records carry no status). */
export function resolveStatusOffsets(bin: GoBinary, pins: Pins, versions: Versions = {}): { offsets: { stS: number; spbCode: number } | null; values: ResolvedValue[] } {
  const what = 'the status of a client call closed without trailers';
  const r = resolveOptionalOffsets(bin, STATUS_FIELDS, what,
    'a client call closed by a reset reports the status its RST_STREAM code maps to (a deadline shows as 1 CANCELLED)', { pins, tables: TABLES, versions });
  // No table keys genproto's layout; without DWARF or a pin, its method set may still tell it.
  const derived = r.offsets.spbCode === undefined ? spbCodeFromMethods(bin) : null;
  const values = derived ? r.values.map((v) => (v.name === derived.field ? { name: v.name, value: derived.value, source: derived.source, detail: `${derived.detail} (${what})` } : v)) : r.values;
  const stS = r.offsets.stS, spbCode = r.offsets.spbCode ?? derived?.value;
  return { offsets: stS === undefined || spbCode === undefined ? null : { stS, spbCode }, values };
}
