// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* HTTP/2 streams of Go's http2 (net/http's bundled copy or
 * golang.org/x/net/http2), read from the structs the library already decoded.
 * Server: request header fields at (*serverConn).processHeaders, response
 * header fields at the hpack encoder while (*writeResHeaders).writeFrame runs
 * on the same goroutine, body sizes from (*Framer).WriteDataPadded (or
 * startWriteDataPadded, which x/net 0.7's server calls directly) and
 * (*serverConn).processData. Client (http2_client.h): request fields at (*ClientConn).writeHeader
 * as they are encoded, the stream id at (*ClientConn).writeHeaders, response
 * fields at (*clientConnReadLoop).handleResponse, body sizes from
 * WriteDataPadded and (*clientConnReadLoop).processData. Resets: RST_STREAM
 * written ((*Framer).WriteRSTStream) or received (processResetStream); a
 * connection's end reports its unanswered streams.
 * One record per HEADERS block, with every field (go_hdr_block.h): request
 * and client response blocks are read whole from the decoded frame; response
 * and client request fields, encoded one call at a time, gather in a
 * per-goroutine map value until the call that sends the block. User space
 * assembles streams keyed by (pid, *Framer, stream id): one Framer per
 * connection, on either side.
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
#include "go_ring_wake.h"
#include "go_h2_frame.h"
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

/* Response header writes, each gathering its fields (4.6 KiB a value): one
 * entry per goroutine that writes them, kept between its writes (see
 * writeFrame's entry). LRU: the entries of goroutines that are gone, and of
 * a writeFrame that never reached its RET, age out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2048);
	__type(key, struct h2_wr_key);
	__type(value, struct h2_wr);
} h2_writes SEC(".maps");

/* Client request fields encoded on a goroutine, waiting for the
 * writeHeaders that gives their stream id (cc.wmu is held between them, so
 * few wait at once). LRU: an encodeHeaders that fails leaves its fields here.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct h2_wr_key);
	__type(value, struct h2_hdrs_event);
} h2_creqs SEC(".maps");

/* A []hpack.HeaderField is copied here in one read (go_hdr_block_from_fields). */
struct h2_hf {
	__u64 w[GO_HDR_HF_BYTES / 8];
	struct go_hdr_window win; /* and its strings */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct h2_hf);
} h2_hf_scratch SEC(".maps");

/* A header record is built here: far past the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct h2_wr);
} h2_scratch SEC(".maps");

static __always_inline struct h2_cfg *cfg_of(struct pt_regs *ctx, __u32 pid)
{
	struct h2_cfg_key k = { .pid = pid, .gen = (__u32)bpf_get_attach_cookie(ctx) };

	return bpf_map_lookup_elem(&h2_procs, &k);
}

#include "http2_emit.h"

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
	/* The server's framer reads straight from the conn: no bufio.Reader. */
	emit_headers(ctx, cfg, H2_REQ_HEADERS, pid, gen, framer, f, sc, cfg->sc_conn, 0);
	return 0;
}

/* The server's bufio.Writer: sc.bw (a *bufferedWriter) .bw, nil between flushes. */
static __always_inline __s64 server_buffered(const struct h2_cfg *cfg, __u64 sc)
{
	__u64 bfw = 0, bw = 0;

	if (!cfg->sc_bw || !cfg->bfw_bw || bpf_probe_read_user(&bfw, sizeof(bfw), (void *)(sc + cfg->sc_bw)) || !bfw ||
	    bpf_probe_read_user(&bw, sizeof(bw), (void *)(bfw + cfg->bfw_bw)))
		return -1;
	return buffered(cfg, bw);
}

/* A response HEADERS write begins: the socket's write_seq and what the
 * bufio.Writer already holds ahead of the frame.
 */
static __always_inline void write_start(const struct h2_cfg *cfg, __u32 pid, __u64 sc, struct h2_wr *wr)
{
	struct go_conn_cached v = {};
	__s64 n;

	conn_view(cfg, pid, sc, cfg->sc_conn, &v);
	n = server_buffered(cfg, sc);
	if (!v.c.sk || n < 0)
		return;
	wr->sk = (__u64)v.c.sk;
	wr->tls = v.c.tls_conn != 0;
	wr->tls_conn = v.c.tls_conn;
	wr->write_seq = go_tcp_write_seq(v.c.sk);
	wr->buffered = (__u32)n;
}

/* ... and ends: plain, the frame's first byte is write_seq + buffered. TLS,
 * the next flush starts a record at write_seq, which holds the frame if
 * nothing was flushed meanwhile and the frame ends within its first record;
 * further in, the frame's bytes [buffered, n) of the flush are placed among
 * its records as crypto/tls will cut them (TLS 1.3): the serve goroutine is
 * the conn's only writer, and a flush sends the buffer from its start.
 */
static __always_inline void write_end(const struct h2_cfg *cfg, const struct h2_wr *wr, struct h2_event *e)
{
	struct sock *sk = (struct sock *)wr->sk;
	__s64 n;

	if (!sk)
		return;
	if (!wr->tls) {
		e->tcp_seq = wr->write_seq + wr->buffered;
		e->seq_ok = 1;
		return;
	}
	n = server_buffered(cfg, wr->sc);
	if (n < 0 || go_tcp_write_seq(sk) != wr->write_seq)
		return;
	if (n <= GO_TLS_FIRST_RECORD) {
		e->tcp_seq = wr->write_seq;
		e->seq_ok = 1;
	} else if (n > wr->buffered && !go_tls13_write_seq(wr->tls_conn, &cfg->tls_w, sk, wr->buffered, n - wr->buffered, &e->tcp_seq)) {
		e->seq_ok = 1;
	}
}

