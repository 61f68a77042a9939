// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* HTTP/2 streams of Go's http2 (net/http's bundled copy or
 * golang.org/x/net/http2), read from the structs the library already decoded.
 * Server: request header fields at (*serverConn).processHeaders, response
 * header fields at the hpack encoder while (*writeResHeaders).writeFrame runs
 * on the same goroutine, body sizes from (*Framer).WriteDataPadded and
 * (*serverConn).processData. Client: request fields at (*ClientConn).writeHeader
 * as they are encoded, the stream id at (*ClientConn).writeHeaders, response
 * fields at (*clientConnReadLoop).handleResponse, body sizes from
 * WriteDataPadded and (*clientConnReadLoop).processData. Resets: RST_STREAM
 * written ((*Framer).WriteRSTStream) or received (processResetStream).
 * Events are per field; user space assembles streams keyed by
 * (pid, *Framer, stream id): one Framer per connection, on either side.
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
#include "go_string.h"
#include "http2.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} h2_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct h2_cfg_key);
	__type(value, struct h2_cfg);
} h2_procs SEC(".maps");

/* LRU: a writeFrame that never reaches its RET must not leak. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct h2_wr_key);
	__type(value, struct h2_wr);
} h2_writes SEC(".maps");

static __always_inline struct h2_cfg *cfg_of(struct pt_regs *ctx, __u32 pid)
{
	struct h2_cfg_key k = { .pid = pid, .gen = (__u32)bpf_get_attach_cookie(ctx) };

	return bpf_map_lookup_elem(&h2_procs, &k);
}

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

/* The conn of a serverConn or ClientConn (its net.Conn at base + conn_off):
 * TLS when the net.Conn is a *tls.Conn (itab), then the *net.TCPConn inside either.
 */
static __always_inline void conn_info(const struct h2_cfg *cfg, __u64 base, __u32 conn_off, struct h2_event *e)
{
	struct go_conn_offsets o = cfg->conn;
	__u64 iface[2] = {};
	__u64 outer = base;
	struct sock *sk;

	e->tls = 2;
	if (bpf_probe_read_user(iface, sizeof(iface), (void *)(base + conn_off)))
		return;
	if (cfg->tls_itab && iface[0] == cfg->tls_itab) {
		e->tls = 1;
		outer = iface[1]; /* *tls.Conn; o.iface_off is tls.Conn.conn */
	} else {
		if (cfg->tls_itab)
			e->tls = 0;
		o.iface_off = conn_off;
	}
	e->fd = go_conn_fd(outer, &o, &e->fd_why);
	sk = go_fd_sock(e->fd);
	if (sk)
		go_sock_addrs(sk, &e->addrs);
}

/* The decoded fields of a MetaHeadersFrame, one event each, after a begin
 * event: the server's request (processHeaders) or the client's response
 * (handleResponse). conn_off != 0 adds the connection to the begin event;
 * its end_stream is the HEADERS' END_STREAM flag.
 */
static __always_inline void emit_headers(struct pt_regs *ctx, const struct h2_cfg *cfg, __u8 begin_kind, __u8 field_kind,
					 __u32 pid, __u32 gen, __u64 framer, __u64 f, __u64 conn_base, __u32 conn_off)
{
	__u64 hf = 0, fields[2] = {};
	__u8 flags = 0;
	__u32 stream = 0, count;
	struct h2_event *e;
	__s64 goid;

	if (bpf_probe_read_user(&hf, sizeof(hf), (void *)(f + cfg->mhf_headers)) || !hf ||
	    bpf_probe_read_user(&stream, sizeof(stream), (void *)(hf + cfg->fh_stream)) ||
	    bpf_probe_read_user(fields, sizeof(fields), (void *)(f + cfg->mhf_fields)))
		return;
	bpf_probe_read_user(&flags, sizeof(flags), (void *)(hf + cfg->fh_flags));
	goid = go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset);
	count = fields[1] > 0xffff ? 0xffff : (__u32)fields[1];
	e = reserve(begin_kind, pid, gen, goid, framer, stream);
	if (!e)
		return;
	e->count = count;
	e->end_stream = flags & 1;
	if (conn_off)
		conn_info(cfg, conn_base, conn_off, e);
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

