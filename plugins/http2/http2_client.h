/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* http2.bpf.c's client programs: (*ClientConn) and (*clientConnReadLoop).
 * Included once, by http2.bpf.c, after http2_emit.h.
 */
#ifndef __HTTP2_CLIENT_H
#define __HTTP2_CLIENT_H

/* Fields gathered for a request longer than this are an encodeHeaders that
 * failed: the next request on the goroutine starts afresh.
 */
#define H2_CREQ_STALE_NS (10ULL * 1000 * 1000 * 1000)

/* func (cc *ClientConn) writeHeader(name, value string): one request field as
 * encodeHeaders encodes it. The stream id is not known here; writeHeaders, next
 * on this goroutine (cc.wmu is held throughout), gives it and sends the fields
 * gathered here.
 */
SEC("uprobe")
int uprobe_http2_clientconn_writeheader(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	struct h2_wr_key k = { .pid = pid };
	__u64 cc = 0, fr = 0, name = 0, nlen = 0, value = 0, vlen = 0, now;
	struct h2_hdrs_event *e;
	struct h2_wr *s;

	if (!cfg || go_read_arg(ctx, &cfg->hf_cc, &cc) || !cc ||
	    go_read_arg(ctx, &cfg->hf_name, &name) || go_read_arg(ctx, &cfg->hf_name_len, &nlen) ||
	    go_read_arg(ctx, &cfg->hf_value, &value) || go_read_arg(ctx, &cfg->hf_value_len, &vlen) ||
	    bpf_probe_read_user(&fr, sizeof(fr), (void *)(cc + cfg->cc_fr)))
		return 0;
	k.g = go_current_g(ctx, cfg->regabi);
	now = bpf_ktime_get_ns();
	e = bpf_map_lookup_elem(&h2_creqs, &k);
	/* Fields of another connection, or left by a failed encodeHeaders, are not this request's. */
	if (!e || e->h.framer != fr || now - e->h.ts > H2_CREQ_STALE_NS) {
		s = scratch();
		if (!s)
			return 0;
		/* Only what writeHeaders reads back: the rest of the head is set there. */
		s->ev.h.framer = fr;
		s->ev.h.ts = now;
		go_hdr_block_reset(&s->ev.b);
		if (bpf_map_update_elem(&h2_creqs, &k, &s->ev, BPF_ANY))
			return 0;
		e = bpf_map_lookup_elem(&h2_creqs, &k);
		if (!e)
			return 0;
	}
	go_hdr_block_add(&e->b, &cfg->rodata, name, nlen, value, vlen);
	return 0;
}

/* A TLS request HEADERS past the first record of cc.bw's next flush: the
 * flush sends the buffer from its start, and holds the whole frame when it
 * fits the buffer (bufio.Writer copies what fits, and flushes a full one
 * before copying the rest). cc.wmu makes this goroutine the conn's writer.
 */
static __always_inline int tls_later_record(const struct h2_cfg *cfg, const struct go_conn_view *c, __u64 bw, __u64 n, __u64 len, __u32 *seq)
{
	__u64 cap = 0;

	if (!c->tls_conn || !cfg->bw_buf || bpf_probe_read_user(&cap, sizeof(cap), (void *)(bw + cfg->bw_buf + 8)) || n + len > cap)
		return -1;
	return go_tls13_write_seq(c->tls_conn, &cfg->tls_w, c->sk, n, len, seq);
}

/* func (cc *ClientConn) writeHeaders(streamID uint32, endStream bool, maxFrameSize int, hdrs []byte) error:
 * the request (or its trailers) as one record, with the fields writeHeader gathered.
 */
