/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The connection behind a Go net.Conn, at a uprobe in Go code (amd64):
 * the fd from the Go structs, then the kernel socket for that fd (addresses,
 * TCP sequence numbers) via CO-RE. Shared by the TLS plugins (http1-tls now,
 * http2/grpc later). Needs vmlinux.h, <bpf/bpf_helpers.h>,
 * <bpf/bpf_core_read.h> and <bpf/bpf_tracing.h> first.
 */
#ifndef __GOTRACE_GO_CONN_H
#define __GOTRACE_GO_CONN_H

#define GO_CONN_AF_INET 2
#define GO_CONN_AF_INET6 10
#define GO_CONN_S_IFMT 0170000
#define GO_CONN_S_IFSOCK 0140000

/* Kernel memory read with plain loads, not a helper call each: the
 * verifier turns loads through a pointer cast to its BTF type into faulting
 * loads (a bad address reads 0), and this runs on most probe hits.
 * bpf_rdonly_cast is a kfunc since Linux 6.2.
 */
extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id) __ksym;
#define GO_KCAST(type, p) ((type *)bpf_rdonly_cast((const void *)(__u64)(p), bpf_core_type_id_kernel(type)))
/* A value loaded through GO_KCAST, kept in its own instruction: clang may
 * otherwise merge the load with one of the same offset through another kind
 * of pointer on another path (a map value), which the verifier refuses
 * ("same insn cannot be used with different pointers").
 */
#define GO_KLOAD(v) ({ __typeof__(v) __v = (v); asm volatile("" : "+r"(__v)); __v; })

/* Offsets user space resolves per binary (DWARF, else a version table). */
struct go_conn_offsets {
	__u64 tcpconn_itab; /* runtime address of go.itab.*net.TCPConn,net.Conn; 0: unknown */
	__u32 iface_off;    /* the net.Conn field in the outer struct (tls.Conn.conn: 0) */
	__u32 conn_fd;      /* net.conn.fd (*netFD): 0 */
	__u32 netfd_pfd;    /* net.netFD.pfd (poll.FD): 0 */
	__u32 pfd_sysfd;    /* internal/poll.FD.Sysfd (int): 16, after fdMutex */
};

/* Why an fd is -1, so user space can say it instead of guessing. */
enum go_conn_fd_why {
	GO_FD_OK = 0,
	GO_FD_NO_ITAB = 1,   /* the binary's itab address is unknown (no .symtab) */
	GO_FD_NOT_TCP = 2,   /* the net.Conn is not a *net.TCPConn */
	GO_FD_UNREADABLE = 3,
};

/* The fd of the *net.TCPConn inside the net.Conn interface at `outer + iface_off`
 * (and, with pfd, the address of its internal/poll.FD).
 * An interface is {itab, data}; only a *net.TCPConn itab lets us trust the
 * pointer chain data -> net.conn.fd -> netFD.pfd -> FD.Sysfd.
 * https://github.com/golang/go/blob/go1.19/src/net/net.go (type conn)
 * https://github.com/golang/go/blob/go1.19/src/internal/poll/fd_unix.go (type FD)
 */
static __always_inline int go_conn_fd_pfd(__u64 outer, const struct go_conn_offsets *o, __u8 *why, __u64 *pfd)
{
	__u64 iface[2] = {}, netfd = 0;
	__s64 sysfd = -1;

	*why = GO_FD_UNREADABLE;
	if (!outer || bpf_probe_read_user(iface, sizeof(iface), (void *)(outer + o->iface_off)))
		return -1;
	if (!o->tcpconn_itab) {
		*why = GO_FD_NO_ITAB;
		return -1;
	}
	if (iface[0] != o->tcpconn_itab) {
		*why = GO_FD_NOT_TCP;
		return -1;
	}
	if (!iface[1] || bpf_probe_read_user(&netfd, sizeof(netfd), (void *)(iface[1] + o->conn_fd)))
		return -1;
	if (!netfd || bpf_probe_read_user(&sysfd, sizeof(sysfd), (void *)(netfd + o->netfd_pfd + o->pfd_sysfd)))
		return -1;
	if (sysfd < 0 || sysfd > 0x7fffffff)
		return -1;
	*why = GO_FD_OK;
	if (pfd)
		*pfd = netfd + o->netfd_pfd;
	return (int)sysfd;
}

