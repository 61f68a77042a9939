// Byte layouts shared with http2.h and go_conn.h; layout.test.ts checks the
// sizes against the BPF object's BTF, so a change on one side fails it.
import { encodeLocation, LOCATION_SIZE } from '../../core/bpf/go-location';
import { readHeaderBlock, type BlockField } from '../../core/plugin-kit/header-block';
import { ADDRS_SIZE, type ConnAddrCache } from '../../core/plugin-kit/conn-addr-cache';
import { s32, u32, u64 } from '../../core/plugin-kit/event-words';
import { encodeRodata, NO_RODATA, RODATA_SIZE, type Rodata, type RodataByPid } from '../../core/plugin-kit/rodata';
import type { GenConfig, Http2Config } from './hooker';

/** struct h2_cfg's __u32 offsets after goid_offset, in order. */
export const OFFSET_NAMES = ['scConn', 'scFramer', 'mhfHeaders', 'mhfFields', 'fhStream', 'dfData', 'wrhStream', 'wrhCode', 'wrhEnd', 'ccTconn', 'ccFr', 'rlCc', 'fhFlags', 'rstCode', 'wrapConn',
  // TCP seqs; tlsRawInput, tlsInput, readerI are struct go_tls_seq_offsets.
  'fhLength', 'ccBw', 'ccBr', 'scBw', 'bfwBw', 'bwN', 'brR', 'brW', 'wrapReader', 'bwBuf',
  // struct go_tls_write_offsets
  'tlsVers', 'tlsBytesSent', 'tlsPacketsSent', 'tlsConfig', 'tlsDynOff', 'tlsRawInput', 'tlsInput', 'readerI'] as const;
export type OffsetName = (typeof OFFSET_NAMES)[number];
/** struct h2_cfg's location_t fields, in order. */
export const LOCATION_NAMES = [
  'ph_sc', 'ph_f', 'wf_w', 'wf_ctx', 'wd_f', 'wd_stream', 'wd_end', 'wd_len', 'pd_sc', 'pd_f', 'enc_name', 'enc_name_len', 'enc_value', 'enc_value_len',
  'spr_sc', 'spr_f', 'wh_cc', 'wh_stream', 'wh_end', 'hf_cc', 'hf_name', 'hf_name_len', 'hf_value', 'hf_value_len', 'hr_rl', 'hr_f',
  'cpd_rl', 'cpd_f', 'cpr_rl', 'cpr_f', 'rst_f', 'rst_stream', 'rst_code_arg', 'cac_sc', 'clc_rl', 'wh_hdrs_len',
] as const;
export type LocationName = (typeof LOCATION_NAMES)[number];

const REGABI_AT = 36 + 4 * OFFSET_NAMES.length; // 168
const WRAP_ITAB_AT = (REGABI_AT + 1 + 7) & ~7; // 176
const LOCATIONS_AT = WRAP_ITAB_AT + 8;
const RODATA_AT = LOCATIONS_AT + LOCATION_NAMES.length * LOCATION_SIZE;
export const CFG_SIZE = RODATA_AT + RODATA_SIZE;
/** struct h2_event: every record starts with it, and plain records are only it. */
export const EVENT_SIZE = 56;
/** struct h2_hdrs_event: the head, struct go_conn_addrs, then struct go_hdr_block. */
const ADDRS_AT = EVENT_SIZE;
export const HDRS_BLOCK_AT = ADDRS_AT + ADDRS_SIZE;

/** enum h2_kind, in order; the first four are header records. */
export const KINDS = ['req-headers', 'resp-headers', 'creq-headers', 'cresp-headers',
  'data-out', 'data-in', 'cdata-in', 'rst-out', 'rst-in', 'conn-closed'] as const;
export type EventKind = (typeof KINDS)[number];
const HEADER_KINDS = 4;

export function cfgKey(pid: number, gen: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(pid, 0);
  b.writeUInt32LE(gen, 4);
  return b;
}