/* func (sc *serverConn) processHeaders(f *MetaHeadersFrame) error */
SEC("uprobe")
int uprobe_http2_serverconn_processheaders(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u32 gen = (__u32)bpf_get_attach_cookie(ctx);
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 sc = 0, f = 0, framer = 0;

	if (!cfg || go_read_arg(ctx, &cfg->ph_sc, &sc) || go_read_arg(ctx, &cfg->ph_f, &f) || !sc || !f)
		return 0;
	if (bpf_probe_read_user(&framer, sizeof(framer), (void *)(sc + cfg->sc_framer)))
		return 0;
	emit_headers(ctx, cfg, H2_REQ_BEGIN, H2_REQ_FIELD, pid, gen, framer, f, sc, cfg->sc_conn);
	return 0;
}

/* func (w *writeResHeaders) writeFrame(ctx writeContext) error; ctx's data is the *serverConn. */
SEC("uprobe")
int uprobe_http2_writeresheaders_writeframe(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	struct h2_wr_key k = { .pid = pid };
	struct h2_wr wr = {};
	__u64 w = 0, sc = 0;

	if (!cfg || go_read_arg(ctx, &cfg->wf_w, &w) || go_read_arg(ctx, &cfg->wf_ctx, &sc) || !w || !sc)
		return 0;
	if (bpf_probe_read_user(&wr.framer, sizeof(wr.framer), (void *)(sc + cfg->sc_framer)) ||
	    bpf_probe_read_user(&wr.stream_id, sizeof(wr.stream_id), (void *)(w + cfg->wrh_stream)) ||
	    bpf_probe_read_user(&wr.code, sizeof(wr.code), (void *)(w + cfg->wrh_code)) ||
	    bpf_probe_read_user(&wr.end_stream, sizeof(wr.end_stream), (void *)(w + cfg->wrh_end)))
		return 0;
	wr.gen = (__u8)bpf_get_attach_cookie(ctx);
	k.goid = go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset);
	bpf_map_update_elem(&h2_writes, &k, &wr, BPF_ANY);
	return 0;
}

SEC("uprobe")
int uprobe_http2_writeresheaders_writeframe_ret(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	struct h2_wr_key k = { .pid = pid };
	struct h2_event *e;
	struct h2_wr *wr;

	if (!cfg)
		return 0;
	k.goid = go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset);
	wr = bpf_map_lookup_elem(&h2_writes, &k);
	if (!wr)
		return 0;
	e = reserve(H2_RESP_END, pid, wr->gen, k.goid, wr->framer, wr->stream_id);
	if (e) {
		e->n = wr->code;
		e->end_stream = wr->end_stream;
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&h2_writes, &k);
	return 0;
}

/* func (e *Encoder) WriteField(f HeaderField) error: only inside a writeResHeaders on this goroutine. */
SEC("uprobe")
int uprobe_hpack_encoder_writefield(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	struct h2_wr_key k = { .pid = pid };
	__u64 name = 0, nlen = 0, value = 0, vlen = 0;
	struct h2_event *e;
	struct h2_wr *wr;

	if (!cfg)
		return 0;
	k.goid = go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset);
	wr = bpf_map_lookup_elem(&h2_writes, &k);
	if (!wr)
		return 0; /* a client's request headers, or anything else */
	if (go_read_arg(ctx, &cfg->enc_name, &name) || go_read_arg(ctx, &cfg->enc_name_len, &nlen) ||
	    go_read_arg(ctx, &cfg->enc_value, &value) || go_read_arg(ctx, &cfg->enc_value_len, &vlen))
		return 0;
	e = reserve(H2_RESP_FIELD, pid, wr->gen, k.goid, wr->framer, wr->stream_id);
	if (!e)
		return 0;
	e->name_len = go_len_u32(nlen);
	e->value_len = go_len_u32(vlen);
	GO_READ_STR(e->name, H2_NAME, name, nlen);
	GO_READ_STR(e->value, H2_VALUE, value, vlen);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* func (f *Framer) WriteDataPadded(streamID uint32, endStream bool, data, pad []byte) error */
