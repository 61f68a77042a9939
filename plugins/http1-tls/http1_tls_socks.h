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

/* The f_op of socket files, learned from the first file whose inode says it
 * is a socket: every socket file gets &socket_file_ops (sock_alloc_file()),
 * so afterwards an equal f_op proves a socket without reading the inode.
 * Racy writes are harmless: every writer stores the same value.
 * https://github.com/torvalds/linux/blob/v6.8/net/socket.c (sock_alloc_file)
 */
static __u64 h1_sock_fops;

/* go_fd_sock() with fewer helper calls: this runs on most probe hits (FD.Read
 * entry, FD.Write, TLS Read and Write), and each bpf_probe_read_kernel is a
 * helper call. task->files->fdt and the fdtable's fields are loaded directly
 * (the task is a BTF pointer, so the verifier turns these into fault-safe
 * loads); the fd array slot is one read; f_op, private_data and f_inode are
 * one read when they are adjacent (CO-RE offsets tell, at load time), and the
 * inode only when f_op is not the known socket one.
 */
static __always_inline struct sock *h1_fd_sock(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files = task->files;
	struct fdtable *fdt = files ? files->fdt : NULL;
	struct file **fds, *f = NULL;
	__u64 fops, priv, inode, known;
	__u32 o_op;
	umode_t mode;

	if (fd < 0 || !fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	if (!fds || bpf_core_read(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	o_op = bpf_core_field_offset(f->f_op);
	if (bpf_core_field_offset(f->private_data) == o_op + 16 && bpf_core_field_offset(f->f_inode) == o_op + 24) {
		__u64 w[4];

		if (bpf_probe_read_kernel(w, sizeof(w), (void *)f + o_op))
			return NULL;
		fops = w[0];
		priv = w[2];
		inode = w[3];
	} else {
		fops = (__u64)BPF_CORE_READ(f, f_op);
		priv = (__u64)BPF_CORE_READ(f, private_data);
		inode = (__u64)BPF_CORE_READ(f, f_inode);
	}
	known = h1_sock_fops;
	if (!known || fops != known) {
		/* private_data is a struct socket only for socket files. */
		mode = BPF_CORE_READ((struct inode *)inode, i_mode);
		if ((mode & GO_CONN_S_IFMT) != GO_CONN_S_IFSOCK)
			return NULL;
		h1_sock_fops = fops;
	}
	return priv ? BPF_CORE_READ((struct socket *)priv, sk) : NULL;
}

/* go_sock_addrs() in one read for IPv4: struct sock_common begins with
 * skc_daddr, skc_rcv_saddr, skc_hash, skc_dport, skc_num, skc_family (18
 * bytes), instead of a helper call per field. CO-RE says where they are in
 * the running kernel; any other layout, and IPv6, take go_sock_addrs().
 * https://github.com/torvalds/linux/blob/v6.8/include/net/sock.h (struct sock_common)
 */
static __always_inline void h1_sock_addrs(struct sock *sk, struct go_conn_addrs *a)
{
	struct {
		__u32 daddr;
		__u32 saddr;
		__u32 hash;
		__u16 dport;
		__u16 num;
		__u16 family;
	} h;

	if (bpf_core_field_offset(sk->__sk_common.skc_daddr) != 0 || bpf_core_field_offset(sk->__sk_common.skc_rcv_saddr) != 4 ||
	    bpf_core_field_offset(sk->__sk_common.skc_dport) != 12 || bpf_core_field_offset(sk->__sk_common.skc_num) != 14 ||
	    bpf_core_field_offset(sk->__sk_common.skc_family) != 16) {
		go_sock_addrs(sk, a);
		return;
	}
	if (bpf_probe_read_kernel(&h, sizeof(h), sk))
		return;
	if (h.family != GO_CONN_AF_INET) {
		go_sock_addrs(sk, a);
		return;
	}
	a->lport = h.num;
	a->rport = bpf_ntohs(h.dport);
	__builtin_memcpy(a->laddr, &h.saddr, sizeof(h.saddr));
	__builtin_memcpy(a->raddr, &h.daddr, sizeof(h.daddr));
	a->family = GO_CONN_AF_INET;
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
