/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* http1_tls.bpf.c's socket classification: which TCP sockets carry TLS
 * (marked by the crypto/tls programs) and which carry plain bytes (decided
 * once, by their first bytes). Included once, by http1_tls.bpf.c, after
 * go_conn.h and http1_tls.h.
 */
#ifndef __GOTRACE_HTTP1_TLS_SOCKS_H
#define __GOTRACE_HTTP1_TLS_SOCKS_H

/* Sockets already classified; LRU: closed conns age out. Per-CPU LRU lists:
 * the common list's lock is taken on every update otherwise.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 65536);
	__type(key, struct h1_sock_key);
	__type(value, __u8);
} h1_socks SEC(".maps");

/* Called on every TLS Read and Write: an LRU update costs far more than a
 * lookup, so a socket already marked is left alone.
 */
static __always_inline void mark_tls(__u32 pid, int fd, struct sock *sk)
{
	struct h1_sock_key k = { .pid = pid, .fd = fd, .sk = (__u64)sk };
	__u8 *kind = bpf_map_lookup_elem(&h1_socks, &k);
	__u8 v = H1_SOCK_TLS;

	if (kind && *kind == H1_SOCK_TLS)
		return;
	bpf_map_update_elem(&h1_socks, &k, &v, BPF_ANY);
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

/* Whether a socket's bytes are plain: decided by the first bytes seen on it
 * (unless a TLS program marked it first). A TLS record starts with a content
 * type 20..23 and major version 3 (RFC 8446 5.1); an HTTP/1 message with a
 * letter. Deciding once keeps a binary body that happens to start like a
 * record from flipping a plain connection.
 */
static __always_inline int sock_is_plain(__u32 pid, int fd, struct sock *sk, __u64 buf, __u64 len)
{
	struct h1_sock_key k = { .pid = pid, .fd = fd, .sk = (__u64)sk };
	__u8 *kind = bpf_map_lookup_elem(&h1_socks, &k);
	__u8 hdr[2] = {}, v;

	if (kind)
		return *kind == H1_SOCK_PLAIN;
	/* Only TCP sockets get an entry (the TLS programs mark TCP conns only):
	 * known sockets skip this check, which is two more kernel reads.
	 */
	if (!tcp_sock(sk))
		return 0;
	if (len < 2 || bpf_probe_read_user(hdr, sizeof(hdr), (void *)buf))
		return 0;
	v = hdr[0] >= 20 && hdr[0] <= 23 && hdr[1] == 3 ? H1_SOCK_TLS : H1_SOCK_PLAIN;
	bpf_map_update_elem(&h1_socks, &k, &v, BPF_NOEXIST);
	return v == H1_SOCK_PLAIN;
}

#endif /* __GOTRACE_HTTP1_TLS_SOCKS_H */