SEC("uprobe")
int uprobe_http2_framer_writedatapadded(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 f = 0, stream = 0, end = 0, len = 0;
	struct h2_event *e;

	if (!cfg || go_read_arg(ctx, &cfg->wd_f, &f) || go_read_arg(ctx, &cfg->wd_stream, &stream) ||
	    go_read_arg(ctx, &cfg->wd_end, &end) || go_read_arg(ctx, &cfg->wd_len, &len))
		return 0;
	e = reserve(H2_DATA_OUT, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), f, (__u32)stream);
	if (!e)
		return 0;
	e->n = len;
	e->end_stream = (__u8)(end & 1);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* func (sc *serverConn) processData(f *DataFrame) error */
SEC("uprobe")
int uprobe_http2_serverconn_processdata(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 sc = 0, f = 0, framer = 0, data[2] = {};
	__u32 stream = 0;
	__u8 flags = 0;
	struct h2_event *e;

	if (!cfg || go_read_arg(ctx, &cfg->pd_sc, &sc) || go_read_arg(ctx, &cfg->pd_f, &f) || !sc || !f)
		return 0;
	if (bpf_probe_read_user(&framer, sizeof(framer), (void *)(sc + cfg->sc_framer)) ||
	    bpf_probe_read_user(&stream, sizeof(stream), (void *)(f + cfg->fh_stream)) ||
	    bpf_probe_read_user(&flags, sizeof(flags), (void *)(f + cfg->fh_flags)) ||
	    bpf_probe_read_user(data, sizeof(data), (void *)(f + cfg->df_data)))
		return 0;
	e = reserve(H2_DATA_IN, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), framer, stream);
	if (!e)
		return 0;
	e->n = data[1];
	e->end_stream = flags & 1;
	bpf_ringbuf_submit(e, 0);
	return 0;
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

/* func (cc *ClientConn) writeHeader(name, value string): one request field as
 * encodeHeaders encodes it. The stream id is not known here; writeHeaders, next
 * on this goroutine (cc.wmu is held throughout), gives it.
 */
SEC("uprobe")
int uprobe_http2_clientconn_writeheader(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 cc = 0, fr = 0, name = 0, nlen = 0, value = 0, vlen = 0;
	struct h2_event *e;

	if (!cfg || go_read_arg(ctx, &cfg->hf_cc, &cc) || !cc ||
	    go_read_arg(ctx, &cfg->hf_name, &name) || go_read_arg(ctx, &cfg->hf_name_len, &nlen) ||
	    go_read_arg(ctx, &cfg->hf_value, &value) || go_read_arg(ctx, &cfg->hf_value_len, &vlen) ||
	    bpf_probe_read_user(&fr, sizeof(fr), (void *)(cc + cfg->cc_fr)))
		return 0;
	e = reserve(H2_CREQ_FIELD, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), fr, 0);
	if (!e)
		return 0;
	e->name_len = go_len_u32(nlen);
	e->value_len = go_len_u32(vlen);
	GO_READ_STR(e->name, H2_NAME, name, nlen);
	GO_READ_STR(e->value, H2_VALUE, value, vlen);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* func (cc *ClientConn) writeHeaders(streamID uint32, endStream bool, maxFrameSize int, hdrs []byte) error */
SEC("uprobe")
int uprobe_http2_clientconn_writeheaders(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 cc = 0, fr = 0, stream = 0, end = 0;
	struct h2_event *e;

	if (!cfg || go_read_arg(ctx, &cfg->wh_cc, &cc) || !cc || go_read_arg(ctx, &cfg->wh_stream, &stream) ||
	    go_read_arg(ctx, &cfg->wh_end, &end) || bpf_probe_read_user(&fr, sizeof(fr), (void *)(cc + cfg->cc_fr)))
		return 0;
	e = reserve(H2_CREQ_BEGIN, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), fr, (__u32)stream);
	if (!e)
		return 0;
	e->end_stream = (__u8)(end & 1);
	conn_info(cfg, cc, cfg->cc_tconn, e);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* func (rl *clientConnReadLoop) handleResponse(cs *clientStream, f *MetaHeadersFrame) (*Response, error) */
SEC("uprobe")
int uprobe_http2_clientconnreadloop_handleresponse(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 rl = 0, f = 0, fr;

	if (!cfg || go_read_arg(ctx, &cfg->hr_rl, &rl) || go_read_arg(ctx, &cfg->hr_f, &f) || !f)
		return 0;
	fr = rl_framer(cfg, rl);
	if (fr)
		emit_headers(ctx, cfg, H2_CRESP_BEGIN, H2_CRESP_FIELD, pid, (__u32)bpf_get_attach_cookie(ctx), fr, f, 0, 0);
	return 0;
}

