/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* http2.bpf.c's records and the reads every side shares: the connection of a
 * serverConn or ClientConn, a MetaHeadersFrame's fields, RST_STREAM frames
 * received, a connection's end. Included once, by http2.bpf.c, after its
 * h2_events and h2_scratch maps.
 */
#ifndef __HTTP2_EMIT_H
#define __HTTP2_EMIT_H

/* User space is woken only when a burst fills the ring (go_ring_wake.h); it drains on a timer (runtime.ts drainEveryMs). */
static __always_inline __u64 wake_flags(void)
{
	return go_ring_wake_flags(&h2_events);
}

/* The first bytes of every record. */
static __always_inline void head_init(struct h2_event *h, __u8 kind, __u32 pid, __u32 gen, __s64 goid, __u64 framer, __u32 stream)
{
	__builtin_memset(h, 0, sizeof(*h));
	h->ts = bpf_ktime_get_ns();
	h->kind = kind;
	h->pid = pid;
	h->gen = (__u8)gen;
	h->goid = goid;
	h->framer = framer;
	h->stream_id = stream;
	h->fd = -1;
}

/* A plain record (no header block). */
static __always_inline struct h2_event *reserve(__u8 kind, __u32 pid, __u32 gen, __s64 goid, __u64 framer, __u32 stream)
{
	struct h2_event *e = gotrace_ringbuf_reserve(&h2_events, sizeof(*e));

	if (e)
		head_init(e, kind, pid, gen, goid, framer, stream);
	return e;
}

static __always_inline void submit(struct h2_event *e)
{
	bpf_ringbuf_submit(e, wake_flags());
}

/* A record of the probe now running: its copy (the attach cookie) and this goroutine. */
static __always_inline struct h2_event *reserve_here(struct pt_regs *ctx, const struct h2_cfg *cfg, __u8 kind, __u32 pid, __u64 framer, __u32 stream)
{
	return reserve(kind, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), framer, stream);
}

/* A header record's head and addresses; its block is the caller's (reset, or gathered). */
static __always_inline void hdrs_init(struct h2_hdrs_event *e, __u8 kind, __u32 pid, __u32 gen, __s64 goid, __u64 framer, __u32 stream)
{
	head_init(&e->h, kind, pid, gen, goid, framer, stream);
	__builtin_memset(&e->addrs, 0, sizeof(e->addrs));
}

/* A header record from wherever it was built (scratch or a per-goroutine map
 * value), copied out up to the end of its block's data: a few hundred bytes
 * for a typical block of the 4.6 KiB struct.
 */
static __always_inline void emit_hdrs(struct h2_hdrs_event *e)
{
	__u32 size = (__u32)__builtin_offsetof(struct h2_hdrs_event, b) + go_hdr_block_size(&e->b);

	if (bpf_ringbuf_output(&h2_events, e, size, wake_flags()))
		gotrace_count_drop();
}

/* This CPU's struct to build a record in (or a map value to copy in). Not
 * cleared: each user sets what it sends.
 */
static __always_inline struct h2_wr *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&h2_scratch, &zero);
}

/* The conn of a serverConn or ClientConn (its net.Conn at base + conn_off),
 * unwrapped from h2c's bufConn (x/net's h2c server hands ServeConn the
 * accepted conn wrapped with the bytes it read ahead): plain when not TLS.
 */
static __always_inline void conn_resolve(const struct h2_cfg *cfg, __u64 base, __u32 conn_off, struct go_conn_view *c)
{
	go_conn_resolve(base, conn_off, cfg->wrap_itab, cfg->wrap_conn, cfg->tls_itab, &cfg->conn, false, c);
}

/* The net.Conn at base + conn_off (serverConn.conn, ClientConn.tconn), with
 * its addresses: from go_conn_cache, or walked and kept there. A server's
 * serverConn and a client's ClientConn hold one conn for life.
 */
static __always_inline void conn_view(const struct h2_cfg *cfg, __u32 pid, __u64 base, __u32 conn_off, struct go_conn_cached *v)
{
	/* The tag tells the field apart; the address, the object. */
	if (go_conn_cache_load(pid, conn_off + 1, base, v))
		return;
	conn_resolve(cfg, base, conn_off, &v->c);
	if (v->c.sk)
		go_sock_addrs(v->c.sk, &v->addrs);
	go_conn_cache_put(pid, conn_off + 1, base, v);
}

