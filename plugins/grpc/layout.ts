// Byte layouts shared with grpc.h and go_conn.h; hooker.test.ts checks the
// sizes against the BPF object's BTF, so a change on one side fails it.
import { encodeLocation, LOCATION_SIZE } from '../../core/bpf/go-location';
import { GotraceError } from '../../core/errors';
import type { BlockHeaders } from './block-headers';
import type { ConnAddrCache } from '../../core/plugin-kit/conn-addr-cache';
import { s64OrNull, u32, u64 } from '../../core/plugin-kit/event-words';
import { encodeRodata, NO_RODATA, RODATA_SIZE, type Rodata, type RodataByPid } from '../../core/plugin-kit/rodata';
import type { GrpcConfig } from './hooker';

export const CFG_LOCATIONS = 28;
/** struct gr_cfg's __u32 offsets after goid_offset, in order (the last three are struct go_tls_seq_offsets). */
export const U32_NAMES = ['srvConn', 'wrapConn', 'lwSide', 'lwFramer', 'frWriter', 'bwConn', 'mhfHeaders', 'mhfFields', 'fhStream', 'dfData', 'stId',
  'cliConn', 'rstCode', 'fhFlags', 'fhLength', 'srvFramer', 'cliFramer', 'frFr', 'h2frR', 'bwOffset', 'brR', 'brW', 'stS', 'spbCode',
  'bwBatch', 'tlsVers', 'tlsBytesSent', 'tlsPacketsSent', 'tlsConfig', 'tlsDynOff', 'tlsRawInput', 'tlsInput', 'readerI'] as const;
const U32_AT = 52;
const REGABI_AT = U32_AT + 4 * U32_NAMES.length; // 184
const ST_KNOWN_AT = REGABI_AT + 1;
const LOCATIONS_AT = (REGABI_AT + 8) & ~7; // 192
const RODATA_AT = LOCATIONS_AT + CFG_LOCATIONS * LOCATION_SIZE; // 416
export const CFG_SIZE = RODATA_AT + RODATA_SIZE; // 432
/** struct gr_event: DATA_IN, MSG_OUT, CLOSE. */
export const EVENT_SIZE = 48;
/** struct gr_hdr_event up to its struct go_hdr_block: the record is this plus the block's used bytes. */
export const HDR_EVENT_HEAD = 96;
/** struct gr_hdr_event's addrs (struct go_conn_addrs). */
const ADDRS_AT = 56;

/** enum gr_kind, in order. */
export const KINDS = ['req-hdrs', 'out-hdrs', 'in-hdrs', 'data-in', 'msg-out', 'close'] as const;
export type EventKind = (typeof KINDS)[number];


/** struct gr_cfg for one process; itab addresses are runtime ones (load bias applied), 0 when unknown. */
export function encodeCfg(c: GrpcConfig, itabs: { tcp: bigint; tls: bigint; wrap: bigint; bufr: bigint }, regabi: boolean, rodata: Rodata = NO_RODATA): Buffer {
  const b = Buffer.alloc(CFG_SIZE);
  b.writeBigUInt64LE(itabs.tcp, 0);
  b.writeUInt32LE(c.ifaceOff, 8);
  b.writeUInt32LE(c.connFd, 12);
  b.writeUInt32LE(c.netfdPfd, 16);
  b.writeUInt32LE(c.pfdSysfd, 20);
  b.writeBigUInt64LE(itabs.tls, 24);
  b.writeBigUInt64LE(itabs.wrap, 32);
  b.writeBigUInt64LE(itabs.bufr, 40);
  b.writeUInt32LE(c.goidOffset, 48);
  const o: Record<string, number | undefined> = { ...c.offsets, ...c.seqOffsets, ...c.statusOffsets, wrapConn: c.wrapConn };
  U32_NAMES.forEach((n, i) => b.writeUInt32LE(o[n] ?? 0, U32_AT + 4 * i));
  b.writeUInt8(regabi ? 1 : 0, REGABI_AT);
  b.writeUInt8(c.statusOffsets ? 1 : 0, ST_KNOWN_AT);
  if (c.locations.length !== CFG_LOCATIONS) throw new GotraceError('ERR_PLUGIN_INVALID', `grpc: struct gr_cfg holds ${CFG_LOCATIONS} locations, the plan has ${c.locations.length}; hooker.ts and grpc.h disagree`);
  c.locations.forEach((l, i) => encodeLocation(l).copy(b, LOCATIONS_AT + i * LOCATION_SIZE));
  encodeRodata(rodata, b, RODATA_AT);
  return b;
}