SEC("uprobe")
int uprobe_http2_clientconn_writeheaders(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	struct h2_wr_key k = { .pid = pid };
	__u64 cc = 0, fr = 0, stream = 0, end = 0, hdrs_len = 0, bw = 0;
	struct go_conn_view c = {};
	struct h2_hdrs_event *e, *gathered;
	struct h2_wr *s;
	__s64 n;

	if (!cfg || go_read_arg(ctx, &cfg->wh_cc, &cc) || !cc || go_read_arg(ctx, &cfg->wh_stream, &stream) ||
	    go_read_arg(ctx, &cfg->wh_end, &end) || bpf_probe_read_user(&fr, sizeof(fr), (void *)(cc + cfg->cc_fr)))
		return 0;
	k.g = go_current_g(ctx, cfg->regabi);
	gathered = bpf_map_lookup_elem(&h2_creqs, &k);
	e = gathered;
	/* Only fields written for this connection: the goroutine holds cc.wmu from encodeHeaders to here. */
	if (!e || e->h.framer != fr) {
		s = scratch();
		if (!s)
			return 0;
		e = &s->ev;
		go_hdr_block_reset(&e->b);
	}
	hdrs_init(e, H2_CREQ_HEADERS, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(k.g, cfg->goid_offset), fr, (__u32)stream);
	e->h.end_stream = (__u8)(end & 1);
	conn_info(cfg, pid, cc, cfg->cc_tconn, e, &c);
	/* The frames go into cc.bw behind n buffered bytes, none of them on the
	 * wire yet (cc.wmu is held); the HEADERS frame is 9 + len(hdrs) bytes at most.
	 */
	if (cfg->cc_bw && !go_read_arg(ctx, &cfg->wh_hdrs_len, &hdrs_len) &&
	    !bpf_probe_read_user(&bw, sizeof(bw), (void *)(cc + cfg->cc_bw)) && bw && (n = buffered(cfg, bw)) >= 0 &&
	    (!go_write_frame_seq(c.tls_conn != 0, c.sk, (__u64)n, 9 + hdrs_len, &e->h.tcp_seq) ||
	     !tls_later_record(cfg, &c, bw, (__u64)n, 9 + hdrs_len, &e->h.tcp_seq)))
		e->h.seq_ok = 1;
	emit_hdrs(e);
	if (gathered)
		bpf_map_delete_elem(&h2_creqs, &k);
	return 0;
}

/* func (rl *clientConnReadLoop) handleResponse(cs *clientStream, f *MetaHeadersFrame) (*Response, error) */
SEC("uprobe")
int uprobe_http2_clientconnreadloop_handleresponse(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 rl = 0, f = 0, cc = 0, fr = 0, br = 0;

	if (!cfg || go_read_arg(ctx, &cfg->hr_rl, &rl) || go_read_arg(ctx, &cfg->hr_f, &f) || !f || !rl ||
	    bpf_probe_read_user(&cc, sizeof(cc), (void *)(rl + cfg->rl_cc)) || !cc ||
	    bpf_probe_read_user(&fr, sizeof(fr), (void *)(cc + cfg->cc_fr)) || !fr)
		return 0;
	/* The client's framer reads through cc.br; with no offset for it the seq stays unknown. */
	if (cfg->cc_br)
		bpf_probe_read_user(&br, sizeof(br), (void *)(cc + cfg->cc_br));
	emit_headers(ctx, cfg, H2_CRESP_HEADERS, pid, (__u32)bpf_get_attach_cookie(ctx), fr, f, cc, br ? cfg->cc_tconn : 0, br);
	return 0;
}

/* func (rl *clientConnReadLoop) processData(f *DataFrame) error */
SEC("uprobe")
int uprobe_http2_clientconnreadloop_processdata(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 rl = 0, f = 0;

	if (!cfg || go_read_arg(ctx, &cfg->cpd_rl, &rl) || go_read_arg(ctx, &cfg->cpd_f, &f))
		return 0;
	emit_data_in(ctx, cfg, H2_CDATA_IN, pid, rl_framer(cfg, rl), f);
	return 0;
}

/* func (rl *clientConnReadLoop) processResetStream(f *RSTStreamFrame) error */
SEC("uprobe")
int uprobe_http2_clientconnreadloop_processresetstream(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 rl = 0, f = 0;

	if (!cfg || go_read_arg(ctx, &cfg->cpr_rl, &rl) || go_read_arg(ctx, &cfg->cpr_f, &f))
		return 0;
	emit_rst_in(ctx, cfg, pid, rl_framer(cfg, rl), f);
	return 0;
}

/* func (rl *clientConnReadLoop) cleanup(): the client's read loop ends with its connection. */
SEC("uprobe")
int uprobe_http2_clientconnreadloop_cleanup(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 rl = 0;

	if (!cfg || go_read_arg(ctx, &cfg->clc_rl, &rl))
		return 0;
	emit_conn_closed(ctx, cfg, pid, rl_framer(cfg, rl));
	return 0;
}

#endif /* __HTTP2_CLIENT_H */
