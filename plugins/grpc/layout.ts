// Byte layouts shared with grpc.h and go_conn.h; hooker.test.ts checks the
// sizes against the BPF object's BTF, so a change on one side fails it.
import { encodeLocation, LOCATION_SIZE } from '../../core/bpf/go-location';
import { GotraceError } from '../../core/errors';
import { connAddrs } from '../../core/plugin-kit/socket-addr';
import { u64Number } from '../../core/plugin-kit/event-words';
import type { GrpcConfig } from './hooker';

export const GR_NAME = 64;
export const GR_VALUE = 256;
export const CFG_LOCATIONS = 27;
/** struct gr_cfg's __u32 offsets after goid_offset, in order (the last three are struct go_tls_seq_offsets). */
export const U32_NAMES = ['srvConn', 'wrapConn', 'lwSide', 'lwFramer', 'frWriter', 'bwConn', 'mhfHeaders', 'mhfFields', 'fhStream', 'dfData', 'stId',
  'cliConn', 'rstCode', 'fhFlags', 'fhLength', 'srvFramer', 'cliFramer', 'frFr', 'h2frR', 'bwOffset', 'brR', 'brW', 'tlsRawInput', 'tlsInput', 'readerI'] as const;
const U32_AT = 52;
const REGABI_AT = U32_AT + 4 * U32_NAMES.length; // 152
const LOCATIONS_AT = (REGABI_AT + 8) & ~7; // 160
export const CFG_SIZE = LOCATIONS_AT + CFG_LOCATIONS * LOCATION_SIZE; // 376
export const EVENT_SIZE = 112 + GR_NAME + GR_VALUE; // 432

export const KINDS = ['req-begin', 'req-field', 'out-field', 'out-end', 'data-in', 'msg-out', 'in-field', 'in-end', 'close'] as const;
export type EventKind = (typeof KINDS)[number];


/** struct gr_cfg for one process; itab addresses are runtime ones (load bias applied), 0 when unknown. */
export function encodeCfg(c: GrpcConfig, itabs: { tcp: bigint; tls: bigint; wrap: bigint; bufr: bigint }, regabi: boolean): Buffer {
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
  const o: Record<string, number | undefined> = { ...c.offsets, ...c.seqOffsets, wrapConn: c.wrapConn };
  U32_NAMES.forEach((n, i) => b.writeUInt32LE(o[n] ?? 0, U32_AT + 4 * i));
  b.writeUInt8(regabi ? 1 : 0, REGABI_AT);
  if (c.locations.length !== CFG_LOCATIONS) throw new GotraceError('ERR_PLUGIN_INVALID', `grpc: struct gr_cfg holds ${CFG_LOCATIONS} locations, the plan has ${c.locations.length}; hooker.ts and grpc.h disagree`);
  c.locations.forEach((l, i) => encodeLocation(l).copy(b, LOCATIONS_AT + i * LOCATION_SIZE));
  return b;
}

export interface RawEvent {
  readonly ts: bigint;
  readonly goid: number | null;
  /** The net.Conn's data word: a user-space pointer, exact as a number. */
  readonly conn: number;
  readonly pid: number;
  readonly streamId: number;
  readonly kind: EventKind;
  readonly side: number;
  readonly tls: boolean | null;
  readonly fd: number;
  readonly index: number;
  readonly count: number;
  readonly name: string;
  readonly value: string;
  readonly nameLen: number;
  readonly valueLen: number;
  readonly n: number;
  readonly endStream: boolean;
  readonly wrapped: boolean;
  /** REQ_BEGIN, OUT_END, IN_END: the header block's wire seq, null when unknown. */
  readonly tcpSeq: number | null;
  readonly local: string | null;
  readonly remote: string | null;
}


/** struct gr_event → its fields; undefined when the record is short or of an unknown kind. */
export function decodeEvent(b: Buffer): RawEvent | undefined {
  if (b.length < EVENT_SIZE) return undefined;
  const kind = KINDS[b.readUInt8(32)];
  if (!kind) return undefined;
  const nameLen = b.readUInt32LE(48), valueLen = b.readUInt32LE(52);
  const goid = b.readBigInt64LE(8);
  const tls = b.readUInt8(34);
  // Most events are header fields: only they carry a name and value, only begin/end events a connection.
  const field = kind === 'req-field' || kind === 'out-field' || kind === 'in-field';
  const addrs = connAddrs(b, 72);
  return {
    ts: b.readBigUInt64LE(0), goid: goid >= 0n ? Number(goid) : null,
    conn: u64Number(b, 16), pid: b.readUInt32LE(24),
    streamId: b.readUInt32LE(28), kind, side: b.readUInt8(33), tls: tls === 2 ? null : tls === 1, fd: b.readInt32LE(36),
    index: b.readUInt32LE(40), count: b.readUInt32LE(44), nameLen, valueLen,
    name: field ? b.toString('latin1', 112, 112 + Math.min(nameLen, GR_NAME)) : '',
    value: field ? b.toString('utf8', 176, 176 + Math.min(valueLen, GR_VALUE)) : '',
    n: u64Number(b, 56), endStream: b.readUInt8(64) !== 0, wrapped: b.readUInt8(65) !== 0,
    tcpSeq: b.readUInt8(66) ? b.readUInt32LE(68) : null,
    local: addrs.local, remote: addrs.remote,
  };
}