/* func (rl *clientConnReadLoop) processData(f *DataFrame) error */
SEC("uprobe")
int uprobe_http2_clientconnreadloop_processdata(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 rl = 0, f = 0, fr, data[2] = {};
	__u32 stream = 0;
	__u8 flags = 0;
	struct h2_event *e;

	if (!cfg || go_read_arg(ctx, &cfg->cpd_rl, &rl) || go_read_arg(ctx, &cfg->cpd_f, &f) || !f)
		return 0;
	fr = rl_framer(cfg, rl);
	if (!fr || bpf_probe_read_user(&stream, sizeof(stream), (void *)(f + cfg->fh_stream)) ||
	    bpf_probe_read_user(&flags, sizeof(flags), (void *)(f + cfg->fh_flags)) ||
	    bpf_probe_read_user(data, sizeof(data), (void *)(f + cfg->df_data)))
		return 0;
	e = reserve(H2_CDATA_IN, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), fr, stream);
	if (!e)
		return 0;
	e->n = data[1];
	e->end_stream = flags & 1;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* func (f *Framer) WriteRSTStream(streamID uint32, code ErrCode) error: this side resets a stream. */
SEC("uprobe")
int uprobe_http2_framer_writerststream(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 f = 0, stream = 0, code = 0;
	struct h2_event *e;

	if (!cfg || go_read_arg(ctx, &cfg->rst_f, &f) || go_read_arg(ctx, &cfg->rst_stream, &stream) ||
	    go_read_arg(ctx, &cfg->rst_code_arg, &code))
		return 0;
	e = reserve(H2_RST_OUT, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), f, (__u32)stream);
	if (!e)
		return 0;
	e->n = (__u32)code;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* An RST_STREAM frame received: its stream id and error code. */
static __always_inline void emit_rst_in(struct pt_regs *ctx, const struct h2_cfg *cfg, __u32 pid, __u64 fr, __u64 f)
{
	__u32 stream = 0, code = 0;
	struct h2_event *e;

	if (!fr || !f || bpf_probe_read_user(&stream, sizeof(stream), (void *)(f + cfg->fh_stream)) ||
	    bpf_probe_read_user(&code, sizeof(code), (void *)(f + cfg->rst_code)))
		return;
	e = reserve(H2_RST_IN, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), fr, stream);
	if (!e)
		return;
	e->n = code;
	bpf_ringbuf_submit(e, 0);
}

/* func (sc *serverConn) processResetStream(f *RSTStreamFrame) error */
SEC("uprobe")
int uprobe_http2_serverconn_processresetstream(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 sc = 0, f = 0, fr = 0;

	if (!cfg || go_read_arg(ctx, &cfg->spr_sc, &sc) || go_read_arg(ctx, &cfg->spr_f, &f) || !sc ||
	    bpf_probe_read_user(&fr, sizeof(fr), (void *)(sc + cfg->sc_framer)))
		return 0;
	emit_rst_in(ctx, cfg, pid, fr, f);
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

static __always_inline void emit_conn_closed(struct pt_regs *ctx, const struct h2_cfg *cfg, __u32 pid, __u64 fr)
{
	struct h2_event *e;

	if (!fr)
		return;
	e = reserve(H2_CONN_CLOSED, pid, (__u32)bpf_get_attach_cookie(ctx), go_goid(go_current_g(ctx, cfg->regabi), cfg->goid_offset), fr, 0);
	if (e)
		bpf_ringbuf_submit(e, 0);
}

/* func (sc *serverConn) closeAllStreamsOnConnClose(): serve's deferred end; a
 * client that went away without RST_STREAM leaves its streams open until here.
 */
SEC("uprobe")
int uprobe_http2_serverconn_closeallstreamsonconnclose(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 sc = 0, fr = 0;

	if (!cfg || go_read_arg(ctx, &cfg->cac_sc, &sc) || !sc ||
	    bpf_probe_read_user(&fr, sizeof(fr), (void *)(sc + cfg->sc_framer)))
		return 0;
	emit_conn_closed(ctx, cfg, pid, fr);
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
