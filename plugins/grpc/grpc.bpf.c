// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* gRPC calls of grpc-go, both sides, from the structs grpc already decoded:
 * request header fields a server receives at (*http2Server).operateHeaders,
 * response headers and trailers a client receives at
 * (*http2Client).operateHeaders, every header block a side sends at
 * (*loopyWriter).writeHeader, DATA bytes and messages received at
 * handleData, messages sent at Write, and streams that end without trailers
 * at (*http2Server).handleRSTStream and (*http2Client).closeStream. A header
 * block is one record with all its fields; user space assembles calls keyed
 * by (pid, net.Conn data word, stream id); a server's DATA_IN, MSG_OUT and
 * CLOSE name their *http2Server instead, which its REQ_HDRS ties to the conn.
 * https://github.com/grpc/grpc-go/blob/v1.33.3/internal/transport/http2_server.go
 * https://github.com/grpc/grpc-go/blob/v1.33.3/internal/transport/http2_client.go
 * https://github.com/grpc/grpc-go/blob/v1.33.3/internal/transport/controlbuf.go
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
#include "go_tls_seq.h"
#include "go_string.h"
#include "go_hdr_block.h"
#include "go_conn_cache.h"
#include "go_h2_frame.h"
#include "go_cfg_slot.h"
#include "go_ring_wake.h"
#include "grpc.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Keeps struct gr_event in the object's BTF, so hooker.test.ts can check
 * user space's idea of its size against the compiler's.
 */
const struct gr_event *unused_gr_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} gr_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct gr_cfg);
} gr_procs SEC(".maps");

/* gr_slots and gr_cfg_of(): a process's config by its binary's slot, or from gr_procs. */
GO_CFG_SLOT_DEFINE(gr, struct gr_cfg, gr_procs)

/* Message walk state per stream; LRU so streams whose end we miss age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct gr_msg_key);
	__type(value, struct gr_msg_state);
} gr_msgs SEC(".maps");

/* How many walks gr_msgs holds, or more (one the LRU evicted stays
 * counted): while none, no stream has a message cut by a frame's end to
 * carry over, and handleData need not look (a map lookup is ~60 ns in a
 * busy server, and unary calls never leave a walk behind).
 */
__s64 gr_msgs_live = 0;

#include "grpc_emit.h"
#include "grpc_hdr.h"

/* go_conn_cache tags: which transport object a conn entry is for */
#define GR_TAG_SERVER 1 /* *http2Server */
#define GR_TAG_CLIENT 2 /* *http2Client */
#define GR_TAG_LOOPY 3  /* *loopyWriter */

/* operateHeaders of either side: the header block the transport t just read
 * (frame f). A server's is a request: the record says which conn in full
 * and carries the reader goroutine's goid. A client's is a response's
 * headers or trailers, on its reader goroutine, whose goid no record shows
 * (a client's shows its caller's).
 */
static __always_inline int operate_headers(struct pt_regs *ctx, bool server)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = gr_cfg_of(ctx, pid);
	__u64 t = 0, f = 0, fields[2] = {};
	struct go_conn_cached v = {};
	struct gr_scratch *s = NULL;
	struct gr_hdr_event *e;
	__u32 stream = 0, length = 0;
	__u8 flags = 0;
	struct go_hdr_window *win;
	__u64 *hfs;
	__s64 goid = -1;

	if (!cfg || go_read_arg(ctx, server ? &cfg->oh_t : &cfg->coh_t, &t) || go_read_arg(ctx, server ? &cfg->oh_frame : &cfg->coh_frame, &f) ||
	    !t || !f)
		return 0;
	if (meta_headers(cfg, f, &stream, &length, &flags, fields))
		return 0;
	if (server) {
		transport_conn(cfg, ctx, pid, GR_TAG_SERVER, t, cfg->srv_conn, cfg->srv_framer, &v);
		goid = (__s64)v.aux3;
	} else {
		transport_conn(cfg, NULL, pid, GR_TAG_CLIENT, t, cfg->cli_conn, cfg->cli_framer, &v);
	}
	e = hdr_event(&s, &hfs, &win, server ? GR_REQ_HDRS : GR_IN_HDRS, server, pid, goid, v.key, stream, true);
	if (!e)
		return 0;
	if (server) {
		conn_fields(&v, true, e);
		e->transport = t; /* the key of the server's DATA_IN, MSG_OUT and CLOSE records */
	}
	read_seq(cfg, &v, length, e);
	go_hdr_block_from_fields(&e->b, &cfg->rodata, hfs, fields[0], fields[1], win);
	emit_hdr(s, e);
	return 0;
}