/* The conn into a header record: tls, fd and addresses. */
static __always_inline void conn_info(const struct h2_cfg *cfg, __u32 pid, __u64 base, __u32 conn_off, struct h2_hdrs_event *e, struct go_conn_view *c)
{
	struct go_conn_cached v = {};

	conn_view(cfg, pid, base, conn_off, &v);
	*c = v.c;
	e->h.tls = v.c.tls;
	e->h.fd = v.c.fd;
	e->h.fd_why = v.c.fd_why;
	e->addrs = v.addrs;
}

/* What an h2c server's framer reads through: x/net's h2c hands the http2
 * server the accepted conn as a *bufConn {net.Conn; *bufio.Reader} whose
 * Read drains the bytes h2c read ahead from that Reader, then sets it nil
 * and reads the conn straight. *br: the Reader, or 0 once drained. -1:
 * not an h2c conn, or its layout unknown.
 * https://github.com/golang/net/blob/v0.7.0/http2/h2c/h2c.go
 */
static __always_inline int h2c_reader(const struct h2_cfg *cfg, const struct go_conn_view *c, __u64 base, __u32 off, __u64 *br)
{
	__u64 iface[2] = {};

	if (!cfg->wrap_reader || !cfg->wrap_itab || c->tls_conn ||
	    bpf_probe_read_user(iface, sizeof(iface), (void *)(base + off)) || iface[0] != cfg->wrap_itab || !iface[1] ||
	    bpf_probe_read_user(br, sizeof(*br), (void *)(iface[1] + cfg->wrap_reader)))
		return -1;
	return 0;
}

/* The wire seq of a HEADERS frame of frame_len bytes just read from the
 * conn at base + off: straight from it (the server's framer), through the
 * bufio.Reader br (the client's), or through h2c's wrapper (h2c_reader).
 */
static __always_inline void read_seq(const struct h2_cfg *cfg, const struct go_conn_view *c, __u64 base, __u32 off, __u64 br, __u64 frame_len,
				     struct h2_event *h)
{
	__u32 seq = 0;

	if (c->wrapped && (br || h2c_reader(cfg, c, base, off, &br)))
		return;
	if (go_read_frame_seq(c->tls_conn, c->sk, br, cfg->br_r, cfg->br_w, &cfg->tls_seq, frame_len, &seq))
		return;
	h->tcp_seq = seq;
	h->seq_ok = 1;
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

/* A MetaHeadersFrame as one record: the server's request (processHeaders) or
 * the client's response (handleResponse), with every decoded field.
 * conn_off != 0 adds the connection and the frame's wire seq (read through
 * the bufio.Reader br, or straight when 0); end_stream is the HEADERS'
 * END_STREAM flag.
 */
static __always_inline void emit_headers(struct pt_regs *ctx, const struct h2_cfg *cfg, __u8 kind,
					 __u32 pid, __u32 gen, __u64 framer, __u64 f, __u64 conn_base, __u32 conn_off, __u64 br)
{
	__u64 fields[2] = {};
	struct go_conn_view c = {};
	__u8 flags = 0;
	__u32 stream = 0, length = 0;
	struct go_h2_fh_offsets fo = { .stream = cfg->fh_stream, .length = cfg->fh_length, .flags = cfg->fh_flags };
	struct h2_hdrs_event *e;
	struct h2_hf *fbuf;
	struct h2_wr *s;
	__u32 zero = 0;

	if (go_h2_meta_headers(f, cfg->mhf_headers, cfg->mhf_fields, &fo, &stream, &length, &flags, fields))
		return;
	s = scratch();
	if (!s)
		return;
	e = &s->ev;
	hdrs_init(e, kind, pid, gen, go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), framer, stream);
	e->h.end_stream = flags & 1;
	if (conn_off) {
		conn_info(cfg, pid, conn_base, conn_off, e, &c);
		if (length)
			read_seq(cfg, &c, conn_base, conn_off, br, 9 + (__u64)length, &e->h);
	}
	fbuf = bpf_map_lookup_elem(&h2_hf_scratch, &zero);
	if (!fbuf)
		return;
	go_hdr_block_reset(&e->b);
	go_hdr_block_from_fields(&e->b, &cfg->rodata, fbuf->w, fields[0], fields[1], &fbuf->win);
	emit_hdrs(e);
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
	submit(e);
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
	submit(e);
}

static __always_inline void emit_conn_closed(struct pt_regs *ctx, const struct h2_cfg *cfg, __u32 pid, __u64 fr)
{
	struct h2_event *e;

	if (!fr)
		return;
	e = reserve_here(ctx, cfg, H2_CONN_CLOSED, pid, fr, 0);
	if (e)
		submit(e);
}

#endif /* __HTTP2_EMIT_H */
