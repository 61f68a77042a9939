// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* HTTPS plaintext from Go's crypto/tls: what (*Conn).Write is about to
 * encrypt (at entry) and what (*Conn).Read decrypted (at every RET), with the
 * connection's fd, addresses and TCP sequence numbers. internal/poll.(*FD).Read
 * is probed too, to learn the wire seq of the bytes a TLS Read decrypts.
 * With the tcp flag, internal/poll.(*FD).Write and Read also capture plain
 * HTTP on TCP sockets that do not carry TLS (same events, tls = 0).
 * Probes are attached once per binary for every pid; user space writes a
 * per-pid config (h1_procs) and nothing happens for pids without one.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "gotrace_common.h"
#include "go_abi.h"
#include "go_goroutine.h"
#include "go_conn.h"
#include "http1_tls.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum { FN_TLS_READ = 2, FN_FD_READ = 3 };

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 << 20); /* ~8k chunks of 4 KiB between reads */
} h1_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct h1_proc_cfg);
} h1_procs SEC(".maps");

/* Reads in flight. LRU: a call that never reaches a RET must not leak. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct h1_call_key);
	__type(value, struct h1_call);
} h1_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct h1_rx_key);
	__type(value, struct h1_rx);
} h1_rx SEC(".maps");

/* Sockets already classified; LRU: closed conns age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct h1_sock_key);
	__type(value, __u8);
} h1_socks SEC(".maps");

static __always_inline void mark_tls(__u32 pid, int fd, struct sock *sk)
{
	struct h1_sock_key k = { .pid = pid, .fd = fd, .sk = (__u64)sk };
	__u8 v = H1_SOCK_TLS;

	bpf_map_update_elem(&h1_socks, &k, &v, BPF_ANY);
}

/* The TCP socket behind fd, or NULL (files, pipes, unix and UDP sockets). */
static __always_inline struct sock *tcp_sock_of(int fd)
{
	struct sock *sk = go_fd_sock(fd);
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
	if (len < 2 || bpf_probe_read_user(hdr, sizeof(hdr), (void *)buf))
		return 0;
	v = hdr[0] >= 20 && hdr[0] <= 23 && hdr[1] == 3 ? H1_SOCK_TLS : H1_SOCK_PLAIN;
	bpf_map_update_elem(&h1_socks, &k, &v, BPF_NOEXIST);
	return v == H1_SOCK_PLAIN;
}

static __always_inline int call_key(struct pt_regs *ctx, const struct h1_proc_cfg *cfg, __u32 pid, __u32 fn, struct h1_call_key *key)
{
	__u64 g = go_current_g(ctx, cfg->regabi);
	__u64 stack_hi = 0;

	/* runtime.g starts with stack{lo, hi}: hi is at g+8 in every Go version. */
	if (!g || bpf_probe_read_user(&stack_hi, sizeof(stack_hi), (void *)(g + 8)))
		return -1;
	key->pid = pid;
	key->func = fn;
	key->goid = go_goid(g, cfg->goid_offset);
	key->depth = stack_hi - *(volatile __u64 *)&ctx->sp;
	return 0;
}