static __always_inline int go_conn_fd(__u64 outer, const struct go_conn_offsets *o, __u8 *why)
{
	return go_conn_fd_pfd(outer, o, why, NULL);
}

/* Endpoints as seen from this process: addresses in network order, ports in host order. */
struct go_conn_addrs {
	__u8 family; /* 0: unknown */
	__u8 _pad;
	__u16 lport;
	__u16 rport;
	__u16 _pad2;
	__u8 laddr[16]; /* IPv4: first 4 bytes */
	__u8 raddr[16];
};

/* Field by field: IPv6, or a struct sock_common laid out unlike go_sock_addrs() expects. */
static __always_inline void go_sock_addrs_fields(struct sock *sk, struct go_conn_addrs *a)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	a->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	a->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == GO_CONN_AF_INET) {
		__u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(a->laddr, &l, sizeof(l));
		__builtin_memcpy(a->raddr, &r, sizeof(r));
	} else if (family == GO_CONN_AF_INET6) {
		BPF_CORE_READ_INTO(a->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(a->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		return;
	}
	a->family = (__u8)family;
}

/* A socket's addresses, in one read for IPv4: struct sock_common begins with
 * skc_daddr, skc_rcv_saddr, skc_hash, skc_dport, skc_num, skc_family (18
 * bytes), instead of a helper call per field. CO-RE says where they are in
 * the running kernel; any other layout, and IPv6, go field by field.
 * https://github.com/torvalds/linux/blob/v6.8/include/net/sock.h (struct sock_common)
 */
static __always_inline void go_sock_addrs(struct sock *sk, struct go_conn_addrs *a)
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
		go_sock_addrs_fields(sk, a);
		return;
	}
	if (bpf_probe_read_kernel(&h, sizeof(h), sk))
		return;
	if (h.family != GO_CONN_AF_INET) {
		go_sock_addrs_fields(sk, a);
		return;
	}
	a->lport = h.num;
	a->rport = bpf_ntohs(h.dport);
	__builtin_memcpy(a->laddr, &h.saddr, sizeof(h.saddr));
	__builtin_memcpy(a->raddr, &h.daddr, sizeof(h.daddr));
	a->family = GO_CONN_AF_INET;
}

/* The f_op of socket files, learned from the first file whose inode says it
 * is a socket: every socket file gets &socket_file_ops (sock_alloc_file()),
 * so afterwards an equal f_op proves a socket without reading the inode.
 * Racy writes are harmless: every writer stores the same value.
 * https://github.com/torvalds/linux/blob/v6.8/net/socket.c (sock_alloc_file)
 */
static __u64 go_sock_fops;

/* The struct sock behind the current task's fd, or NULL when it is not a
 * socket; with ino, also the socket's inode number, which names one
 * connection for good: sockfs gives every new socket the next number, while
 * the fd and even the struct sock's address are reused as soon as it closes.
 * In one helper call: this runs on most probe hits (FD.Read, FD.Write,
 * TLS Read and Write, every plugin's conn). task->files->fdt and the
 * fdtable's fields are loaded directly (the task is a BTF pointer, so the
 * verifier turns these into fault-safe loads), and so are the file, inode
 * and socket fields (GO_KCAST); only the fd array slot, a pointer in an
 * array of pointers that has no BTF struct to cast to, is a helper read. The
 * inode's mode is checked only when f_op is not the known socket one.
 */