/* func (w *writeResHeaders) writeFrame(ctx writeContext) error; ctx's data is the *serverConn. */
SEC("uprobe")
int uprobe_http2_writeresheaders_writeframe(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	struct h2_wr_key k = { .pid = pid };
	__u64 w = 0, sc = 0, framer = 0, code = 0;
	__u32 stream = 0;
	__u8 end = 0;
	struct h2_wr *wr;

	if (!cfg || go_read_arg(ctx, &cfg->wf_w, &w) || go_read_arg(ctx, &cfg->wf_ctx, &sc) || !w || !sc)
		return 0;
	if (bpf_probe_read_user(&framer, sizeof(framer), (void *)(sc + cfg->sc_framer)) ||
	    bpf_probe_read_user(&stream, sizeof(stream), (void *)(w + cfg->wrh_stream)) ||
	    bpf_probe_read_user(&code, sizeof(code), (void *)(w + cfg->wrh_code)) ||
	    bpf_probe_read_user(&end, sizeof(end), (void *)(w + cfg->wrh_end)))
		return 0;
	/* The goroutine's entry from its last response is kept (the RET only
	 * marks it done) and filled in place: creating one copies the whole
	 * 4.6 KiB value in, and a server writes its responses' headers from
	 * the connection's serve goroutine, one g per connection, unless a write
	 * would not fit its buffer. Read into the stack first: a helper writing
	 * into a hash map's value costs more usercopy checks.
	 */
	k.g = go_current_g(ctx, cfg->regabi);
	wr = bpf_map_lookup_elem(&h2_writes, &k);
	if (!wr) {
		/* The map's value cannot come from the stack: any scratch will do, it is filled below. */
		struct h2_wr *s = scratch();

		if (!s || bpf_map_update_elem(&h2_writes, &k, s, BPF_ANY))
			return 0;
		wr = bpf_map_lookup_elem(&h2_writes, &k);
		if (!wr)
			return 0;
	}
	wr->framer = framer;
	wr->stream_id = stream;
	wr->code = code;
	wr->end_stream = end;
	wr->gen = (__u8)bpf_get_attach_cookie(ctx);
	wr->sc = sc;
	wr->sk = 0;
	wr->tls = 0;
	wr->tls_conn = 0;
	wr->write_seq = 0;
	wr->buffered = 0;
	write_start(cfg, pid, sc, wr);
	go_hdr_block_reset(&wr->ev.b);
	wr->active = 1;
	return 0;
}

/* The RET: the response HEADERS as one record, status and all its fields. */
SEC("uprobe")
int uprobe_http2_writeresheaders_writeframe_ret(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	struct h2_wr_key k = { .pid = pid };
	struct h2_wr *wr;

	if (!cfg)
		return 0;
	k.g = go_current_g(ctx, cfg->regabi);
	wr = bpf_map_lookup_elem(&h2_writes, &k);
	if (!wr || !wr->active)
		return 0;
	wr->active = 0;
	hdrs_init(&wr->ev, H2_RESP_HEADERS, pid, wr->gen, go_goid(k.g, cfg->goid_offset), wr->framer, wr->stream_id);
	wr->ev.h.n = wr->code;
	wr->ev.h.end_stream = wr->end_stream;
	write_end(cfg, wr, &wr->ev.h);
	emit_hdrs(&wr->ev);
	return 0;
}

/* func (e *Encoder) WriteField(f HeaderField) error: only inside a
 * writeResHeaders on this goroutine, whose record gathers the field.
 */
SEC("uprobe")
int uprobe_hpack_encoder_writefield(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	struct h2_wr_key k = { .pid = pid };
	__u64 name = 0, nlen = 0, value = 0, vlen = 0;
	struct h2_wr *wr;

	if (!cfg)
		return 0;
	k.g = go_current_g(ctx, cfg->regabi);
	wr = bpf_map_lookup_elem(&h2_writes, &k);
	if (!wr || !wr->active)
		return 0; /* a client's request headers, or anything else */
	if (go_read_arg(ctx, &cfg->enc_name, &name) || go_read_arg(ctx, &cfg->enc_name_len, &nlen) ||
	    go_read_arg(ctx, &cfg->enc_value, &value) || go_read_arg(ctx, &cfg->enc_value_len, &vlen))
		return 0;
	go_hdr_block_add(&wr->ev.b, &cfg->rodata, name, nlen, value, vlen);
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
	e = reserve_here(ctx, cfg, H2_DATA_OUT, pid, f, (__u32)stream);
	if (!e)
		return 0;
	e->n = len;
	e->end_stream = (__u8)(end & 1);
	submit(e);
	return 0;
}

/* func (sc *serverConn) processData(f *DataFrame) error */
SEC("uprobe")
int uprobe_http2_serverconn_processdata(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct h2_cfg *cfg = cfg_of(ctx, pid);
	__u64 sc = 0, f = 0, framer = 0;

	if (!cfg || go_read_arg(ctx, &cfg->pd_sc, &sc) || go_read_arg(ctx, &cfg->pd_f, &f) || !sc || !f ||
	    bpf_probe_read_user(&framer, sizeof(framer), (void *)(sc + cfg->sc_framer)))
		return 0;
	emit_data_in(ctx, cfg, H2_DATA_IN, pid, framer, f);
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
	e = reserve_here(ctx, cfg, H2_RST_OUT, pid, f, (__u32)stream);
	if (!e)
		return 0;
	e->n = (__u32)code;
	submit(e);
	return 0;
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

#include "http2_client.h"
