/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* http1_tls.bpf.c's events: one call's bytes as H1_CHUNK records, with the
 * conn's fd, addresses and TCP sequence numbers. Included once, by
 * http1_tls.bpf.c, after its h1_rx map and http1_tls_socks.h.
 */
#ifndef __GOTRACE_HTTP1_TLS_EMIT_H
#define __GOTRACE_HTTP1_TLS_EMIT_H

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* Records are ~350 bytes for a typical call (4.2 KiB at most): 8 MiB holds
	 * ~25k of them, most of a second at 10k exchanges/s should gotrace stall.
	 * User space maps the ring twice, so its RSS grows by 2x this.
	 */
	__uint(max_entries, 8 << 20);
} h1_events SEC(".maps");

struct emit_args {
	__u64 goid;
	__u64 g; /* conn_info's h1_rx key, for reads */
	__u64 conn;
	__u64 buf;
	__u32 pid;
	__u32 call_len;
	__s32 fd;
	__u32 seq;
	__u8 dir;
	__u8 seq_ok;
	__u8 fd_why;
	__u8 tls;
	struct go_conn_addrs addrs;
};

#define H1_EVENT_HEADER (sizeof(struct h1_event) - H1_CHUNK)

/* One record holding n (1..cap) bytes at buf+off, reserved at header + cap
 * bytes rather than the whole struct: most HTTP/1 calls are a few hundred
 * bytes, and every reserved byte is copied again in user space. `cap` is a
 * power of two and a constant after inlining (reserve needs a constant size).
 */
static __always_inline bool emit_one(const struct emit_args *a, __u64 ts, __u32 off, __u32 n, const __u32 cap)
{
	struct h1_event *e = gotrace_ringbuf_reserve(&h1_events, H1_EVENT_HEADER + cap);
	bool preface;

	if (!e)
		return false;
	e->ts = ts;
	e->goid = a->goid;
	e->conn = a->conn;
	e->pid = a->pid;
	e->fd = a->fd;
	e->call_len = a->call_len;
	e->offset = off;
	e->tcp_seq = a->seq;
	e->direction = a->dir;
	e->seq_ok = a->seq_ok;
	e->fd_why = a->fd_why;
	e->tls = a->tls;
	e->addrs = a->addrs;
	/* n is 1..cap; said as a mask so the verifier sees the bound (clang
	 * folds a plain clamp into something it cannot follow).
	 */
	n = ((n - 1) & (cap - 1)) + 1;
	if (bpf_probe_read_user(e->data, n, (void *)(a->buf + off)))
		n = 0;
	e->data_len = n;
	preface = off == 0 && h2_preface(e->data, n);
	/* User space is woken only when a burst fills the ring (go_ring_wake.h); it drains on a timer (runtime.ts drainEveryMs). */
	bpf_ringbuf_submit(e, go_ring_wake_flags(&h1_events));
	return preface;
}

/* One record per H1_CHUNK bytes, at most H1_MAX_CHUNKS: the rest of a big
 * call is known by its length only. True when the call's bytes begin with
 * the HTTP/2 client preface.
 */
static __always_inline bool emit_chunks(const struct emit_args *a)
{
	__u64 ts = bpf_ktime_get_ns();
	bool preface = false;

	for (__u32 i = 0; i < H1_MAX_CHUNKS; i++) {
		__u32 off = i * H1_CHUNK, n;

		if (off >= a->call_len)
			break;
		n = a->call_len - off;
		if (n > H1_CHUNK)
			n = H1_CHUNK;
		if (n <= 256)
			preface |= emit_one(a, ts, off, n, 256);
		else if (n <= 1024)
			preface |= emit_one(a, ts, off, n, 1024);
		else
			preface |= emit_one(a, ts, off, n, H1_CHUNK);
	}
	return preface;
}

/* The conn's fd and socket: addresses always, write_seq for a Write, and
 * for a Read the seq where the kernel read that brought its bytes began.
 * Returns the socket's kind (tls_sock_kind), NULL when there is no socket.
 */
