// Byte layouts shared with http1_tls.h and go_conn.h; a test checks the
// sizes against the BPF object's BTF, so a change on one side fails it.
import { encodeLocation, LOCATION_SIZE, type GoLocation } from '../../core/bpf/go-location';
import { monotonicWordsToEpochMs } from '../../core/output/clock';
import type { ConnAddrCache } from '../../core/plugin-kit/conn-addr-cache';
import { s32, s64OrNull, u32, u64 } from '../../core/plugin-kit/event-words';
import type { Http1TlsConfig } from './hooker';
import type { Http1TcpConfig } from './tcp-hooker';

export const H1_CHUNK = 4096;
export const H1_MAX_CHUNKS = 4;
export const PROC_CFG_SIZE = 32 + 19 * LOCATION_SIZE + 24; // 208
export const EVENT_HEADER_SIZE = 96;
export const EVENT_SIZE = EVENT_HEADER_SIZE + H1_CHUNK; // 4192


/** What one process's binary was planned with: the TLS rule, the TCP rule, or both. */
export interface ProcPlans {
  readonly tls: Http1TlsConfig | null;
  readonly tcp: Http1TcpConfig | null;
}

/** struct h1_proc_cfg for one process; `itabAddress` is the runtime address (load bias applied). */
export function encodeProcConfig(p: ProcPlans, itabAddress: bigint, regabi: boolean): Buffer {
  const b = Buffer.alloc(PROC_CFG_SIZE);
  const c = p.tls;
  // Both plans read the same Go fields, so either one's offsets do.
  const fdRead = c?.fdRead ?? p.tcp?.fdRead;
  b.writeBigUInt64LE(itabAddress, 0);
  b.writeUInt32LE(c?.ifaceOff ?? 0, 8);
  b.writeUInt32LE(c?.connFd ?? 0, 12);
  b.writeUInt32LE(c?.netfdPfd ?? 0, 16);
  b.writeUInt32LE(c?.pfdSysfd ?? p.tcp?.pfdSysfd ?? 0, 20);
  b.writeUInt32LE(c?.goidOffset ?? p.tcp?.goidOffset ?? 0, 24);
  b.writeUInt8(regabi ? 1 : 0, 28);
  b.writeUInt8(fdRead ? 1 : 0, 29);
  b.writeUInt8(c?.fdRead && c.decrypt ? 1 : 0, 30);
  b.writeUInt8(p.tcp ? 1 : 0, 31);
  const locs: (GoLocation | undefined)[] = [c?.write.conn, c?.write.buf, c?.write.len, c?.read.conn, c?.read.buf, c?.read.n, fdRead?.fd, fdRead?.n,
    fdRead?.buf, c?.decrypt?.record, p.tcp?.fdWrite.fd, p.tcp?.fdWrite.buf, p.tcp?.fdWrite.len];
  const atRet = c?.readAtReturn;
  locs.push(atRet?.recv, atRet?.bufPtr);
  locs.forEach((l, i) => { if (l) encodeLocation(l).copy(b, 32 + i * LOCATION_SIZE); });
  b.writeUInt8(atRet ? 1 : 0, 32 + 15 * LOCATION_SIZE);
  const fdAtRet = fdRead?.atReturn;
  b.writeUInt8(fdAtRet ? 1 : 0, 32 + 15 * LOCATION_SIZE + 1);
  if (fdAtRet) {
    b.writeUInt32LE(fdAtRet.fdmuState, 32 + 15 * LOCATION_SIZE + 4);
    encodeLocation(fdAtRet.recv).copy(b, 32 + 15 * LOCATION_SIZE + 8);
    encodeLocation(fdAtRet.bufPtr).copy(b, 32 + 16 * LOCATION_SIZE + 8);
  }
  const connIn = c?.fdRead ? c.decrypt?.connIn ?? null : null;
  b.writeUInt32LE(connIn ?? 0, 32 + 17 * LOCATION_SIZE + 8);
  b.writeUInt8(connIn === null ? 0 : 1, 32 + 17 * LOCATION_SIZE + 12);
  if (connIn !== null) encodeLocation(c!.decrypt!.hc).copy(b, 32 + 17 * LOCATION_SIZE + 16);
  const fdClose = c?.fdClose ?? p.tcp?.fdClose ?? null;
  if (fdClose) {
    encodeLocation(fdClose).copy(b, 32 + 18 * LOCATION_SIZE + 16);
    b.writeUInt8(1, 32 + 19 * LOCATION_SIZE + 16);
  }
  return b;
}

const DIRECTIONS = ['write', 'read', 'close'] as const;

export const FD_WHY = ['', 'the *net.TCPConn itab is unknown (no .symtab)', 'the conn is not a *net.TCPConn', 'the conn could not be read'] as const;

/**
 * A record's fields, laid out as the decoder's CapturedChunk with the
 * connection's identity besides: the runtime names the connection (connKey,
 * '' until then) and hands this same object to the decoder, rather than
 * copying a dozen fields into a second object per record.
 */
export interface RawChunk {
  connKey: string;
  readonly pid: number;
  readonly fd: number;
  /** null: unknown. */
  readonly goid: number | null;
  /** close: the connection's socket is closing (no data; internal/poll.(*FD).Close). */
  readonly direction: 'write' | 'read' | 'close';
  readonly tls: boolean;
  /** Epoch ms (bpf_ktime_get_ns() converted). */
  readonly ts: number;
  readonly tcpSeq: number | null;
  readonly callLen: number;
  readonly offset: number;
  readonly data: Buffer;
  readonly local: string | null;
  readonly remote: string | null;
  /** The socket's inode number (else the *tls.Conn or struct sock): exact as a number, below 2^53. */
  readonly conn: number;
  readonly fdWhy: number;
}

/**
 * struct h1_event → its fields; undefined when the record is short. The BPF
 * side reserves the header plus a size class of data (256, 1024 or H1_CHUNK
 * bytes), not the whole struct, so data[] ends where the record does.
 */
export function decodeChunk(b: Buffer, addrs: ConnAddrCache): RawChunk | undefined {
  if (b.length < EVENT_HEADER_SIZE) return undefined;
  const dataLen = u32(b, 40);
  if (dataLen > H1_CHUNK || EVENT_HEADER_SIZE + dataLen > b.length) return undefined;
  const conn = u64(b, 16);
  // Addresses are the connection's: formatted once per connection, the bytes compared each time.
  const { local, remote } = addrs.get(conn, b, 56);
  return {
    connKey: '', pid: u32(b, 24), fd: s32(b, 28), goid: s64OrNull(b, 8),
    direction: DIRECTIONS[b[48]!] ?? 'read',
    tls: b[51] === 1,
    ts: monotonicWordsToEpochMs(b, 0),
    tcpSeq: b[49] ? u32(b, 44) : null,
    callLen: u32(b, 32), offset: u32(b, 36),
    // A view, not a copy: each batch is a fresh Buffer (ring-buffer.ts), and
    // what the decoder keeps past this record (head bytes, captured body) it
    // copies, so no chunk pins a batch.
    data: b.subarray(EVENT_HEADER_SIZE, EVENT_HEADER_SIZE + dataLen),
    local, remote, conn, fdWhy: b[50]!,
  };
}

