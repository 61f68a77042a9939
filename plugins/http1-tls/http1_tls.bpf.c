// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* HTTPS plaintext from Go's crypto/tls: what (*Conn).Write is about to
 * encrypt (at entry) and what (*Conn).Read decrypted (at every RET), with the
 * connection's fd, addresses and TCP sequence numbers. internal/poll.(*FD).Read
 * is probed too, to learn the wire seq of the bytes a TLS Read decrypts.
 * With the tcp flag, internal/poll.(*FD).Write and Read also capture plain
 * HTTP on TCP sockets that do not carry TLS (same events, tls = 0).
 * Probes are attached once per binary for every pid; user space writes a
 * process's config into its binary's slot (h1_slots, by the probes' cookie)
 * or into h1_procs, and nothing happens for pids with neither.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "gotrace_common.h"
#include "go_abi.h"
#include "go_goroutine.h"
#include "go_call.h"
#include "go_conn.h"
#include "go_string.h"
#include "go_cfg_slot.h"
#include "go_ring_wake.h"
#include "http1_tls.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum { FN_TLS_READ = 2 };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct h1_proc_cfg);
} h1_procs SEC(".maps");

/* h1_slots and h1_cfg_of(): a process's config by its binary's slot, or from h1_procs. */
GO_CFG_SLOT_DEFINE(h1, struct h1_proc_cfg, h1_procs)

/* Reads in flight. LRU: a call that never reaches a RET must not leak.
 * Per-CPU LRU lists, as in h1_socks: no global lock per update.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 65536);
	__type(key, struct go_call_key);
	__type(value, struct h1_call);
} h1_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 16384);
	__type(key, struct h1_rx_key);
	__type(value, struct h1_rx);
} h1_rx SEC(".maps");

#include "http1_tls_socks.h"
#include "http1_tls_emit.h"

/* func (c *Conn) Write(b []byte) (int, error): b is plaintext before encryption. */
SEC("uprobe")
int uprobe_crypto_tls_conn_write(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), len = 0;
	__u32 pid = pid_tgid >> 32;
	struct h1_proc_cfg *cfg = h1_cfg_of(ctx, pid);
	struct emit_args a = {};
	__u64 g;

	if (!cfg)
		return 0;
	if (go_read_arg(ctx, &cfg->write_conn, &a.conn) || go_read_arg(ctx, &cfg->write_buf, &a.buf) ||
	    go_read_arg(ctx, &cfg->write_len, &len) || len == 0)
		return 0;
	g = go_current_g(ctx, cfg->regabi);
	a.g = g;
	a.pid = pid;
	a.call_len = go_len_u32(len);
	a.dir = H1_WRITE;
	a.tls = 1;
	emit_tls(cfg, &a);
	return 0;
}

/* func (c *Conn) Read(b []byte) (int, error): remember c and b until a RET. */
SEC("uprobe")
int uprobe_crypto_tls_conn_read(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = h1_cfg_of(ctx, pid);
	struct go_call_key key = {};
	struct h1_call call = {};

	if (!cfg || go_call_key(ctx, cfg->regabi, cfg->goid_offset, pid, FN_TLS_READ, &key))
		return 0;
	if (go_read_arg(ctx, &cfg->read_conn, &call.conn) || go_read_arg(ctx, &cfg->read_buf, &call.buf))
		return 0;
	bpf_map_update_elem(&h1_calls, &key, &call, BPF_ANY);
	return 0;
}

/* A receiver and b.ptr from their spill slots at a RET: one read when they
 * are adjacent words (b follows the receiver in the spill area, as the ABI
 * orders them). SP at a RET is SP at entry, so the slots are where they were.
 */
static __always_inline int read_args_at_ret(struct pt_regs *ctx, const volatile location_t *recv, const volatile location_t *buf,
					    __u64 *recv_out, __u64 *buf_out)
{
	__s32 off = recv->offset;
	__u64 w[2];

	if (recv->kind != GO_LOC_STACK || buf->kind != GO_LOC_STACK || buf->offset != off + 8)
		return go_read_arg(ctx, recv, recv_out) || go_read_arg(ctx, buf, buf_out);
	if (bpf_probe_read_user(w, sizeof(w), (void *)(*(volatile __u64 *)&ctx->sp + (__s64)off)))
		return -1;
	*recv_out = w[0];
	*buf_out = w[1];
	return 0;
}

/* At a RET: c and b.ptr from the entry probe's h1_calls entry or, where
 * DWARF proved them in their spill slots at every RET (read_args_at_ret),
 * from there: SP at a RET is SP at entry, so the slots are where they were.
 */
SEC("uprobe")
int uprobe_crypto_tls_conn_read_ret(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = h1_cfg_of(ctx, pid);
	struct go_call_key key = {};
	struct emit_args a = {};
	struct h1_call *call;
	__u64 n = 0;

	if (!cfg)
		return 0;
	if (cfg->read_args_at_ret) {
		/* n is an int: an error return has n == 0, never negative. Checked
		 * first: the aborted background reads of net/http end here cheaply.
		 */
		if (go_read_arg(ctx, &cfg->read_n, &n) || (__s64)n <= 0)
			return 0;
		if (read_args_at_ret(ctx, &cfg->read_conn_ret, &cfg->read_buf_ret, &a.conn, &a.buf))
			return 0;
		a.g = go_current_g(ctx, cfg->regabi);
	} else {
		if (go_call_key(ctx, cfg->regabi, cfg->goid_offset, pid, FN_TLS_READ, &key))
			return 0;
		call = bpf_map_lookup_elem(&h1_calls, &key);
		if (!call)
			return 0; /* entered before we attached */
		a.conn = call->conn;
		a.buf = call->buf;
		bpf_map_delete_elem(&h1_calls, &key);
		if (go_read_arg(ctx, &cfg->read_n, &n) || (__s64)n <= 0)
			return 0;
		a.goid = key.goid;
		a.g = go_current_g(ctx, cfg->regabi);
	}
	a.pid = pid;
	a.call_len = go_len_u32(n);
	a.dir = H1_READ;
	a.tls = 1;
	emit_tls(cfg, &a);
	return 0;
}

/* func (hc *halfConn) decrypt(record []byte) ([]byte, recordType, error):
 * record points into rawInput, filled by this goroutine's last socket read.
 */
SEC("uprobe")
int uprobe_crypto_tls_halfconn_decrypt(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h1_proc_cfg *cfg = h1_cfg_of(ctx, pid);
	struct h1_rx_key xk = { .pid = pid };
	struct h1_rx *rx;
	__u64 rec = 0, hc = 0;

	if (!cfg || !cfg->has_decrypt || go_read_arg(ctx, &cfg->decrypt_rec, &rec))
		return 0;
	xk.g = go_current_g(ctx, cfg->regabi);
	if (!xk.g)
		return 0;
	rx = bpf_map_lookup_elem(&h1_rx, &xk);
	/* The record must lie in the bytes before the end of that read; rawInput
	 * holds at most a few records, so anything far below it is another buffer.
	 */
	if (!rx || rec >= rx->p_end || rx->p_end - rec > (1 << 20))
		return 0;
	rx->record_seq = rx->seq_before + (__u32)(rec - rx->p);
	rx->record_ok = 1;
	rx->tls_fd = 1;
	/* hc is &c.in of the Conn being read: name it for conn_info's shortcut. */
	if (cfg->has_conn_in && !go_read_arg(ctx, &cfg->decrypt_hc, &hc) && hc)
		rx->tls_conn = hc - cfg->conn_in;
	return 0;
}

#include "http1_tls_fd.h"