static __always_inline __u8 *conn_info(const struct h1_proc_cfg *cfg, struct emit_args *a)
{
	struct h1_rx_key xk = { .pid = a->pid, .g = a->g };
	struct go_read_seq_key rk = {};
	struct h1_rx *rx = NULL;
	__u64 ino = 0, pfd = 0;
	struct sock *sk;
	__u8 *kind;
	__u32 *before;

	a->seq_ok = 0;
	__builtin_memset(&a->addrs, 0, sizeof(a->addrs));
	/* This goroutine's h1_rx: for a TLS read, the record seq; and the fd,
	 * socket and inode of the Conn it last decrypted for or wrote to, so a
	 * Read or Write on that Conn does not walk to its socket again (a server
	 * answers on the goroutine that read the request; a writer goroutine
	 * writes one Conn). A Conn's address and a g can both be reused by a new
	 * connection and goroutine, so the socket must still be alive under the
	 * inode number read then (go_sock_is).
	 */
	if (a->g)
		rx = bpf_map_lookup_elem(&h1_rx, &xk);
	if (rx && cfg->has_conn_in && rx->tls_conn == a->conn && go_sock_is((struct sock *)rx->sk, rx->ino)) {
		a->fd = rx->fd;
		a->fd_why = GO_FD_OK;
		sk = (struct sock *)rx->sk;
		ino = rx->ino;
	} else if (rx && rx->w.conn == a->conn && go_sock_is((struct sock *)rx->w.sk, rx->w.ino)) {
		a->fd = rx->w.fd;
		a->fd_why = GO_FD_OK;
		sk = (struct sock *)rx->w.sk;
		ino = rx->w.ino;
	} else {
		a->fd = go_conn_fd_pfd(a->conn, &cfg->conn, &a->fd_why, &pfd);
		sk = go_fd_sock_ino(a->fd, &ino);
		if (!sk)
			return NULL;
		if (a->dir == H1_WRITE && a->g && ino) {
			struct h1_wside w = { .conn = a->conn, .pfd = pfd, .sk = (__u64)sk, .ino = ino, .fd = a->fd };

			if (rx) {
				rx->w = w;
			} else {
				struct h1_rx fresh = { .w = w };

				bpf_map_update_elem(&h1_rx, &xk, &fresh, BPF_NOEXIST);
			}
		}
	}
	kind = tls_sock_kind(a->pid, a->fd, ino);
	/* From here on the record's conn names the connection for good (see h1_sock_key). */
	if (ino)
		a->conn = ino;
	if (kind && *kind == H1_SOCK_H2)
		return kind; /* nothing more is needed: it is not emitted */
	go_sock_addrs(sk, &a->addrs);
	if (a->dir == H1_WRITE) {
		a->seq = go_tcp_write_seq(sk);
		a->seq_ok = 1;
		return kind;
	}
	/* Best: the seq of the TLS record this goroutine decrypted last. */
	if (rx && rx->record_ok && rx->fd == a->fd) {
		a->seq = rx->record_seq;
		a->seq_ok = 1;
		return kind;
	}
	/* Else: where the read(2) that brought the bytes began. */
	rk.pid = a->pid;
	rk.fd = a->fd;
	rk.seq_after = go_tcp_copied_seq(sk);
	before = bpf_map_lookup_elem(&go_read_seqs, &rk);
	if (before) {
		a->seq = *before;
		a->seq_ok = 1;
	}
	return kind;
}

/* A TLS call's bytes, unless its socket carries HTTP/2; the HTTP/2 client
 * preface at the start of a call marks it so from the next call on.
 */
static __always_inline void emit_tls(const struct h1_proc_cfg *cfg, struct emit_args *a)
{
	__u8 *kind = conn_info(cfg, a);

	if (kind && *kind == H1_SOCK_H2)
		return;
	/* The goid is a memory read: only for what is emitted (0: not read yet;
	 * no user goroutine has goid 0).
	 */
	if (!a->goid)
		a->goid = go_goid(a->g, cfg->goid_offset);
	if (emit_chunks(a) && kind)
		*kind = H1_SOCK_H2;
}

/* Plain TCP bytes of an FD.Read (n read, seq where they began) or FD.Write
 * (seq: write_seq now), when fd's socket sk (the caller walked fd -> sk
 * already) is a TCP socket that carries no TLS. The goid is read from g only
 * then (g == 0: the caller's goid): most FD calls of a TLS program end here.
 */
static __always_inline void emit_plain(__u32 pid, __u64 g, __u32 goid_offset, __s64 goid, int fd, struct sock *sk, __u64 ino, __u64 buf,
				       __u64 len, __u32 read_seq, __u8 dir)
{
	struct emit_args a = {};
	__u8 *kind;

	if (!sk)
		return;
	kind = plain_sock_kind(pid, fd, sk, ino, buf, len);
	if (!kind)
		return;
	a.goid = g ? go_goid(g, goid_offset) : goid;
	a.conn = ino ? ino : (__u64)sk;
	a.buf = buf;
	a.pid = pid;
	a.call_len = go_len_u32(len);
	a.fd = fd;
	a.dir = dir;
	a.seq = dir == H1_WRITE ? go_tcp_write_seq(sk) : read_seq;
	a.seq_ok = 1;
	go_sock_addrs(sk, &a.addrs);
	if (emit_chunks(&a))
		*kind = H1_SOCK_H2;
}

#endif /* __GOTRACE_HTTP1_TLS_EMIT_H */