struct emit_args {
	__u64 goid;
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

/* One record per H1_CHUNK bytes, at most H1_MAX_CHUNKS: the rest of a big
 * call is known by its length only.
 */
static __always_inline void emit_chunks(const struct emit_args *a)
{
	__u64 ts = bpf_ktime_get_ns();

	for (__u32 i = 0; i < H1_MAX_CHUNKS; i++) {
		__u32 off = i * H1_CHUNK, n;
		struct h1_event *e;

		if (off >= a->call_len)
			break;
		n = a->call_len - off;
		if (n > H1_CHUNK)
			n = H1_CHUNK;
		e = gotrace_ringbuf_reserve(&h1_events, sizeof(*e));
		if (!e)
			return;
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
		/* n is 1..H1_CHUNK; said as a mask so the verifier sees the bound
		 * (clang folds a plain clamp into something it cannot follow).
		 */
		n = ((n - 1) & (H1_CHUNK - 1)) + 1;
		if (bpf_probe_read_user(e->data, n, (void *)(a->buf + off)))
			n = 0;
		e->data_len = n;
		bpf_ringbuf_submit(e, 0);
	}
}

/* The conn's fd and socket: addresses always, write_seq for a Write, and
 * for a Read the seq where the kernel read that brought its bytes began.
 */
static __always_inline void conn_info(const struct h1_proc_cfg *cfg, struct emit_args *a)
{
	struct go_read_seq_key rk = {};
	struct sock *sk;
	__u32 *before;

	a->fd = go_conn_fd(a->conn, &cfg->conn, &a->fd_why);
	a->seq_ok = 0;
	__builtin_memset(&a->addrs, 0, sizeof(a->addrs));
	sk = go_fd_sock(a->fd);
	if (!sk)
		return;
	go_sock_addrs(sk, &a->addrs);
	mark_tls(a->pid, a->fd, sk); /* its FD.Read/Write bytes are records, not HTTP */
	if (a->dir == H1_WRITE) {
		a->seq = go_tcp_write_seq(sk);
		a->seq_ok = 1;
		return;
	}
	/* Best: the seq of the TLS record this goroutine decrypted last. */
	{
		struct h1_rx_key xk = { .pid = a->pid, .goid = a->goid };
		struct h1_rx *rx = bpf_map_lookup_elem(&h1_rx, &xk);

		if (rx && rx->record_ok && rx->fd == a->fd) {
			a->seq = rx->record_seq;
			a->seq_ok = 1;
			return;
		}
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
}

/* func (c *Conn) Write(b []byte) (int, error): b is plaintext before encryption. */
SEC("uprobe")
int uprobe_crypto_tls_conn_write(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), len = 0;
	__u32 pid = pid_tgid >> 32;
	struct h1_proc_cfg *cfg = bpf_map_lookup_elem(&h1_procs, &pid);
	struct emit_args a = {};
	__u64 g;

	if (!cfg)
		return 0;
	if (go_read_arg(ctx, &cfg->write_conn, &a.conn) || go_read_arg(ctx, &cfg->write_buf, &a.buf) ||
	    go_read_arg(ctx, &cfg->write_len, &len) || len == 0)
		return 0;
	g = go_current_g(ctx, cfg->regabi);
	a.goid = go_goid(g, cfg->goid_offset);
	a.pid = pid;
	a.call_len = len > 0xffffffff ? 0xffffffff : (__u32)len;
	a.dir = H1_WRITE;
	a.tls = 1;
	conn_info(cfg, &a);
	emit_chunks(&a);
	return 0;
}

/* func (c *Conn) Read(b []byte) (int, error): remember c and b until a RET. */
SEC("uprobe")
int uprobe_crypto_tls_conn_read(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = bpf_map_lookup_elem(&h1_procs, &pid);
	struct h1_call_key key = {};
	struct h1_call call = {};

	if (!cfg || call_key(ctx, cfg, pid, FN_TLS_READ, &key))
		return 0;
	if (go_read_arg(ctx, &cfg->read_conn, &call.conn) || go_read_arg(ctx, &cfg->read_buf, &call.buf))
		return 0;
	bpf_map_update_elem(&h1_calls, &key, &call, BPF_ANY);
	return 0;
}

SEC("uprobe")
int uprobe_crypto_tls_conn_read_ret(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = bpf_map_lookup_elem(&h1_procs, &pid);
	struct h1_call_key key = {};
	struct emit_args a = {};
	struct h1_call *call;
	__u64 n = 0;

	if (!cfg || call_key(ctx, cfg, pid, FN_TLS_READ, &key))
		return 0;
	call = bpf_map_lookup_elem(&h1_calls, &key);
	if (!call)
		return 0; /* entered before we attached */
	a.conn = call->conn;
	a.buf = call->buf;
	bpf_map_delete_elem(&h1_calls, &key);
	/* n is an int: an error return has n == 0, never negative. */
	if (go_read_arg(ctx, &cfg->read_n, &n) || (__s64)n <= 0)
		return 0;
	a.goid = key.goid;
	a.pid = pid;
	a.call_len = n > 0xffffffff ? 0xffffffff : (__u32)n;
	a.dir = H1_READ;
	a.tls = 1;
	conn_info(cfg, &a);
	emit_chunks(&a);
	return 0;
}

/* Plain TCP bytes of an FD.Read (n read, seq where they began) or FD.Write
 * (seq: write_seq now), when the fd is a TCP socket that carries no TLS.
 */
static __always_inline void emit_plain(__u32 pid, __u64 goid, int fd, __u64 buf, __u64 len, __u32 read_seq, __u8 dir)
{
	struct emit_args a = {};
	struct sock *sk = tcp_sock_of(fd);

	if (!sk || !sock_is_plain(pid, fd, sk, buf, len))
		return;
	a.goid = goid;
	a.conn = (__u64)sk;
	a.buf = buf;
	a.pid = pid;
	a.call_len = len > 0xffffffff ? 0xffffffff : (__u32)len;
	a.fd = fd;
	a.dir = dir;
	a.seq = dir == H1_WRITE ? go_tcp_write_seq(sk) : read_seq;
	a.seq_ok = 1;
	go_sock_addrs(sk, &a.addrs);
	emit_chunks(&a);
}

/* func (fd *FD) Read(p []byte) (int, error): copied_seq before the read(2). */
SEC("uprobe")
int uprobe_poll_fd_read(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = bpf_map_lookup_elem(&h1_procs, &pid);
	struct h1_call_key key = {};
	struct h1_call call = {};
	__s64 sysfd = -1;
	struct sock *sk;

	if (!cfg || !cfg->has_fd_read || call_key(ctx, cfg, pid, FN_FD_READ, &key))
		return 0;
	if (go_read_arg(ctx, &cfg->fd_read_fd, &call.conn) || !call.conn ||
	    bpf_probe_read_user(&sysfd, sizeof(sysfd), (void *)(call.conn + cfg->conn.pfd_sysfd)))
		return 0;
	sk = go_fd_sock((int)sysfd);
	if (!sk)
		return 0; /* not a socket: files, pipes */
	call.buf = (__u64)sysfd;
	if (go_read_arg(ctx, &cfg->fd_read_buf, &call.p))
		call.p = 0;
	call.seq_before = go_tcp_copied_seq(sk);
	call.seq_ok = 1;
	bpf_map_update_elem(&h1_calls, &key, &call, BPF_ANY);
	return 0;
}

/* ... and after it: (pid, fd, copied_seq now) -> copied_seq before. */
SEC("uprobe")
int uprobe_poll_fd_read_ret(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = bpf_map_lookup_elem(&h1_procs, &pid);
	struct go_read_seq_key rk = {};
	struct h1_call_key key = {};
	struct h1_call *call;
	struct h1_rx rx = {};
	struct sock *sk;
	__u32 before;
	__u64 n = 0, p;

	if (!cfg || call_key(ctx, cfg, pid, FN_FD_READ, &key))
		return 0;
	call = bpf_map_lookup_elem(&h1_calls, &key);
	if (!call)
		return 0;
	rk.pid = pid;
	rk.fd = (__s32)call->buf;
	before = call->seq_before;
	p = call->p;
	bpf_map_delete_elem(&h1_calls, &key);
	if (go_read_arg(ctx, &cfg->fd_read_n, &n) || (__s64)n <= 0)
		return 0;
	if (cfg->has_decrypt && p) {
		struct h1_rx_key xk = { .pid = pid, .goid = key.goid };

		rx.p = p;
		rx.p_end = p + n;
		rx.seq_before = before;
		rx.fd = rk.fd;
		bpf_map_update_elem(&h1_rx, &xk, &rx, BPF_ANY);
	}
	sk = go_fd_sock(rk.fd);
	if (!sk)
		return 0;
	rk.seq_after = go_tcp_copied_seq(sk);
	bpf_map_update_elem(&go_read_seqs, &rk, &before, BPF_ANY);
	if (cfg->tcp && p)
		emit_plain(pid, key.goid, rk.fd, p, n, before, H1_READ);
	return 0;
}

/* func (fd *FD) Write(p []byte) (int, error): plain bytes about to be sent. */
SEC("uprobe")
int uprobe_poll_fd_write(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = bpf_map_lookup_elem(&h1_procs, &pid);
	__u64 pfd = 0, buf = 0, len = 0;
	__s64 sysfd = -1;

	if (!cfg || !cfg->tcp)
		return 0;
	if (go_read_arg(ctx, &cfg->fd_write_fd, &pfd) || !pfd || go_read_arg(ctx, &cfg->fd_write_buf, &buf) ||
	    go_read_arg(ctx, &cfg->fd_write_len, &len) || !len ||
	    bpf_probe_read_user(&sysfd, sizeof(sysfd), (void *)(pfd + cfg->conn.pfd_sysfd)) || sysfd < 0 || sysfd > 0x7fffffff)
		return 0;
	emit_plain(pid, go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), (int)sysfd, buf, len, 0, H1_WRITE);
	return 0;
}

/* func (hc *halfConn) decrypt(record []byte) ([]byte, recordType, error):
 * record points into rawInput, filled by this goroutine's last socket read.
 */
SEC("uprobe")
int uprobe_crypto_tls_halfconn_decrypt(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = bpf_map_lookup_elem(&h1_procs, &pid);
	struct h1_rx_key xk = { .pid = pid };
	struct h1_rx *rx;
	__u64 rec = 0;

	if (!cfg || !cfg->has_decrypt || go_read_arg(ctx, &cfg->decrypt_rec, &rec))
		return 0;
	xk.goid = go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset);
	rx = bpf_map_lookup_elem(&h1_rx, &xk);
	/* The record must lie in the bytes before the end of that read; rawInput
	 * holds at most a few records, so anything far below it is another buffer.
	 */
	if (!rx || rec >= rx->p_end || rx->p_end - rec > (1 << 20))
		return 0;
	rx->record_seq = rx->seq_before + (__u32)(rec - rx->p);
	rx->record_ok = 1;
	return 0;
}
