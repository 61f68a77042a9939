/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between http1_tls.bpf.c and user space (plugins/http1-tls/layout.ts
 * mirrors these layouts byte for byte). Needs go_abi.h and go_conn.h first.
 */
#ifndef __HTTP1_TLS_H
#define __HTTP1_TLS_H

#define H1_CHUNK 4096     /* plaintext bytes per ring record */
#define H1_MAX_CHUNKS 4   /* records per call: bigger calls are cut, callLen says by how much */

enum h1_direction {
	H1_WRITE = 0,
	H1_READ = 1,
	H1_CLOSE = 2, /* the socket is closing: no data (internal/poll.(*FD).Close) */
};

/* Per pid: where everything is in this process's binary. */
struct h1_proc_cfg {
	struct go_conn_offsets conn; /* iface_off = tls.Conn.conn */
	__u32 goid_offset;
	__u8 regabi;
	__u8 has_fd_read; /* internal/poll.(*FD).Read is probed: read seqs can be known */
	__u8 has_decrypt; /* crypto/tls.(*halfConn).decrypt is probed: read seqs are per TLS record */
	__u8 tcp;         /* internal/poll.(*FD).Write and Read carry plain HTTP: capture sockets not carrying TLS */
	location_t write_conn; /* crypto/tls.(*Conn).Write: c, b.ptr, b.len at entry */
	location_t write_buf;
	location_t write_len;
	location_t read_conn; /* crypto/tls.(*Conn).Read: c, b.ptr at entry, n at RET */
	location_t read_buf;
	location_t read_n;
	location_t fd_read_fd; /* internal/poll.(*FD).Read: fd at entry, n at RET */
	location_t fd_read_n;
	location_t fd_read_buf; /* ... and p.ptr at entry */
	location_t decrypt_rec; /* crypto/tls.(*halfConn).decrypt: record.ptr at entry */
	location_t fd_write_fd; /* internal/poll.(*FD).Write: fd, p.ptr, p.len at entry */
	location_t fd_write_buf;
	location_t fd_write_len;
	location_t read_conn_ret; /* crypto/tls.(*Conn).Read: c and b.ptr at every RET (DWARF-proven spill slots) */
	location_t read_buf_ret;
	__u8 read_args_at_ret;    /* 1: Read has no entry probe; its RET reads c and b.ptr itself */
	__u8 fd_read_at_ret;      /* 1: FD.Read has no entry probe; its RET reads fd and p.ptr itself */
	__u8 _pad[2];
	__u32 fdmu_state;         /* FD.fdmu.state, whose bit 0 (mutexClosed) Close sets first */
	location_t fd_read_fd_ret; /* internal/poll.(*FD).Read: fd and p.ptr at every RET (DWARF-proven spill slots) */
	location_t fd_read_buf_ret;
	__u32 conn_in;   /* crypto/tls.Conn.in: decrypt's receiver is the Conn + conn_in */
	__u8 has_conn_in;
	__u8 _pad2[3];
	location_t decrypt_hc; /* crypto/tls.(*halfConn).decrypt: the receiver at entry */
	location_t fd_close_fd; /* internal/poll.(*FD).Close: the receiver at entry */
	__u8 has_fd_close;
	__u8 _pad3[7];
};

/* An internal/poll.(*FD).Read in flight, by the goroutine running it. The
 * runtime.g pointer names the goroutine for as long as it runs (R14 under
 * the register ABI: no memory read, unlike goid) and FD.Read never re-enters
 * itself on one goroutine, so no stack depth is needed either.
 */
struct h1_fd_call_key {
	__u32 pid;
	__u32 _pad;
	__u64 g;
};

struct h1_call {
	__u64 conn; /* *tls.Conn (TLS Read), or *poll.FD (FD.Read) */
	__u64 buf;  /* b.ptr (TLS Read), or the fd (FD.Read) */
	__u64 p;    /* FD.Read: where the bytes go (inside tls.Conn.rawInput for TLS) */
	__u64 sk;   /* FD.Read: the fd's struct sock at entry (the read holds the fd open) */
	__u64 ino;  /* FD.Read: that socket's inode number */
	__u32 seq_before;
	__u8 seq_ok; /* h1_fd_calls: 1 from the entry until its RET consumed it */
	__u8 _pad[3];
};

/* The last socket read of a goroutine, and the seq of the TLS record it
 * decrypted last. Go reads raw TLS bytes into the contiguous buffer
 * tls.Conn.rawInput, so a record starting at address R has the wire seq
 * seq_before + (R - p) for the read that filled [p, p_end): exact even when
 * one read(2) brought a handshake record and the first request together.
 */
struct h1_rx_key {
	__u32 pid;
	__u32 _pad;
	__u64 g; /* the runtime.g: free in a register, where goid is a memory read */
};

/* The TLS connection a goroutine last wrote to, with its socket: the next
 * Write there, and the FD.Write inside it, need not walk to the socket.
 */
struct h1_wside {
	__u64 conn; /* *tls.Conn */
	__u64 pfd;  /* its *poll.FD */
	__u64 sk;
	__u64 ino;
	__s32 fd;
	__u32 _pad;
};

struct h1_rx {
	__u64 p;
	__u64 p_end;
	__u64 sk;       /* the read's socket, and its inode number */
	__u64 ino;
	__u64 tls_conn; /* the *tls.Conn decrypt last ran for (0: none yet) */
	__u64 pfd;      /* the *poll.FD read from */
	__u32 seq_before;
	__s32 fd;
	__u32 record_seq;
	__u8 record_ok;
	__u8 tls_fd;    /* decrypt ran on bytes read from pfd: it carries TLS (kept while pfd and ino stay) */
	__u8 _pad[2];
	struct h1_wside w; /* kept across reads */
};

/* What a socket carries, decided once per (pid, fd, struct sock). */
enum h1_sock_kind {
	H1_SOCK_PLAIN = 1,
	H1_SOCK_TLS = 2,
	/* HTTP/2 (plain or TLS): its client connection preface went by, so none
	 * of its bytes are emitted any more. They were never HTTP/1 (the decoder
	 * ignores such connections), and an HTTP/2 server or client does a TLS
	 * Read and Write per frame batch: copying them out cost ring space,
	 * BPF time and gotrace's CPU for nothing.
	 */
	H1_SOCK_H2 = 3,
};

/* The socket's inode number, not its fd or struct sock address: both are
 * reused by the next connection as soon as one closes, and a new connection
 * must not inherit the old one's kind (say H1_SOCK_H2, and lose its HTTP/1).
 */
struct h1_sock_key {
	__u32 pid;
	__s32 fd;
	__u64 ino;
};

struct h1_event {
	__u64 ts;
	__s64 goid;
	__u64 conn;     /* the socket's inode number (else the *tls.Conn, or the struct sock): tells apart conns that reuse an fd */
	__u32 pid;
	__s32 fd;       /* -1: unknown, fd_why says why */
	__u32 call_len; /* bytes of the whole Read/Write call */
	__u32 offset;   /* of this chunk within the call */
	__u32 data_len; /* bytes of data[] that are valid */
	__u32 tcp_seq;
	__u8 direction; /* enum h1_direction */
	__u8 seq_ok;
	__u8 fd_why;    /* enum go_conn_fd_why */
	__u8 tls;       /* 1: TLS plaintext; 0: plain TCP bytes from internal/poll.(*FD) */
	__u8 _pad[4];
	struct go_conn_addrs addrs;
	__u8 data[H1_CHUNK];
};

#endif /* __HTTP1_TLS_H */
