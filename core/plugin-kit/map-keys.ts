// Keys of BPF hash maps that user space fills per process.

/** A __u32 key: a pid, or an array map's index. */
export function u32Key(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}

/** A __u32 pid key. */
export const pidKey = u32Key;
