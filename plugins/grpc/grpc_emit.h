/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* grpc.bpf.c's events and the reads its programs share: the
 * connection and its TCP seqs, the message walk over DATA frames, a call's
 * end. Included once, by grpc.bpf.c, after its maps.
 */
#ifndef __GRPC_EMIT_H
#define __GRPC_EMIT_H

/* User space is woken only when a burst fills the ring (go_ring_wake.h); it drains on a timer (runtime.ts drainEveryMs). */
static __always_inline __u64 wake_flags(void)
{
	return go_ring_wake_flags(&gr_events);
}

/* A DATA_IN, MSG_OUT or CLOSE record's head into e (on the caller's
 * stack); ts 0 unless stamped (a clock read is ~100 ns under a hypervisor's
 * clock source, and a server's DATA_IN and MSG_OUT only add to a call that
 * its headers began).
 */
static __always_inline void event_head(struct gr_event *e, __u8 kind, __u32 pid, __s64 goid, __u64 conn, __u32 stream, bool stamp)
{
	if (stamp)
		e->ts = bpf_ktime_get_ns();
	e->kind = kind;
	e->pid = pid;
	e->goid = goid;
	e->conn = conn;
	e->stream_id = stream;
}

/* Sends e, built on the stack: bpf_ringbuf_output copies its 48 bytes in
 * one helper call where reserve and submit are two, yet in the grpc bench
 * the two ways cost the same; this one has no NULL path.
 */
static __always_inline void submit(struct gr_event *e)
{
	if (bpf_ringbuf_output(&gr_events, e, sizeof(*e), wake_flags()))
		gotrace_count_drop();
}

/* The net.Conn at t + off (http2Server.conn, bufWriter.conn), through grpc's
 * credentials wrapper (syscallConn embeds the net.Conn the handshake returned).
 */
static __always_inline void conn_resolve(const struct gr_cfg *cfg, __u64 t, __u32 off, struct go_conn_view *c)
{
	go_conn_resolve(t, off, cfg->wrap_itab, cfg->wrap_conn, cfg->tls_itab, &cfg->conn, true, c);
}

/* A frame's head: the FrameHeader of a *HeadersFrame or *DataFrame. */
static __always_inline int frame_head(const struct gr_cfg *cfg, __u64 f, __u32 *stream, __u32 *length, __u8 *flags)
{
	struct go_h2_fh_offsets o = { .stream = cfg->fh_stream, .length = cfg->fh_length, .flags = cfg->fh_flags };

	return go_h2_frame_head(f, &o, stream, length, flags);
}

/* A *MetaHeadersFrame's fields slice and its frame's head. */
static __always_inline int meta_headers(const struct gr_cfg *cfg, __u64 f, __u32 *stream, __u32 *length, __u8 *flags, __u64 fields[2])
{
	struct go_h2_fh_offsets o = { .stream = cfg->fh_stream, .length = cfg->fh_length, .flags = cfg->fh_flags };

	return go_h2_meta_headers(f, cfg->mhf_headers, cfg->mhf_fields, &o, stream, length, flags, fields);
}

/* The data word of the net.Conn at p + off: the connection's key. */
static __always_inline __u64 conn_key(__u64 p, __u32 off)
{
	__u64 iface[2] = {};

	if (!p || bpf_probe_read_user(iface, sizeof(iface), (void *)(p + off)))
		return 0;
	return iface[1];
}

/* How the transport t's framer (its *framer at t + framer_off) reads frames:
 * through a *bufio.Reader (*br), or from the *tls.Conn itself (*br = 0).
 * -1: neither, or unknown.
 */
static __always_inline int frame_reader(const struct gr_cfg *cfg, const struct go_conn_view *c, __u64 t, __u32 framer_off, __u64 *br)
{
	__u64 fr = 0, h2 = 0, rd[2] = {};

	if (!cfg->fh_length || !framer_off || !cfg->fr_fr ||
	    bpf_probe_read_user(&fr, sizeof(fr), (void *)(t + framer_off)) || !fr ||
	    bpf_probe_read_user(&h2, sizeof(h2), (void *)(fr + cfg->fr_fr)) || !h2 ||
	    bpf_probe_read_user(rd, sizeof(rd), (void *)(h2 + cfg->h2fr_r)))
		return -1;
	if (cfg->bufr_itab && rd[0] == cfg->bufr_itab) {
		*br = rd[1];
		return 0;
	}
	if (rd[1] != c->tls_conn || !c->tls_conn)
		return -1;
	*br = 0;
	return 0;
}

