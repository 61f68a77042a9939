/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* grpc.bpf.c's events and the reads its programs share: header fields, the
 * connection and its TCP seqs, the message walk over DATA frames, a call's
 * end. Included once, by grpc.bpf.c, after its maps.
 */
#ifndef __GRPC_EMIT_H
#define __GRPC_EMIT_H

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

/* A call ended without trailers: its message walk is dropped and user space told (n: the RST_STREAM code). */
static __always_inline void emit_close(struct pt_regs *ctx, const struct gr_cfg *cfg, struct gr_msg_key *k, __u8 side, __u8 end_stream, __u32 code)
{
	struct gr_event *e;

	bpf_map_delete_elem(&gr_msgs, k);
	e = reserve(GR_CLOSE, k->pid, go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), k->conn, k->stream);
	if (!e)
		return;
	e->side = side;
	e->end_stream = end_stream;
	e->n = code;
	bpf_ringbuf_submit(e, 0);
}

#endif /* __GRPC_EMIT_H */