/* func (t *http2Server) operateHeaders(frame *http2.MetaHeadersFrame, handle func(*Stream), traceCtx func(context.Context, string) context.Context) (fatal bool) */
SEC("uprobe")
int uprobe_transport_http2server_operateheaders(struct pt_regs *ctx)
{
	return operate_headers(ctx, true);
}

/* The connection a loopyWriter writes to (l.framer.writer.conn), from
 * go_conn_cache or walked and kept: aux is its *bufWriter, aux2 l.side.
 */
static __always_inline int loopy_conn(const struct gr_cfg *cfg, __u32 pid, __u64 l, struct go_conn_cached *v)
{
	__u64 fr = 0;

	if (go_conn_cache_load(pid, GR_TAG_LOOPY, l, v))
		return 0;
	if (bpf_probe_read_user(&v->aux2, sizeof(v->aux2), (void *)(l + cfg->lw_side)) ||
	    bpf_probe_read_user(&fr, sizeof(fr), (void *)(l + cfg->lw_framer)) || !fr ||
	    bpf_probe_read_user(&v->aux, sizeof(v->aux), (void *)(fr + cfg->fr_writer)))
		return -1;
	walk_conn(cfg, v->aux, cfg->bw_conn, v);
	go_conn_cache_put(pid, GR_TAG_LOOPY, l, v);
	return 0;
}

/* A TLS block past the first record of loopy's next write: the flush is the
 * bufWriter's buffer from its start, and holds the whole block when it fits
 * in the buffer's 2 * batchSize bytes (bufWriter.Write copies, then flushes
 * once offset reaches batchSize). Nothing else writes to the conn meanwhile:
 * loopy is its only writer.
 */
static __always_inline int tls_later_record(const struct gr_cfg *cfg, const struct go_conn_cached *v, __u64 buffered, __u64 len, __u32 *seq)
{
	__u64 batch = 0;

	if (!v->c.tls_conn || !cfg->bw_batch || bpf_probe_read_user(&batch, sizeof(batch), (void *)(v->aux + cfg->bw_batch)) ||
	    batch > (1 << 24) || buffered + len > 2 * batch)
		return -1;
	return go_tls13_write_seq(v->c.tls_conn, &cfg->tls_w, v->c.sk, buffered, len, seq);
}

/* func (l *loopyWriter) writeHeader(streamID uint32, endStream bool, hf []hpack.HeaderField, onWrite func()) error
 * Runs on loopy's goroutine, whose goid no record shows: none is read.
 */
SEC("uprobe")
int uprobe_transport_loopywriter_writeheader(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = gr_cfg_of(ctx, pid);
	__u64 l = 0, stream = 0, end = 0, hf = 0, hf_len = 0, bound, buffered = 0;
	struct go_conn_cached v = {};
	struct gr_scratch *s = NULL;
	struct gr_hdr_event *e;
	struct go_hdr_window *win;
	__u64 *hfs;
	__u8 side;

	if (!cfg || go_read_arg(ctx, &cfg->wh_l, &l) || go_read_arg(ctx, &cfg->wh_stream, &stream) ||
	    go_read_arg(ctx, &cfg->wh_end, &end) || go_read_arg(ctx, &cfg->wh_hf, &hf) ||
	    go_read_arg(ctx, &cfg->wh_hf_len, &hf_len) || !l || loopy_conn(cfg, pid, l, &v))
		return 0;
	side = (__u8)v.aux2;
	/* A server's response headers need no time: its call began at the
	 * request and ends at the trailers.
	 */
	e = hdr_event(&s, &hfs, &win, GR_OUT_HDRS, side, pid, -1, v.key, (__u32)stream, side == 0 || (end & 1));
	if (!e)
		return 0;
	e->end_stream = (__u8)(end & 1);
	bound = go_hdr_block_from_fields(&e->b, &cfg->rodata, hfs, hf, hf_len, win);
	if (side == 0) { /* a client's request headers open its call: say which conn */
		conn_fields(&v, true, e);
	} else if (end & 1 && !opens_response(&e->b, hfs)) {
		/* A server's trailers after its headers: user space keeps the
		 * first block's seq only.
		 */
		emit_hdr(s, e);
		return 0;
	}
	/* The block goes into the bufWriter behind `offset` bytes, none on the wire yet
	 * (loopy flushes only when its buffer fills or its queue empties).
	 */
	if (cfg->bw_offset && bound < (1 << 20) &&
	    !bpf_probe_read_user(&buffered, sizeof(buffered), (void *)(v.aux + cfg->bw_offset)) && buffered < (1 << 24)) {
		if (!go_write_frame_seq(v.c.tls_conn != 0, v.c.sk, buffered, 9 + bound, &e->tcp_seq) ||
		    !tls_later_record(cfg, &v, buffered, 9 + bound, &e->tcp_seq))
			e->seq_ok = 1;
	}
	emit_hdr(s, e);
	return 0;
}

