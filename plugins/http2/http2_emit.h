/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* http2.bpf.c's events and the reads every side shares: the connection of a
 * serverConn or ClientConn, a MetaHeadersFrame's fields, RST_STREAM frames
 * received, a connection's end. Included once, by http2.bpf.c, after its
 * h2_events map.
 */
#ifndef __HTTP2_EMIT_H
#define __HTTP2_EMIT_H

static __always_inline struct h2_event *reserve(__u8 kind, __u32 pid, __u32 gen, __s64 goid, __u64 framer, __u32 stream)
{
	struct h2_event *e = gotrace_ringbuf_reserve(&h2_events, sizeof(*e));

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->kind = kind;
	e->pid = pid;
	e->gen = (__u8)gen;
	e->goid = goid;
	e->framer = framer;
	e->stream_id = stream;
	e->fd = -1;
	return e;
}

/* An event of the probe now running: its copy (the attach cookie) and this goroutine. */
static __always_inline struct h2_event *reserve_here(struct pt_regs *ctx, const struct h2_cfg *cfg, __u8 kind, __u32 pid, __u64 framer, __u32 stream)
{
	return reserve(kind, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), framer, stream);
}

/* The conn of a serverConn or ClientConn (its net.Conn at base + conn_off),
 * unwrapped from h2c's bufConn (x/net's h2c server hands ServeConn the
 * accepted conn wrapped with the bytes it read ahead): plain when not TLS.
 */
static __always_inline void conn_resolve(const struct h2_cfg *cfg, __u64 base, __u32 conn_off, struct go_conn_view *c)
{
	go_conn_resolve(base, conn_off, cfg->wrap_itab, cfg->wrap_conn, cfg->tls_itab, &cfg->conn, false, c);
}

/* The conn into a begin event: tls, fd and addresses. */
static __always_inline void conn_info(const struct h2_cfg *cfg, __u64 base, __u32 conn_off, struct h2_event *e, struct go_conn_view *c)
{
	conn_resolve(cfg, base, conn_off, c);
	e->tls = c->tls;
	e->fd = c->fd;
	e->fd_why = c->fd_why;
	if (c->sk)
		go_sock_addrs(c->sk, &e->addrs);
}

/* The wire seq of a HEADERS frame of frame_len bytes just read from the
 * conn: straight from it (the server's framer), or through the bufio.Reader
 * br (the client's). Not through h2c's wrapper, whose own buffer hides it.
 */
static __always_inline void read_seq(const struct h2_cfg *cfg, const struct go_conn_view *c, __u64 br, __u64 frame_len, struct h2_event *e)
{
	__u32 seq = 0;

	if (c->wrapped || go_read_frame_seq(c->tls_conn, c->sk, br, cfg->br_r, cfg->br_w, &cfg->tls_seq, frame_len, &seq))
		return;
	e->tcp_seq = seq;
	e->seq_ok = 1;
}

/* Bytes waiting in a *bufio.Writer (0 for nil); -1 when they cannot be read. */
static __always_inline __s64 buffered(const struct h2_cfg *cfg, __u64 bufw)
{
	__u64 n = 0;

	if (!bufw)
		return 0;
	if (!cfg->bw_n || bpf_probe_read_user(&n, sizeof(n), (void *)(bufw + cfg->bw_n)) || n > (1 << 24))
		return -1;
	return (__s64)n;
}

/* The decoded fields of a MetaHeadersFrame, one event each, after a begin
 * event: the server's request (processHeaders) or the client's response
 * (handleResponse). conn_off != 0 adds the connection and the frame's wire
 * seq (read through the bufio.Reader br, or straight when 0) to the begin
 * event; its end_stream is the HEADERS' END_STREAM flag.
 */
