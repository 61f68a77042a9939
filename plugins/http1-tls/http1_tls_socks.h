/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* http1_tls.bpf.c's socket classification: which TCP sockets carry TLS
 * (marked by the crypto/tls programs) and which carry plain bytes (decided
 * once, by their first bytes). Included once, by http1_tls.bpf.c, after
 * go_conn.h and http1_tls.h.
 */
#ifndef __GOTRACE_HTTP1_TLS_SOCKS_H
#define __GOTRACE_HTTP1_TLS_SOCKS_H

/* Sockets already classified, by inode number; LRU: closed conns age out. Per-CPU LRU lists:
 * the common list's lock is taken on every update otherwise.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 65536);
	__type(key, struct h1_sock_key);
	__type(value, __u8);
} h1_socks SEC(".maps");

/* Called on every TLS Read and Write: the socket's kind, marked TLS when it
 * had none (its FD.Read/Write bytes are records, not HTTP). An LRU update
 * costs far more than a lookup, so a socket already marked is left alone.
 * The kind is returned as the map's value, so a caller can turn it into
 * H1_SOCK_H2 in place.
 */
static __always_inline __u8 *tls_sock_kind(__u32 pid, int fd, __u64 ino)
{
	struct h1_sock_key k = { .pid = pid, .fd = fd, .ino = ino };
	__u8 *kind = bpf_map_lookup_elem(&h1_socks, &k);
	__u8 v = H1_SOCK_TLS;

	if (kind) {
		if (*kind == H1_SOCK_PLAIN)
			*kind = H1_SOCK_TLS;
		return kind;
	}
	bpf_map_update_elem(&h1_socks, &k, &v, BPF_ANY);
	return bpf_map_lookup_elem(&h1_socks, &k);
}

/* RFC 9113 3.4: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", the first 24 bytes an
 * HTTP/2 client sends on every connection (TLS or h2c), as three
 * little-endian words. An HTTP/1 message cannot start with it: RFC 9113 chose
 * it so that an HTTP/1 server would reject it.
 */
static __always_inline bool h2_preface(const __u8 *data, __u32 n)
{
	const __u64 *w = (const __u64 *)data;

	return n >= 24 && w[0] == 0x5448202a20495250ULL && w[1] == 0x0a0d302e322f5054ULL && w[2] == 0x0a0d0a0d4d530a0dULL;
}

/* sk itself when it is a TCP socket, else NULL (unix and UDP sockets). */
static __always_inline struct sock *tcp_sock(struct sock *sk)
{
	__u16 family;

	if (!sk)
		return NULL;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != GO_CONN_AF_INET && family != GO_CONN_AF_INET6)
		return NULL;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return NULL;
	return sk;
}

/* The kind of a socket whose bytes are plain, NULL for any other: decided by
 * the first bytes seen on it (unless a TLS program marked it first), until
 * an HTTP/2 preface turns it into H1_SOCK_H2. A TLS record starts with a content
 * type 20..23 and major version 3 (RFC 8446 5.1); an HTTP/1 message with a
 * letter. Deciding once keeps a binary body that happens to start like a
 * record from flipping a plain connection.
 */
static __always_inline __u8 *plain_sock_kind(__u32 pid, int fd, struct sock *sk, __u64 ino, __u64 buf, __u64 len)
{
	struct h1_sock_key k = { .pid = pid, .fd = fd, .ino = ino };
	__u8 *kind = bpf_map_lookup_elem(&h1_socks, &k);
	__u8 hdr[2] = {}, v;

	if (kind)
		return *kind == H1_SOCK_PLAIN ? kind : NULL;
	/* Only TCP sockets get an entry (the TLS programs mark TCP conns only):
	 * known sockets skip this check, which is two more kernel reads.
	 */
	if (!tcp_sock(sk))
		return NULL;
	if (len < 2 || bpf_probe_read_user(hdr, sizeof(hdr), (void *)buf))
		return NULL;
	v = hdr[0] >= 20 && hdr[0] <= 23 && hdr[1] == 3 ? H1_SOCK_TLS : H1_SOCK_PLAIN;
	bpf_map_update_elem(&h1_socks, &k, &v, BPF_NOEXIST);
	if (v != H1_SOCK_PLAIN)
		return NULL;
	kind = bpf_map_lookup_elem(&h1_socks, &k);
	return kind && *kind == H1_SOCK_PLAIN ? kind : NULL;
}

#endif /* __GOTRACE_HTTP1_TLS_SOCKS_H */
