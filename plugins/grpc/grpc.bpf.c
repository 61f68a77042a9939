// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* gRPC calls of grpc-go, both sides, from the structs grpc already decoded:
 * request header fields a server receives at (*http2Server).operateHeaders,
 * response headers and trailers a client receives at
 * (*http2Client).operateHeaders, every header block a side sends at
 * (*loopyWriter).writeHeader, DATA bytes and messages received at
 * handleData, messages sent at Write, and streams that end without trailers
 * at (*http2Server).handleRSTStream and (*http2Client).closeStream. Events
 * are per field; user space assembles calls keyed by (pid, net.Conn data
 * word, stream id).
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
#include "grpc.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

/* Message walk state per stream; LRU so streams whose end we miss age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct gr_msg_key);
	__type(value, struct gr_msg_state);
} gr_msgs SEC(".maps");

static __always_inline struct gr_event *reserve(__u8 kind, __u32 pid, __s64 goid, __u64 conn, __u32 stream)
{
	struct gr_event *e = gotrace_ringbuf_reserve(&gr_events, sizeof(*e));

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->kind = kind;
	e->pid = pid;
	e->goid = goid;
	e->conn = conn;
	e->stream_id = stream;
	e->fd = -1;
	return e;
}

/* One event per hpack.HeaderField{Name, Value string; Sensitive bool} (40
 * bytes, Name at 0, Value at 16; the hooker checks this against DWARF).
 */
/* Returns a bound on the block's HPACK size (each field at most 1 + 5 + name + 5 + value bytes; Huffman and indexing only shrink it), or ~0 when a field could not be read. */
static __always_inline __u64 emit_fields(__u8 kind, __u32 pid, __s64 goid, __u64 conn, __u32 stream, __u8 side, __u64 fields, __u32 count)
{
	__u64 bound = 0;

	if (count > GR_MAX_FIELDS)
		bound = ~0ULL; /* fields past the ones read: no bound */
	for (__u32 i = 0; i < GR_MAX_FIELDS; i++) {
		__u64 w[4] = {};
		struct gr_event *e;

		if (i >= count)
			break;
		if (bpf_probe_read_user(w, sizeof(w), (void *)(fields + (__u64)i * 40)))
			return ~0ULL;
		bound += 11 + w[1] + w[3];
		e = reserve(kind, pid, goid, conn, stream);
		if (!e)
			return ~0ULL;
		e->index = i;
		e->count = count;
		e->side = side;
		e->name_len = go_len_u32(w[1]);
		e->value_len = go_len_u32(w[3]);
		GO_READ_STR(e->name, GR_NAME, w[0], w[1]);
		GO_READ_STR(e->value, GR_VALUE, w[2], w[3]);
		bpf_ringbuf_submit(e, 0);
	}
	return bound;
}

/* The net.Conn at t + off (http2Server.conn, bufWriter.conn), through grpc's
 * credentials wrapper (syscallConn embeds the net.Conn the handshake returned).
 */
static __always_inline void conn_resolve(const struct gr_cfg *cfg, __u64 t, __u32 off, struct go_conn_view *c)
{
	go_conn_resolve(t, off, cfg->wrap_itab, cfg->wrap_conn, cfg->tls_itab, &cfg->conn, true, c);
}

static __always_inline void conn_info(const struct gr_cfg *cfg, __u64 t, __u32 off, struct gr_event *e, struct go_conn_view *c)
{
	conn_resolve(cfg, t, off, c);
	e->tls = c->tls;
	e->fd = c->fd;
	e->fd_why = c->fd_why;
	e->wrapped = c->wrapped;
	if (c->sk)
		go_sock_addrs(c->sk, &e->addrs);
}

/* The wire seq of the HEADERS frame hf just read by the transport t (its
 * framer at t + framer_off reads through a *bufio.Reader, or the conn itself),
 * on the reader goroutine that called operateHeaders: nothing reads meanwhile.
 */
