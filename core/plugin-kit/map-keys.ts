// Keys of BPF hash maps that user space fills per process.

/** A __u32 pid key. */
export function pidKey(pid: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(pid, 0);
  return b;
}