export interface RawEvent {
  readonly ts: bigint;
  readonly goid: number | null;
  /**
   * The net.Conn's data word: a user-space pointer, exact as a number. A
   * server's DATA_IN, MSG_OUT and CLOSE carry its *http2Server instead
   * (saving BPF a read), which its REQ_HDRS gives as `transport`.
   */
  readonly conn: number;
  /** REQ_HDRS: the *http2Server that read it; 0 for other kinds. */
  readonly transport: number;
  readonly pid: number;
  readonly streamId: number;
  readonly kind: EventKind;
  readonly side: number;
  readonly endStream: boolean;
  /** DATA_IN: messages begun; a client's CLOSE: the grpc status closeStream was given, plus one (0: unknown). */
  readonly count: number;
  /** DATA_IN, MSG_OUT: bytes; CLOSE: the RST_STREAM code. */
  readonly n: number;
  /** *_HDRS: the block's fields as a record shows them (redacted, repeats joined); empty for other kinds. */
  readonly headers: Readonly<Record<string, string>>;
  /** REQ_HDRS and a client's OUT_HDRS carry the conn; null / -1 / false elsewhere. */
  readonly tls: boolean | null;
  readonly fd: number;
  readonly wrapped: boolean;
  /** *_HDRS: the header block's wire seq, null when unknown. */
  readonly tcpSeq: number | null;
  readonly local: string | null;
  readonly remote: string | null;
}

/** A server's DATA_IN or MSG_OUT: what it adds to its call, keyed as CallAssembler.countServer keys it. */
export interface ServerCounts {
  kind: 'data-in' | 'msg-out';
  pid: number;
  /** The *http2Server (these records name it in the conn word). */
  transport: number;
  streamId: number;
  count: number;
  n: number;
}

const KIND_DATA_IN = KINDS.indexOf('data-in'), KIND_MSG_OUT = KINDS.indexOf('msg-out');
/** struct gr_event's side for a server: transport.serverSide (controlbuf.go: clientSide side = iota; serverSide). */
export const SERVER_SIDE = 1;

/**
 * Fills `into` and returns true when the record at b[at, end) is a server's
 * DATA_IN or MSG_OUT; the runtime then skips decodeEvent (and the RawEvent
 * it allocates) for them.
 */
export function serverCountsOf(b: Buffer, into: ServerCounts, at = 0, end = b.length): boolean {
  if (end - at < EVENT_SIZE || b[at + 33] !== SERVER_SIDE) return false;
  const kind = b[at + 32];
  if (kind !== KIND_DATA_IN && kind !== KIND_MSG_OUT) return false;
  into.kind = kind === KIND_DATA_IN ? 'data-in' : 'msg-out';
  into.pid = u32(b, at + 24);
  into.transport = u64(b, at + 16);
  into.streamId = u32(b, at + 28);
  into.count = u32(b, at + 36);
  into.n = u64(b, at + 40);
  return true;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NO_ADDRS = { local: null, remote: null } as const;

/**
 * The struct gr_event or struct gr_hdr_event at b[at, end) → its fields;
 * undefined when the record is short or of an unknown kind. A record is
 * read in place, in the batch the ring gave, with no view of its own.
 */
export function decodeEvent(b: Buffer, blocks: BlockHeaders, addrCache: ConnAddrCache, rodata?: RodataByPid, at = 0, end = b.length): RawEvent | undefined {
  if (end - at < EVENT_SIZE) return undefined;
  const kindNo = b[at + 32]!, kind = KINDS[kindNo];
  if (!kind) return undefined;
  const hdrs = kindNo <= 2;
  if (hdrs && end - at < HDR_EVENT_HEAD) return undefined;
  // One object literal for both records: every event has the same shape, so the assembler's reads stay monomorphic.
  const tls = hdrs ? b[at + 35]! : 2, conn = u64(b, at + 16), pid = u32(b, at + 24);
  // Only REQ_HDRS and a client's OUT_HDRS carry addresses (family 0 elsewhere).
  const addrs = hdrs && b[at + ADDRS_AT] !== 0 ? addrCache.get(conn, b, at + ADDRS_AT) : NO_ADDRS;
  return {
    ts: b.readBigUInt64LE(at), goid: s64OrNull(b, at + 8), conn, transport: hdrs ? u64(b, at + 48) : 0, pid,
    streamId: u32(b, at + 28), kind, side: b[at + 33]!, endStream: b[at + 34] !== 0,
    count: hdrs ? 0 : u32(b, at + 36), n: hdrs ? 0 : u64(b, at + 40),
    headers: hdrs ? blocks.read(b, at + HDR_EVENT_HEAD, rodata?.get(pid), end) : NO_HEADERS,
    tls: tls === 2 ? null : tls === 1, fd: hdrs ? u32(b, at + 36) | 0 : -1, wrapped: hdrs && b[at + 41] !== 0,
    tcpSeq: hdrs && b[at + 42] ? u32(b, at + 44) : null, local: addrs.local, remote: addrs.remote,
  };
}