/* A *DataFrame's stream id, flags and data slice: one read when data lies in
 * its first 32 bytes after the FrameHeader (x/net: {FrameHeader; data []byte}).
 */
static __always_inline int data_frame(const struct gr_cfg *cfg, __u64 f, __u32 *stream, __u8 *flags, __u64 data[2])
{
	__u8 h[48] = {}; /* 32 read, and room for a 16-byte load at any offset below 32 */
	__u32 length = 0;

	if (cfg->fh_stream > 12 || cfg->fh_flags > 15 || cfg->df_data > 16 || (cfg->df_data & 7)) {
		if (frame_head(cfg, f, stream, &length, flags) || bpf_probe_read_user(data, 2 * sizeof(__u64), (void *)(f + cfg->df_data)))
			return -1;
		return 0;
	}
	if (bpf_probe_read_user(h, 32, (void *)f))
		return -1;
	__builtin_memcpy(stream, h + (cfg->fh_stream & 15), sizeof(*stream));
	*flags = h[cfg->fh_flags & 15];
	__builtin_memcpy(data, h + (cfg->df_data & 31), 2 * sizeof(__u64));
	return 0;
}

/* handleData(f *http2.DataFrame) of either side: payload bytes and messages. */
static __always_inline int handle_data(struct pt_regs *ctx, __u8 side)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = gr_cfg_of(ctx, pid);
	__u64 t = 0, f = 0, data[2] = {};
	struct gr_msg_key k = {};
	__u8 flags = 0;
	struct gr_event e = {};
	__u32 msgs;

	if (!cfg)
		return 0;
	if (go_read_arg(ctx, side ? &cfg->hd_t : &cfg->chd_t, &t) || go_read_arg(ctx, side ? &cfg->hd_f : &cfg->chd_f, &f) || !t || !f)
		return 0;
	k.pid = pid;
	if (data_frame(cfg, f, &k.stream, &flags, data))
		return 0;
	/* A server's records are keyed by its transport (user space knows its conn from REQ_HDRS): a read less. */
	k.conn = side ? t : conn_key(t, cfg->cli_conn);
	msgs = walk_messages(&k, data[0], data[1], flags & 0x1 /* FlagDataEndStream */);
	/* No goid: the reader goroutine's, which no record shows. */
	event_head(&e, GR_DATA_IN, pid, -1, k.conn, k.stream, !side);
	e.side = side;
	e.n = data[1];
	e.count = msgs;
	e.end_stream = flags & 0x1;
	submit(&e);
	return 0;
}

/* func (t *http2Server) handleData(f *http2.DataFrame) */
SEC("uprobe")
int uprobe_transport_http2server_handledata(struct pt_regs *ctx)
{
	return handle_data(ctx, 1);
}

/* func (t *http2Client) handleData(f *http2.DataFrame) */
SEC("uprobe")
int uprobe_transport_http2client_handledata(struct pt_regs *ctx)
{
	return handle_data(ctx, 0);
}

/* Write(s *Stream, hdr []byte, data []byte, opts *Options) error of either side: one message */
static __always_inline int write_msg(struct pt_regs *ctx, __u8 side)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = gr_cfg_of(ctx, pid);
	__u64 t = 0, s = 0, hdr_len = 0, data_len = 0;
	__u32 stream = 0;
	struct gr_event e = {};

	if (!cfg)
		return 0;
	if (side) {
		if (go_read_arg(ctx, &cfg->w_t, &t) || go_read_arg(ctx, &cfg->w_s, &s) ||
		    go_read_arg(ctx, &cfg->w_hdr_len, &hdr_len) || go_read_arg(ctx, &cfg->w_data_len, &data_len))
			return 0;
	} else {
		if (go_read_arg(ctx, &cfg->cw_t, &t) || go_read_arg(ctx, &cfg->cw_s, &s) ||
		    go_read_arg(ctx, &cfg->cw_hdr_len, &hdr_len) || go_read_arg(ctx, &cfg->cw_data_len, &data_len))
			return 0;
	}
	if (!t || !s || bpf_probe_read_user(&stream, sizeof(stream), (void *)(s + cfg->st_id)))
		return 0;
	/* The goid only of a client's caller (its record shows it); a server's is the handler's, which none does. */
	event_head(&e, GR_MSG_OUT, pid, side ? -1 : go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset),
		   side ? t : conn_key(t, cfg->cli_conn), stream, !side);
	e.side = side;
	e.n = hdr_len + data_len;
	submit(&e);
	return 0;
}