static __always_inline void read_seq(const struct gr_cfg *cfg, const struct go_conn_view *c, __u64 t, __u32 framer_off, __u64 hf, struct gr_event *e)
{
	__u64 fr = 0, h2 = 0, rd[2] = {}, br = 0;
	__u32 length = 0, seq = 0;

	if (!cfg->fh_length || !framer_off || !cfg->fr_fr ||
	    bpf_probe_read_user(&fr, sizeof(fr), (void *)(t + framer_off)) || !fr ||
	    bpf_probe_read_user(&h2, sizeof(h2), (void *)(fr + cfg->fr_fr)) || !h2 ||
	    bpf_probe_read_user(rd, sizeof(rd), (void *)(h2 + cfg->h2fr_r)) ||
	    bpf_probe_read_user(&length, sizeof(length), (void *)(hf + cfg->fh_length)))
		return;
	if (cfg->bufr_itab && rd[0] == cfg->bufr_itab)
		br = rd[1];
	else if (rd[1] != c->tls_conn || !c->tls_conn)
		return; /* neither a bufio.Reader nor the *tls.Conn itself: unknown */
	if (go_read_frame_seq(c->tls_conn, c->sk, br, cfg->br_r, cfg->br_w, &cfg->tls_seq, 9 + (__u64)length, &seq))
		return;
	e->tcp_seq = seq;
	e->seq_ok = 1;
}

/* The data word of the net.Conn at p + off: the connection's key. */
static __always_inline __u64 conn_key(__u64 p, __u32 off)
{
	__u64 iface[2] = {};

	if (!p || bpf_probe_read_user(iface, sizeof(iface), (void *)(p + off)))
		return 0;
	return iface[1];
}

/* func (t *http2Server) operateHeaders(frame *http2.MetaHeadersFrame, handle func(*Stream), traceCtx func(context.Context, string) context.Context) (fatal bool) */
SEC("uprobe")
int uprobe_transport_http2server_operateheaders(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = bpf_map_lookup_elem(&gr_procs, &pid);
	__u64 t = 0, f = 0, hf = 0, conn, fields[2] = {};
	struct go_conn_view c = {};
	__u32 stream = 0, count;
	struct gr_event *e;
	__s64 goid;

	if (!cfg || go_read_arg(ctx, &cfg->oh_t, &t) || go_read_arg(ctx, &cfg->oh_frame, &f) || !t || !f)
		return 0;
	if (bpf_probe_read_user(&hf, sizeof(hf), (void *)(f + cfg->mhf_headers)) || !hf ||
	    bpf_probe_read_user(&stream, sizeof(stream), (void *)(hf + cfg->fh_stream)) ||
	    bpf_probe_read_user(fields, sizeof(fields), (void *)(f + cfg->mhf_fields)))
		return 0;
	conn = conn_key(t, cfg->srv_conn);
	goid = go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset);
	count = fields[1] > 0xffff ? 0xffff : (__u32)fields[1];
	e = reserve(GR_REQ_BEGIN, pid, goid, conn, stream);
	if (!e)
		return 0;
	e->count = count;
	e->side = 1;
	conn_info(cfg, t, cfg->srv_conn, e, &c);
	read_seq(cfg, &c, t, cfg->srv_framer, hf, e);
	bpf_ringbuf_submit(e, 0);
	emit_fields(GR_REQ_FIELD, pid, goid, conn, stream, 1, fields[0], count);
	return 0;
}