/* The net.Conn at base + conn_off walked to its socket: its key, the view
 * and the addresses, as go_conn_cache keeps them.
 */
static __always_inline void walk_conn(const struct gr_cfg *cfg, __u64 base, __u32 conn_off, struct go_conn_cached *v)
{
	v->key = conn_key(base, conn_off);
	conn_resolve(cfg, base, conn_off, &v->c);
	if (v->c.sk)
		go_sock_addrs(v->c.sk, &v->addrs);
}

/* The connection of the transport t (an *http2Server or *http2Client, whose
 * net.Conn is at conn_off and *framer at framer_off): from go_conn_cache, or
 * walked and kept there. aux is the framer's reader (frame_reader) when aux2
 * is 1. aux3 is the goid of the goroutine running when it was walked, when
 * ctx is given: a server transport's frames are all read by one goroutine
 * (HandleStreams' loop), whose goid then costs no read per request.
 */
static __always_inline void transport_conn(const struct gr_cfg *cfg, struct pt_regs *ctx, __u32 pid, __u32 tag, __u64 t, __u32 conn_off,
					   __u32 framer_off, struct go_conn_cached *v)
{
	if (go_conn_cache_load(pid, tag, t, v))
		return;
	walk_conn(cfg, t, conn_off, v);
	v->aux2 = frame_reader(cfg, &v->c, t, framer_off, &v->aux) ? 0 : 1;
	v->aux3 = ctx ? (__u64)go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset) : (__u64)-1;
	go_conn_cache_put(pid, tag, t, v);
}

/* The wire seq of the HEADERS frame of `length` payload bytes just read by
 * the transport whose conn is v, on the reader goroutine that called
 * operateHeaders: nothing reads meanwhile.
 */
static __always_inline void read_seq(const struct gr_cfg *cfg, const struct go_conn_cached *v, __u32 length, struct gr_hdr_event *e)
{
	__u32 seq = 0;

	if (!v->aux2 || !length ||
	    go_read_frame_seq(v->c.tls_conn, v->c.sk, v->aux, cfg->br_r, cfg->br_w, &cfg->tls_seq, 9 + (__u64)length, &seq))
		return;
	e->tcp_seq = seq;
	e->seq_ok = 1;
}

/* The conn into a header record: tls, fd, and with addrs its addresses. */
static __always_inline void conn_fields(const struct go_conn_cached *v, bool addrs, struct gr_hdr_event *e)
{
	e->tls = v->c.tls;
	e->fd = v->c.fd;
	e->fd_why = v->c.fd_why;
	e->wrapped = v->c.wrapped;
	if (addrs)
		e->addrs = v->addrs;
}

/* A stream's message walk dropped, and counted out of gr_msgs_live. */
static __always_inline void forget_walk(struct gr_msg_key *k)
{
	if (gr_msgs_live && !bpf_map_delete_elem(&gr_msgs, k))
		__sync_fetch_and_add(&gr_msgs_live, -1);
}

/* Walks the gRPC length prefixes in one DATA frame's payload, carrying a
 * prefix or message cut by the frame's end over to the next frame; returns
 * how many prefixes completed. Bounded: 16 messages per frame are counted.
 */
static __always_inline __u32 walk_messages(struct gr_msg_key *k, __u64 data, __u64 len, __u8 end_stream)
{
	struct gr_msg_state zero = {}, st, *old = gr_msgs_live ? bpf_map_lookup_elem(&gr_msgs, k) : NULL;
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
	/* A unary call's one frame has END_STREAM and no state: nothing to delete. */
	if (!end_stream) {
		if (!bpf_map_update_elem(&gr_msgs, k, &st, BPF_ANY) && !old)
			__sync_fetch_and_add(&gr_msgs_live, 1);
	} else if (old) {
		forget_walk(k);
	}
	return msgs;
}

/* A call ended without trailers: its message walk is dropped and user space
 * told (n: the RST_STREAM code; status: the grpc status plus one, 0 unknown).
 */
static __always_inline void emit_close(struct pt_regs *ctx, const struct gr_cfg *cfg, struct gr_msg_key *k, __u8 side, __u8 end_stream, __u32 code,
				       __u32 status)
{
	struct gr_event e = {};

	forget_walk(k);
	event_head(&e, GR_CLOSE, k->pid, go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), k->conn, k->stream, true);
	e.side = side;
	e.end_stream = end_stream;
	e.n = code;
	e.count = status;
	submit(&e);
}

#endif /* __GRPC_EMIT_H */