static __always_inline void emit_headers(struct pt_regs *ctx, const struct h2_cfg *cfg, __u8 begin_kind, __u8 field_kind,
					 __u32 pid, __u32 gen, __u64 framer, __u64 f, __u64 conn_base, __u32 conn_off, __u64 br)
{
	__u64 hf = 0, fields[2] = {};
	struct go_conn_view c = {};
	__u8 flags = 0;
	__u32 stream = 0, count, length = 0;
	struct h2_event *e;
	__s64 goid;

	if (bpf_probe_read_user(&hf, sizeof(hf), (void *)(f + cfg->mhf_headers)) || !hf ||
	    bpf_probe_read_user(&stream, sizeof(stream), (void *)(hf + cfg->fh_stream)) ||
	    bpf_probe_read_user(fields, sizeof(fields), (void *)(f + cfg->mhf_fields)))
		return;
	bpf_probe_read_user(&flags, sizeof(flags), (void *)(hf + cfg->fh_flags));
	if (cfg->fh_length)
		bpf_probe_read_user(&length, sizeof(length), (void *)(hf + cfg->fh_length));
	goid = go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset);
	count = fields[1] > 0xffff ? 0xffff : (__u32)fields[1];
	e = reserve(begin_kind, pid, gen, goid, framer, stream);
	if (!e)
		return;
	e->count = count;
	e->end_stream = flags & 1;
	if (conn_off) {
		conn_info(cfg, conn_base, conn_off, e, &c);
		if (length)
			read_seq(cfg, &c, br, 9 + (__u64)length, e);
	}
	bpf_ringbuf_submit(e, 0);

	for (__u32 i = 0; i < H2_MAX_FIELDS; i++) {
		/* HeaderField{Name, Value string; Sensitive bool}: 40 bytes, Name at 0, Value at 16. */
		__u64 hf_words[4] = {};

		if (i >= count)
			break;
		if (bpf_probe_read_user(hf_words, sizeof(hf_words), (void *)(fields[0] + (__u64)i * 40)))
			break;
		e = reserve(field_kind, pid, gen, goid, framer, stream);
		if (!e)
			return;
		e->index = i;
		e->count = count;
		e->name_len = go_len_u32(hf_words[1]);
		e->value_len = go_len_u32(hf_words[3]);
		GO_READ_STR(e->name, H2_NAME, hf_words[0], hf_words[1]);
		GO_READ_STR(e->value, H2_VALUE, hf_words[2], hf_words[3]);
		bpf_ringbuf_submit(e, 0);
	}
}

/* The *Framer of a clientConnReadLoop: rl.cc.fr. */
static __always_inline __u64 rl_framer(const struct h2_cfg *cfg, __u64 rl)
{
	__u64 cc = 0, fr = 0;

	if (!rl || bpf_probe_read_user(&cc, sizeof(cc), (void *)(rl + cfg->rl_cc)) || !cc ||
	    bpf_probe_read_user(&fr, sizeof(fr), (void *)(cc + cfg->cc_fr)))
		return 0;
	return fr;
}

/* A DATA frame received (either side's processData): body bytes and END_STREAM. */
static __always_inline void emit_data_in(struct pt_regs *ctx, const struct h2_cfg *cfg, __u8 kind, __u32 pid, __u64 fr, __u64 f)
{
	__u64 data[2] = {};
	__u32 stream = 0;
	__u8 flags = 0;
	struct h2_event *e;

	if (!fr || !f || bpf_probe_read_user(&stream, sizeof(stream), (void *)(f + cfg->fh_stream)) ||
	    bpf_probe_read_user(&flags, sizeof(flags), (void *)(f + cfg->fh_flags)) ||
	    bpf_probe_read_user(data, sizeof(data), (void *)(f + cfg->df_data)))
		return;
	e = reserve_here(ctx, cfg, kind, pid, fr, stream);
	if (!e)
		return;
	e->n = data[1];
	e->end_stream = flags & 1;
	bpf_ringbuf_submit(e, 0);
}

/* An RST_STREAM frame received: its stream id and error code. */
static __always_inline void emit_rst_in(struct pt_regs *ctx, const struct h2_cfg *cfg, __u32 pid, __u64 fr, __u64 f)
{
	__u32 stream = 0, code = 0;
	struct h2_event *e;

	if (!fr || !f || bpf_probe_read_user(&stream, sizeof(stream), (void *)(f + cfg->fh_stream)) ||
	    bpf_probe_read_user(&code, sizeof(code), (void *)(f + cfg->rst_code)))
		return;
	e = reserve_here(ctx, cfg, H2_RST_IN, pid, fr, stream);
	if (!e)
		return;
	e->n = code;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void emit_conn_closed(struct pt_regs *ctx, const struct h2_cfg *cfg, __u32 pid, __u64 fr)
{
	struct h2_event *e;

	if (!fr)
		return;
	e = reserve_here(ctx, cfg, H2_CONN_CLOSED, pid, fr, 0);
	if (e)
		bpf_ringbuf_submit(e, 0);
}

#endif /* __HTTP2_EMIT_H */