/* func (l *loopyWriter) writeHeader(streamID uint32, endStream bool, hf []hpack.HeaderField, onWrite func()) error */
SEC("uprobe")
int uprobe_transport_loopywriter_writeheader(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = bpf_map_lookup_elem(&gr_procs, &pid);
	__u64 l = 0, stream = 0, end = 0, hf = 0, hf_len = 0, side = 0, fr = 0, bw = 0, conn, bound, buffered = 0;
	struct go_conn_view c = {};
	__u32 count;
	struct gr_event *e;
	__s64 goid;

	if (!cfg || go_read_arg(ctx, &cfg->wh_l, &l) || go_read_arg(ctx, &cfg->wh_stream, &stream) ||
	    go_read_arg(ctx, &cfg->wh_end, &end) || go_read_arg(ctx, &cfg->wh_hf, &hf) ||
	    go_read_arg(ctx, &cfg->wh_hf_len, &hf_len) || !l)
		return 0;
	if (bpf_probe_read_user(&side, sizeof(side), (void *)(l + cfg->lw_side)) ||
	    bpf_probe_read_user(&fr, sizeof(fr), (void *)(l + cfg->lw_framer)) || !fr ||
	    bpf_probe_read_user(&bw, sizeof(bw), (void *)(fr + cfg->fr_writer)))
		return 0;
	conn = conn_key(bw, cfg->bw_conn);
	goid = go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset);
	count = hf_len > 0xffff ? 0xffff : (__u32)hf_len;
	bound = emit_fields(GR_OUT_FIELD, pid, goid, conn, (__u32)stream, (__u8)side, hf, count);
	e = reserve(GR_OUT_END, pid, goid, conn, (__u32)stream);
	if (!e)
		return 0;
	e->count = count;
	e->side = (__u8)side;
	e->end_stream = (__u8)(end & 1);
	if (side == 0) /* a client's request headers open its call: say which conn */
		conn_info(cfg, bw, cfg->bw_conn, e, &c);
	else
		conn_resolve(cfg, bw, cfg->bw_conn, &c);
	/* The block goes into the bufWriter behind `offset` bytes, none on the wire yet
	 * (loopy flushes only when its buffer fills or its queue empties).
	 */
	if (cfg->bw_offset && bound != ~0ULL && bound < (1 << 20) &&
	    !bpf_probe_read_user(&buffered, sizeof(buffered), (void *)(bw + cfg->bw_offset)) && buffered < (1 << 24) &&
	    !go_write_frame_seq(c.tls_conn != 0, c.sk, buffered, 9 + bound, &e->tcp_seq))
		e->seq_ok = 1;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Walks the gRPC length prefixes in one DATA frame's payload, carrying a
 * prefix or message cut by the frame's end over to the next frame; returns
 * how many prefixes completed. Bounded: 16 messages per frame are counted.
 */
static __always_inline __u32 walk_messages(struct gr_msg_key *k, __u64 data, __u64 len, __u8 end_stream)
{
	struct gr_msg_state zero = {}, st, *old = bpf_map_lookup_elem(&gr_msgs, k);
	__u64 pos = 0;
	__u32 msgs = 0;

	st = old ? *old : zero;
	for (int i = 0; i < 16; i++) {
		__u8 b[5] = {};

		if (pos >= len)
			break;
		if (st.rem) {
			__u64 take = len - pos < st.rem ? len - pos : st.rem;

			pos += take;
			st.rem -= (__u32)take;
			continue;
		}
		if (bpf_probe_read_user(b, sizeof(b), (void *)(data + pos)))
			break;
		for (int j = 0; j < 5; j++) {
			if (st.have >= 5 || pos >= len)
				break;
			if (st.have) /* byte 0 is the compressed flag */
				st.plen = (st.plen << 8) | b[j];
			st.have++;
			pos++;
		}
		if (st.have >= 5) {
			msgs++;
			st.rem = st.plen;
			st.plen = 0;
			st.have = 0;
		}
	}
	if (end_stream)
		bpf_map_delete_elem(&gr_msgs, k);
	else
		bpf_map_update_elem(&gr_msgs, k, &st, BPF_ANY);
	return msgs;
}

