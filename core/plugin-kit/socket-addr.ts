// Socket addresses as the BPF side copies them (struct go_conn_addrs in
// bpf/include/go_conn.h): an address family, 16 address bytes and a port.

const AF_INET = 2;
const AF_INET6 = 10;

/** "a.b.c.d:port" or "[v6]:port"; null for any other family. */
export function socketAddr(family: number, b: Buffer, port: number): string | null {
  const v4 = (o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}:${port}`;
  if (family === AF_INET) return v4(0);
  if (family !== AF_INET6) return null;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) reads as the IPv4 one.
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return `[${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}]:${port}`;
}

const NO_ADDRS = { local: null, remote: null } as const;

/**
 * struct go_conn_addrs (40 bytes) at `at` in `b`: the local and remote
 * address. Events without a connection (family 0) are most events, so they
 * get one shared null pair and no allocation.
 */
export function connAddrs(b: Buffer, at: number): { local: string | null; remote: string | null } {
  const family = b.readUInt8(at);
  if (family !== AF_INET && family !== AF_INET6) return NO_ADDRS;
  return {
    local: socketAddr(family, b.subarray(at + 8, at + 24), b.readUInt16LE(at + 2)),
    remote: socketAddr(family, b.subarray(at + 24, at + 40), b.readUInt16LE(at + 4)),
  };
}