/* func (t *http2Server) Write(s *Stream, hdr []byte, data []byte, opts *Options) error */
SEC("uprobe")
int uprobe_transport_http2server_write(struct pt_regs *ctx)
{
	return write_msg(ctx, 1);
}

/* func (t *http2Client) Write(s *Stream, hdr []byte, data []byte, opts *Options) error */
SEC("uprobe")
int uprobe_transport_http2client_write(struct pt_regs *ctx)
{
	return write_msg(ctx, 0);
}

/* func (t *http2Client) operateHeaders(frame *http2.MetaHeadersFrame): response headers, trailers */
SEC("uprobe")
int uprobe_transport_http2client_operateheaders(struct pt_regs *ctx)
{
	return operate_headers(ctx, false);
}

/* The grpc status a client's closeStream is given (st.s.Code), plus one; 0
 * when unknown. It is what the caller sees: a deadline is DEADLINE_EXCEEDED
 * (4) though the RST_STREAM sent for it says CANCEL, as a cancel's does.
 */
static __always_inline __u32 close_status(struct pt_regs *ctx, const struct gr_cfg *cfg)
{
	__u64 st = 0, spb = 0;
	__s32 code = -1;

	if (!cfg->st_known || go_read_arg(ctx, &cfg->cs_st, &st) || !st ||
	    bpf_probe_read_user(&spb, sizeof(spb), (void *)(st + cfg->st_s)) || !spb ||
	    bpf_probe_read_user(&code, sizeof(code), (void *)(spb + cfg->spb_code)))
		return 0;
	/* grpc's codes are 0..16; anything else is not a status read right */
	return code >= 0 && code <= 16 ? (__u32)code + 1 : 0;
}

/* func (t *http2Client) closeStream(s *Stream, err error, rst bool, rstCode http2.ErrCode, st *status.Status, mdata map[string][]string, eosReceived bool) */
SEC("uprobe")
int uprobe_transport_http2client_closestream(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = gr_cfg_of(ctx, pid);
	__u64 t = 0, s = 0, rst = 0, code = 0;
	struct gr_msg_key k = {};

	if (!cfg || go_read_arg(ctx, &cfg->cs_t, &t) || go_read_arg(ctx, &cfg->cs_s, &s) ||
	    go_read_arg(ctx, &cfg->cs_rst, &rst) || go_read_arg(ctx, &cfg->cs_code, &code) || !t || !s)
		return 0;
	k.pid = pid;
	k.conn = conn_key(t, cfg->cli_conn);
	if (bpf_probe_read_user(&k.stream, sizeof(k.stream), (void *)(s + cfg->st_id)))
		return 0;
	emit_close(ctx, cfg, &k, 0, (__u8)(rst & 1), (__u32)code, close_status(ctx, cfg));
	return 0;
}

/* func (t *http2Server) handleRSTStream(f *http2.RSTStreamFrame): the client reset a stream */
SEC("uprobe")
int uprobe_transport_http2server_handlerststream(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = gr_cfg_of(ctx, pid);
	__u64 t = 0, f = 0;
	__u32 code = 0;
	struct gr_msg_key k = {};

	if (!cfg || go_read_arg(ctx, &cfg->rs_t, &t) || go_read_arg(ctx, &cfg->rs_f, &f) || !t || !f)
		return 0;
	k.pid = pid;
	k.conn = t; /* as handle_data's */
	if (bpf_probe_read_user(&k.stream, sizeof(k.stream), (void *)(f + cfg->fh_stream)) ||
	    bpf_probe_read_user(&code, sizeof(code), (void *)(f + cfg->rst_code)))
		return 0;
	emit_close(ctx, cfg, &k, 1, 1, code, 0);
	return 0;
}