static __always_inline struct sock *go_fd_sock_ino(int fd, __u64 *ino)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files = task->files;
	struct fdtable *fdt = files ? files->fdt : NULL;
	struct file **fds, *f = NULL;
	const struct file *kf;
	__u64 fops, priv, inode, known;
	umode_t mode;

	if (fd < 0 || !fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	if (!fds || bpf_core_read(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	kf = GO_KCAST(struct file, f);
	fops = (__u64)kf->f_op;
	priv = (__u64)kf->private_data;
	inode = (__u64)kf->f_inode;
	known = go_sock_fops;
	if (!known || fops != known) {
		/* private_data is a struct socket only for socket files. */
		mode = GO_KCAST(struct inode, inode)->i_mode;
		if ((mode & GO_CONN_S_IFMT) != GO_CONN_S_IFSOCK)
			return NULL;
		go_sock_fops = fops;
	}
	if (!priv)
		return NULL;
	if (ino)
		*ino = GO_KCAST(struct inode, inode)->i_ino;
	return GO_KCAST(struct socket, priv)->sk;
}

/* Whether sk is still the socket with inode number ino: that it was not
 * closed and its memory handed to another socket since ino was read. A
 * socket's inode is allocated with it (struct socket_alloc), so the number is
 * read through sk->sk_socket without the fd table.
 */
static __always_inline bool go_sock_is(struct sock *sk, __u64 ino)
{
	struct socket *sock;

	if (!sk || !ino)
		return false;
	sock = GO_KCAST(struct sock, sk)->sk_socket;
	if (!sock)
		return false;
	return GO_KCAST(struct inode, (__u64)sock + bpf_core_field_offset(struct socket_alloc, vfs_inode) -
					      bpf_core_field_offset(struct socket_alloc, socket))->i_ino == ino;
}

/* A Go connection, as far as it can be known from its net.Conn. */
struct go_conn_view {
	__u64 tls_conn;  /* the *tls.Conn, 0 when the conn is not TLS */
	struct sock *sk; /* NULL when the fd is unknown */
	__u64 ino;       /* the socket's inode number (go_fd_sock_ino), 0 with no socket */
	__s32 fd;
	__u8 tls;        /* 0 no, 1 yes, 2 unknown */
	__u8 fd_why;     /* enum go_conn_fd_why */
	__u8 wrapped;    /* the net.Conn was a wrapper (wrap_itab), unwrapped once */
};

/* Resolves the net.Conn at base + off: unwrapped once when its itab is
 * wrap_itab (a library's wrapper embedding a net.Conn at wrap_off: x/net's
 * h2c.bufConn, grpc's credentials syscallConn), TLS when its itab is
 * tls_itab, then the *net.TCPConn's fd and socket. A wrapped conn that is not
 * TLS has tls unknown when wrapped_tls_unknown (grpc wraps only conns its
 * credentials made, whatever they are), plain otherwise.
 */
static __always_inline void go_conn_resolve(__u64 base, __u32 off, __u64 wrap_itab, __u32 wrap_off, __u64 tls_itab,
					    const struct go_conn_offsets *co, bool wrapped_tls_unknown, struct go_conn_view *c)
{
	struct go_conn_offsets o = *co;
	__u64 iface[2] = {};
	__u64 outer = base;

	c->tls = 2;
	c->fd = -1;
	if (bpf_probe_read_user(iface, sizeof(iface), (void *)(base + off)))
		return;
	if (wrap_itab && iface[0] == wrap_itab) {
		c->wrapped = 1;
		outer = iface[1];
		off = wrap_off;
		if (!outer || bpf_probe_read_user(iface, sizeof(iface), (void *)(outer + off)))
			return;
	}
	if (tls_itab && iface[0] == tls_itab) {
		c->tls = 1;
		outer = iface[1]; /* *tls.Conn; o.iface_off is tls.Conn.conn */
		c->tls_conn = outer;
	} else {
		if (tls_itab && !(c->wrapped && wrapped_tls_unknown))
			c->tls = 0;
		o.iface_off = off;
	}
	c->fd = go_conn_fd(outer, &o, &c->fd_why);
	c->sk = go_fd_sock_ino(c->fd, &c->ino);
}

/* write_seq: the sequence number the next byte written will get.
 * copied_seq: the first byte not yet copied to user space by recvmsg.
 * https://github.com/torvalds/linux/blob/v6.8/include/linux/tcp.h
 */
static __always_inline __u32 go_tcp_write_seq(struct sock *sk)
{
	return GO_KLOAD(GO_KCAST(struct tcp_sock, sk)->write_seq);
}

static __always_inline __u32 go_tcp_copied_seq(struct sock *sk)
{
	return GO_KLOAD(GO_KCAST(struct tcp_sock, sk)->copied_seq);
}

/* Decrypt-side sequence numbers. A TLS Read returns plaintext of records the
 * kernel read earlier, in internal/poll.(*FD).Read; that read saved
 * (pid, fd, copied_seq after it) -> copied_seq before it here. At the TLS
 * Read's return, the socket's copied_seq finds the read that brought the
 * bytes in, and so the wire seq where they started.
 */
struct go_read_seq_key {
	__u32 pid;
	__s32 fd;
	__u32 seq_after;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_read_seq_key);
	__type(value, __u32);
} go_read_seqs SEC(".maps");

#endif /* __GOTRACE_GO_CONN_H */