/**
 * struct h2_cfg for one process and one http2 copy; itab addresses are runtime
 * ones (load bias applied), 0 when unknown. Offsets and locations of a side
 * that is not planned stay 0: its probes are not attached.
 */
export function encodeCfg(c: Http2Config, g: GenConfig, itabs: { tcp: bigint; tls: bigint; wrap: bigint }, regabi: boolean, rodata: Rodata = NO_RODATA): Buffer {
  const b = Buffer.alloc(CFG_SIZE);
  b.writeBigUInt64LE(itabs.tcp, 0);
  b.writeUInt32LE(c.ifaceOff, 8);
  b.writeUInt32LE(c.connFd, 12);
  b.writeUInt32LE(c.netfdPfd, 16);
  b.writeUInt32LE(c.pfdSysfd, 20);
  b.writeBigUInt64LE(itabs.tls, 24);
  b.writeUInt32LE(c.goidOffset, 32);
  OFFSET_NAMES.forEach((n, i) => b.writeUInt32LE((n === 'wrapConn' ? c.wrapConn : n === 'wrapReader' ? c.wrapReader : g.offsets[n]) ?? 0, 36 + 4 * i));
  b.writeUInt8(regabi ? 1 : 0, REGABI_AT);
  b.writeBigUInt64LE(c.wrapConnItab === null ? 0n : itabs.wrap, WRAP_ITAB_AT);
  LOCATION_NAMES.forEach((n, i) => {
    const l = g.locations[n];
    if (l) encodeLocation(l).copy(b, LOCATIONS_AT + i * LOCATION_SIZE);
  });
  encodeRodata(rodata, b, RODATA_AT);
  return b;
}

export interface RawEvent {
  readonly ts: bigint;
  readonly goid: number | null;
  /** The connection's *Framer: a user-space pointer, exact as a number. */
  readonly framer: number;
  readonly pid: number;
  readonly streamId: number;
  readonly kind: EventKind;
  readonly tls: boolean | null;
  readonly fd: number;
  readonly n: number;
  readonly endStream: boolean;
  readonly local: string | null;
  readonly remote: string | null;
  /** Header records: the HEADERS frame's wire seq, null when unknown. */
  readonly tcpSeq: number | null;
  /** Header records: the block's fields, in order; empty for other records. */
  readonly fields: readonly BlockField[];
}

const NO_FIELDS: readonly BlockField[] = [];
const NO_ADDRS = { local: null, remote: null };

/** A record → its fields; undefined when it is short or of an unknown kind. Addresses come through the session's cache. */
export function decodeEvent(b: Buffer, conns: ConnAddrCache, rodata?: RodataByPid): RawEvent | undefined {
  if (b.length < EVENT_SIZE) return undefined;
  const k = b[32]!;
  const kind = KINDS[k];
  if (!kind) return undefined;
  const headers = k < HEADER_KINDS;
  if (headers && b.length < HDRS_BLOCK_AT) return undefined;
  const tls = b[34]!;
  const framer = u64(b, 16);
  // Only header records carry a connection's addresses and fields.
  const addrs = headers ? conns.get(framer, b, ADDRS_AT) : NO_ADDRS;
  return {
    // goid is -1 when unknown: the high word's sign says so without a BigInt.
    ts: b.readBigUInt64LE(0), goid: s32(b, 12) < 0 ? null : u64(b, 8),
    framer, pid: u32(b, 24), streamId: u32(b, 28), kind,
    tls: tls === 2 ? null : tls === 1, fd: s32(b, 36),
    n: u64(b, 40), endStream: b[48] !== 0, tcpSeq: b[49] ? u32(b, 52) : null,
    local: addrs.local, remote: addrs.remote,
    fields: headers ? readHeaderBlock(b, HDRS_BLOCK_AT, rodata?.get(u32(b, 24))).fields : NO_FIELDS,
  };
}
