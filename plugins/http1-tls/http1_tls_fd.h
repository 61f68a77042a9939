/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* http1_tls.bpf.c's internal/poll.(*FD) programs: Read (the wire seq of the
 * bytes TLS decrypts, and plain TCP bytes), Write (plain TCP bytes) and Close
 * (a connection's end). Included once, at the end of http1_tls.bpf.c, after
 * its maps, read_args_at_ret() and http1_tls_emit.h.
 */
#ifndef __GOTRACE_HTTP1_TLS_FD_H
#define __GOTRACE_HTTP1_TLS_FD_H

/* FD.Reads in flight. An entry stays after its RET, marked consumed, and the
 * goroutine's next read reuses it in place: a lookup and a few stores instead
 * of an LRU update and delete per call (an LRU update takes its list lock).
 * LRU: the entries of goroutines that are gone age out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 65536);
	__type(key, struct h1_fd_call_key);
	__type(value, struct h1_call);
} h1_fd_calls SEC(".maps");

/* The fd number of the internal/poll.FD at pfd; -1 when unreadable or not an fd. */
static __always_inline int pfd_sysfd(const struct h1_proc_cfg *cfg, __u64 pfd)
{
	__s64 sysfd = -1;

	if (!pfd || bpf_probe_read_user(&sysfd, sizeof(sysfd), (void *)(pfd + cfg->conn.pfd_sysfd)) || sysfd < 0 || sysfd > 0x7fffffff)
		return -1;
	return (int)sysfd;
}

/* func (fd *FD) Read(p []byte) (int, error): copied_seq before the read(2). */
SEC("uprobe")
int uprobe_poll_fd_read(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = h1_cfg_of(ctx, pid);
	struct h1_fd_call_key key = { .pid = pid };
	struct h1_call call = {}, *known;
	struct sock *sk;
	int sysfd;

	if (!cfg || !cfg->has_fd_read)
		return 0;
	key.g = go_current_g(ctx, cfg->regabi);
	if (!key.g || go_read_arg(ctx, &cfg->fd_read_fd, &call.conn))
		return 0;
	sysfd = pfd_sysfd(cfg, call.conn);
	sk = go_fd_sock_ino(sysfd, cfg->tcp || cfg->has_conn_in ? &call.ino : NULL);
	if (!sk)
		return 0; /* not a socket: files, pipes */
	call.buf = (__u64)sysfd;
	if (go_read_arg(ctx, &cfg->fd_read_buf, &call.p))
		call.p = 0;
	call.sk = (__u64)sk;
	call.seq_before = go_tcp_copied_seq(sk);
	call.seq_ok = 1;
	known = bpf_map_lookup_elem(&h1_fd_calls, &key);
	if (known)
		*known = call; /* only this goroutine touches its entry */
	else
		bpf_map_update_elem(&h1_fd_calls, &key, &call, BPF_ANY);
	return 0;
}

/* What an FD.Read of n > 0 bytes into p read from socket sk of fd, whose
 * bytes began at wire seq `before`: the decrypt probe's base for TLS records
 * (h1_rx), the fallback seq map for TLS Reads when decrypt is not probed, and
 * the bytes themselves for plain TCP.
 */
static __always_inline void fd_read_done(const struct h1_proc_cfg *cfg, __u32 pid, __u64 g, __u64 pfd, int fd, struct sock *sk, __u64 ino,
					 __u64 p, __u64 n, __u32 before)
{
	__u8 tls_fd = 0;

	if (cfg->has_decrypt && p) {
		struct h1_rx_key xk = { .pid = pid, .g = g };
		struct h1_rx rx = { .p = p, .p_end = p + n, .sk = (__u64)sk, .ino = ino, .pfd = pfd, .seq_before = before, .fd = fd };
		struct h1_rx *known = bpf_map_lookup_elem(&h1_rx, &xk);

		if (known) {
			/* Still the same FD and socket: still TLS if it was. */
			if (known->pfd == pfd && known->ino == ino)
				tls_fd = known->tls_fd;
			rx.tls_fd = tls_fd;
			rx.w = known->w;
			*known = rx; /* in place, as in h1_fd_calls */
		} else {
			bpf_map_update_elem(&h1_rx, &xk, &rx, BPF_ANY);
		}
	} else {
		/* With decrypt probed, TLS Reads take their record's seq from
		 * h1_rx: this LRU update (a lock each) would go unread.
		 */
		struct go_read_seq_key rk = { .pid = pid, .fd = fd, .seq_after = before + (__u32)n };

		bpf_map_update_elem(&go_read_seqs, &rk, &before, BPF_ANY);
	}
	if (cfg->tcp && p && !tls_fd)
		emit_plain(pid, g, cfg->goid_offset, -1, fd, sk, ino, p, n, before, H1_READ);
}

/* FD.Read's RET without an entry probe (fd_read_at_ret): fd and p.ptr from
 * their spill slots, and the seq before the read from copied_seq now: the
 * read(2) advanced it by exactly n, and the read lock kept other readers of
 * the FD out meanwhile.
 * The lock and the read's reference on the FD were dropped before this RET
 * (defer fd.readUnlock()), so a Close may have begun and the fd number be
 * reused by another socket. Close sets mutexClosed (bit 0 of fdmu.state)
 * before it closes the fd: read after the fd -> socket walk, a clear bit
 * proves the walk found this read's socket.
 * https://github.com/golang/go/blob/go1.19/src/internal/poll/fd_mutex.go (increfAndClose)
 */
static __always_inline void fd_read_ret_only(struct pt_regs *ctx, const struct h1_proc_cfg *cfg, __u32 pid)
{
	__u64 n = 0, fd = 0, p = 0, state = 1, ino = 0, g;
	struct h1_rx_key xk = { .pid = pid };
	struct h1_rx *known = NULL;
	struct sock *sk;
	int sysfd;

	/* n <= 0: EOF, an error, or a background read aborted by a deadline. */
	if (go_read_arg(ctx, &cfg->fd_read_n, &n) || (__s64)n <= 0 ||
	    read_args_at_ret(ctx, &cfg->fd_read_fd_ret, &cfg->fd_read_buf_ret, &fd, &p) || !fd)
		return;
	g = go_current_g(ctx, cfg->regabi);
	/* This goroutine read from this FD last time too (a connection's reader
	 * goroutine): its socket is the one found then, if that socket is still
	 * alive under the same inode number. An FD object's address can come
	 * back for a new connection (and a g for a new goroutine), a live
	 * socket's inode number cannot. The closed bit below says if a Close
	 * began since.
	 */
	if (cfg->has_decrypt && g) {
		xk.g = g;
		known = bpf_map_lookup_elem(&h1_rx, &xk);
	}
	if (known && known->pfd == fd && go_sock_is((struct sock *)known->sk, known->ino)) {
		/* No fd walk, so no closed-bit check: the socket is the one read. */
		sysfd = known->fd;
		sk = (struct sock *)known->sk;
		ino = known->ino;
	} else {
		sysfd = pfd_sysfd(cfg, fd);
		sk = go_fd_sock_ino(sysfd, cfg->tcp || cfg->has_conn_in ? &ino : NULL);
		if (!sk || bpf_probe_read_user(&state, sizeof(state), (void *)(fd + cfg->fdmu_state)) || (state & 1))
			return;
	}
	fd_read_done(cfg, pid, g, fd, sysfd, sk, ino, p, n, go_tcp_copied_seq(sk) - (__u32)n);
}

/* ... and after it: (pid, fd, copied_seq after) -> copied_seq before.
 * copied_seq after is before + n: FD.Read is one read(2) (it loops only on
 * EAGAIN, which reads nothing), and its fdMutex read lock keeps other
 * readers of this FD out, so nothing else advanced copied_seq meanwhile. The
 * socket is the one seen at entry: the read's reference on the FD kept the
 * fd from being closed until the read ended (internal/poll/fd_mutex.go).
 * https://github.com/golang/go/blob/go1.19/src/internal/poll/fd_unix.go (FD.Read)
 */
SEC("uprobe")
int uprobe_poll_fd_read_ret(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = h1_cfg_of(ctx, pid);
	struct h1_fd_call_key key = { .pid = pid };
	struct h1_call *call;
	__u64 n = 0;

	if (!cfg)
		return 0;
	if (cfg->fd_read_at_ret) {
		fd_read_ret_only(ctx, cfg, pid);
		return 0;
	}
	key.g = go_current_g(ctx, cfg->regabi);
	call = key.g ? bpf_map_lookup_elem(&h1_fd_calls, &key) : NULL;
	if (!call || !call->seq_ok)
		return 0; /* entered before we attached */
	call->seq_ok = 0;
	if (go_read_arg(ctx, &cfg->fd_read_n, &n) || (__s64)n <= 0)
		return 0;
	fd_read_done(cfg, pid, key.g, call->conn, (__s32)call->buf, (struct sock *)call->sk, call->ino, call->p, n, call->seq_before);
	return 0;
}

/* func (fd *FD) Write(p []byte) (int, error): plain bytes about to be sent. */
SEC("uprobe")
int uprobe_poll_fd_write(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = h1_cfg_of(ctx, pid);
	__u64 pfd = 0, buf = 0, len = 0, ino = 0, g;
	struct sock *sk;
	int sysfd;

	if (!cfg || !cfg->tcp)
		return 0;
	if (go_read_arg(ctx, &cfg->fd_write_fd, &pfd) || !pfd || go_read_arg(ctx, &cfg->fd_write_buf, &buf) ||
	    go_read_arg(ctx, &cfg->fd_write_len, &len) || !len)
		return 0;
	g = go_current_g(ctx, cfg->regabi);
	/* The write half of a TLS Write: this goroutine's last TLS Write went
	 * through this FD, or it last read TLS from it (a server answering the
	 * request it just read). Record bytes, known without reading the fd or
	 * walking to its socket, as long as that socket is alive under the same
	 * inode number (see fd_read_ret_only).
	 */
	if (cfg->conn.tcpconn_itab && g) {
		struct h1_rx_key xk = { .pid = pid, .g = g };
		struct h1_rx *known = bpf_map_lookup_elem(&h1_rx, &xk);

		if (known && known->w.pfd == pfd && go_sock_is((struct sock *)known->w.sk, known->w.ino))
			return 0; /* inside a TLS Write of this goroutine's */
		if (known && known->pfd == pfd && known->tls_fd && go_sock_is((struct sock *)known->sk, known->ino))
			return 0;
	}
	sysfd = pfd_sysfd(cfg, pfd);
	if (sysfd < 0)
		return 0;
	sk = go_fd_sock_ino(sysfd, &ino);
	emit_plain(pid, g, cfg->goid_offset, -1, sysfd, sk, ino, buf, len, 0, H1_WRITE);
	return 0;
}

/* func (fd *FD) Close() error: a connection gotrace has records of ends.
 * At entry the fd is still open (Close only marks the FD closing; the
 * close(2) comes with its last reference), so the walk finds its socket.
 * Only sockets h1_socks knows (TLS or plain, not HTTP/2) are reported. Their
 * entry stays for the LRU to age out: keyed by inode number, no later socket
 * can match it.
 */
SEC("uprobe")
int uprobe_poll_fd_close(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = h1_cfg_of(ctx, pid);
	struct h1_sock_key k = { .pid = pid };
	__u64 pfd = 0, ino = 0;
	struct h1_event *e;
	__u8 *kind, tls;

	if (!cfg || !cfg->has_fd_close || go_read_arg(ctx, &cfg->fd_close_fd, &pfd))
		return 0;
	k.fd = pfd_sysfd(cfg, pfd);
	if (!go_fd_sock_ino(k.fd, &ino))
		return 0;
	k.ino = ino;
	kind = bpf_map_lookup_elem(&h1_socks, &k);
	if (!kind || *kind == H1_SOCK_H2)
		return 0;
	tls = *kind == H1_SOCK_TLS;
	e = gotrace_ringbuf_reserve(&h1_events, H1_EVENT_HEADER);
	if (!e)
		return 0;
	__builtin_memset(e, 0, H1_EVENT_HEADER);
	e->ts = bpf_ktime_get_ns();
	e->goid = -1;
	e->conn = ino;
	e->pid = pid;
	e->fd = k.fd;
	e->direction = H1_CLOSE;
	e->tls = tls;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

#endif /* __GOTRACE_HTTP1_TLS_FD_H */
