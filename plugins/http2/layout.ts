// Byte layouts shared with http2.h and go_conn.h; layout.test.ts checks the
// sizes against the BPF object's BTF, so a change on one side fails it.
import { encodeLocation, LOCATION_SIZE } from '../../core/bpf/go-location';
import { connAddrs } from '../../core/plugin-kit/socket-addr';
import type { GenConfig, Http2Config } from './hooker';

export const H2_NAME = 64;
export const H2_VALUE = 256;
export const CFG_SIZE = 80 + 14 * LOCATION_SIZE; // 192
export const EVENT_SIZE = 112 + H2_NAME + H2_VALUE; // 432

export const KINDS = ['req-begin', 'req-field', 'resp-field', 'resp-end', 'data-out', 'data-in'] as const;
export type EventKind = (typeof KINDS)[number];

export function cfgKey(pid: number, gen: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(pid, 0);
  b.writeUInt32LE(gen, 4);
  return b;
}

/** struct h2_cfg for one process and one http2 copy; itab addresses are runtime ones (load bias applied), 0 when unknown. */
export function encodeCfg(c: Http2Config, g: GenConfig, tcpItab: bigint, tlsItab: bigint, regabi: boolean): Buffer {
  const b = Buffer.alloc(CFG_SIZE);
  b.writeBigUInt64LE(tcpItab, 0);
  b.writeUInt32LE(c.ifaceOff, 8);
  b.writeUInt32LE(c.connFd, 12);
  b.writeUInt32LE(c.netfdPfd, 16);
  b.writeUInt32LE(c.pfdSysfd, 20);
  b.writeBigUInt64LE(tlsItab, 24);
  const o = g.offsets;
  [c.goidOffset, o.scConn, o.scFramer, o.mhfHeaders, o.mhfFields, o.fhStream, o.dfData, o.wrhStream, o.wrhCode, o.wrhEnd]
    .forEach((v, i) => b.writeUInt32LE(v, 32 + 4 * i));
  b.writeUInt8(regabi ? 1 : 0, 72);
  g.locations.forEach((l, i) => encodeLocation(l).copy(b, 80 + i * LOCATION_SIZE));
  return b;
}

export interface RawEvent {
  readonly ts: bigint;
  readonly goid: number | null;
  readonly framer: bigint;
  readonly pid: number;
  readonly streamId: number;
  readonly kind: EventKind;
  readonly tls: boolean | null;
  readonly fd: number;
  readonly index: number;
  readonly count: number;
  readonly name: string;
  readonly value: string;
  /** The real lengths, when name/value were cut. */
  readonly nameLen: number;
  readonly valueLen: number;
  readonly n: number;
  readonly endStream: boolean;
  readonly local: string | null;
  readonly remote: string | null;
}


/** struct h2_event → its fields; undefined when the record is short or of an unknown kind. */
export function decodeEvent(b: Buffer): RawEvent | undefined {
  if (b.length < EVENT_SIZE) return undefined;
  const kind = KINDS[b.readUInt8(32)];
  if (!kind) return undefined;
  const nameLen = b.readUInt32LE(48), valueLen = b.readUInt32LE(52);
  const goid = b.readBigInt64LE(8);
  const tls = b.readUInt8(34);
  return {
    ts: b.readBigUInt64LE(0), goid: goid >= 0n ? Number(goid) : null, framer: b.readBigUInt64LE(16), pid: b.readUInt32LE(24),
    streamId: b.readUInt32LE(28), kind, tls: tls === 2 ? null : tls === 1, fd: b.readInt32LE(36), index: b.readUInt32LE(40), count: b.readUInt32LE(44),
    nameLen, valueLen,
    name: b.toString('latin1', 112, 112 + Math.min(nameLen, H2_NAME)),
    value: b.toString('utf8', 176, 176 + Math.min(valueLen, H2_VALUE)),
    n: Number(b.readBigUInt64LE(56)), endStream: b.readUInt8(64) !== 0,
    ...connAddrs(b, 72),
  };
}
