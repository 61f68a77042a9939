// Decodes struct add_event and encodes struct pid_config (bpftest.h).
export interface AddEvent {
  readonly pid: number;
  readonly tid: number;
  readonly a: bigint;
  readonly b: bigint;
  readonly cookie: bigint;
  readonly goidReg: bigint;
  readonly goidTls: bigint;
}

export const ADD_EVENT_SIZE = 48;

export function decodeAddEvent(buf: Buffer): AddEvent {
  if (buf.length !== ADD_EVENT_SIZE) throw new Error(`add_event is ${ADD_EVENT_SIZE} bytes, got ${buf.length}`);
  return {
    pid: buf.readUInt32LE(0),
    tid: buf.readUInt32LE(4),
    a: buf.readBigUInt64LE(8),
    b: buf.readBigUInt64LE(16),
    cookie: buf.readBigUInt64LE(24),
    goidReg: buf.readBigInt64LE(32),
    goidTls: buf.readBigInt64LE(40),
  };
}

export function encodePidConfig(goidOffset: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeUInt32LE(goidOffset, 0);
  return buf;
}