/* handleData(f *http2.DataFrame) of either side: payload bytes and messages. */
static __always_inline int handle_data(struct pt_regs *ctx, __u8 side)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = bpf_map_lookup_elem(&gr_procs, &pid);
	__u64 t = 0, f = 0, data[2] = {};
	struct gr_msg_key k = {};
	__u8 flags = 0;
	struct gr_event *e;
	__u32 msgs;

	if (!cfg)
		return 0;
	if (go_read_arg(ctx, side ? &cfg->hd_t : &cfg->chd_t, &t) || go_read_arg(ctx, side ? &cfg->hd_f : &cfg->chd_f, &f) || !t || !f)
		return 0;
	k.pid = pid;
	if (bpf_probe_read_user(&k.stream, sizeof(k.stream), (void *)(f + cfg->fh_stream)) ||
	    bpf_probe_read_user(&flags, sizeof(flags), (void *)(f + cfg->fh_flags)) ||
	    bpf_probe_read_user(data, sizeof(data), (void *)(f + cfg->df_data)))
		return 0;
	k.conn = conn_key(t, side ? cfg->srv_conn : cfg->cli_conn);
	msgs = walk_messages(&k, data[0], data[1], flags & 0x1 /* FlagDataEndStream */);
	e = reserve(GR_DATA_IN, pid, go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), k.conn, k.stream);
	if (!e)
		return 0;
	e->side = side;
	e->n = data[1];
	e->count = msgs;
	e->end_stream = flags & 0x1;
	bpf_ringbuf_submit(e, 0);
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
	struct gr_cfg *cfg = bpf_map_lookup_elem(&gr_procs, &pid);
	__u64 t = 0, s = 0, hdr_len = 0, data_len = 0;
	__u32 stream = 0;
	struct gr_event *e;

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
	e = reserve(GR_MSG_OUT, pid, go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset),
		    conn_key(t, side ? cfg->srv_conn : cfg->cli_conn), stream);
	if (!e)
		return 0;
	e->side = side;
	e->n = hdr_len + data_len;
	bpf_ringbuf_submit(e, 0);
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
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = bpf_map_lookup_elem(&gr_procs, &pid);
	__u64 t = 0, f = 0, hf = 0, conn, fields[2] = {};
	__u32 stream = 0, count;
	struct gr_event *e;
	__s64 goid;
	struct go_conn_view c = {};

	if (!cfg || go_read_arg(ctx, &cfg->coh_t, &t) || go_read_arg(ctx, &cfg->coh_frame, &f) || !t || !f)
		return 0;
	if (bpf_probe_read_user(&hf, sizeof(hf), (void *)(f + cfg->mhf_headers)) || !hf ||
	    bpf_probe_read_user(&stream, sizeof(stream), (void *)(hf + cfg->fh_stream)) ||
	    bpf_probe_read_user(fields, sizeof(fields), (void *)(f + cfg->mhf_fields)))
		return 0;
	conn = conn_key(t, cfg->cli_conn);
	goid = go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset);
	count = fields[1] > 0xffff ? 0xffff : (__u32)fields[1];
	emit_fields(GR_IN_FIELD, pid, goid, conn, stream, 0, fields[0], count);
	e = reserve(GR_IN_END, pid, goid, conn, stream);
	if (!e)
		return 0;
	e->count = count;
	conn_resolve(cfg, t, cfg->cli_conn, &c);
	read_seq(cfg, &c, t, cfg->cli_framer, hf, e);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* func (t *http2Client) closeStream(s *Stream, err error, rst bool, rstCode http2.ErrCode, st *status.Status, mdata map[string][]string, eosReceived bool) */
SEC("uprobe")
int uprobe_transport_http2client_closestream(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = bpf_map_lookup_elem(&gr_procs, &pid);
	__u64 t = 0, s = 0, rst = 0, code = 0;
	struct gr_msg_key k = {};
	struct gr_event *e;

	if (!cfg || go_read_arg(ctx, &cfg->cs_t, &t) || go_read_arg(ctx, &cfg->cs_s, &s) ||
	    go_read_arg(ctx, &cfg->cs_rst, &rst) || go_read_arg(ctx, &cfg->cs_code, &code) || !t || !s)
		return 0;
	k.pid = pid;
	k.conn = conn_key(t, cfg->cli_conn);
	if (bpf_probe_read_user(&k.stream, sizeof(k.stream), (void *)(s + cfg->st_id)))
		return 0;
	bpf_map_delete_elem(&gr_msgs, &k);
	e = reserve(GR_CLOSE, pid, go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), k.conn, k.stream);
	if (!e)
		return 0;
	e->side = 0;
	e->end_stream = (__u8)(rst & 1);
	e->n = (__u32)code;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* func (t *http2Server) handleRSTStream(f *http2.RSTStreamFrame): the client reset a stream */
SEC("uprobe")
int uprobe_transport_http2server_handlerststream(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct gr_cfg *cfg = bpf_map_lookup_elem(&gr_procs, &pid);
	__u64 t = 0, f = 0;
	__u32 code = 0;
	struct gr_msg_key k = {};
	struct gr_event *e;

	if (!cfg || go_read_arg(ctx, &cfg->rs_t, &t) || go_read_arg(ctx, &cfg->rs_f, &f) || !t || !f)
		return 0;
	k.pid = pid;
	k.conn = conn_key(t, cfg->srv_conn);
	if (bpf_probe_read_user(&k.stream, sizeof(k.stream), (void *)(f + cfg->fh_stream)) ||
	    bpf_probe_read_user(&code, sizeof(code), (void *)(f + cfg->rst_code)))
		return 0;
	bpf_map_delete_elem(&gr_msgs, &k);
	e = reserve(GR_CLOSE, pid, go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), k.conn, k.stream);
	if (!e)
		return 0;
	e->side = 1;
	e->end_stream = 1;
	e->n = code;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
