/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The wire sequence of the TLS record a *crypto/tls.Conn is reading from,
 * found from the Conn's own state, with no probe on the read path.
 *
 * crypto/tls decrypts a record in place (halfConn.decrypt opens into
 * payload[:0], Go 1.13 to today), so the plaintext in Conn.input (a
 * bytes.Reader) points into Conn.rawInput.buf, just past the record's header
 * (5 bytes, 13 with TLS 1.2 AES-GCM's explicit nonce, 21 with a CBC IV).
 * Every byte of rawInput.buf came from the socket in order, and its last one
 * is the byte before the socket's copied_seq. So the record starts at
 * copied_seq - (len(rawInput.buf) - (header - rawInput.buf)).
 *
 * The header candidate must read as an application-data record (type 23,
 * version 3.3) long enough to hold the plaintext; otherwise the answer is
 * "unknown", never a guess. Valid only while nobody reads the Conn, which the
 * callers' Go code guarantees (docs/tcp-seqs.md). Needs go_conn.h first.
 */
#ifndef __GOTRACE_GO_TLS_SEQ_H
#define __GOTRACE_GO_TLS_SEQ_H

struct go_tls_seq_offsets {
	__u32 raw_input; /* crypto/tls.Conn.rawInput (bytes.Buffer, whose buf []byte is first) */
	__u32 input;     /* crypto/tls.Conn.input (bytes.Reader: s []byte first) */
	__u32 reader_i;  /* bytes.Reader.i (int64): plaintext bytes already read */
};

/* 0 and *seq, *consumed (plaintext of the record already read) when proven; -1 otherwise. */
static __always_inline int go_tls_record_seq(__u64 tls_conn, const struct go_tls_seq_offsets *o, struct sock *sk, __u32 *seq, __u64 *consumed)
{
	const __u32 header_gaps[3] = { 5, 13, 21 };
	__u64 raw[2] = {}, in[2] = {}, i = 0;

	if (!tls_conn || !sk || !o->raw_input || !o->input ||
	    bpf_probe_read_user(raw, sizeof(raw), (void *)(tls_conn + o->raw_input)) ||
	    bpf_probe_read_user(in, sizeof(in), (void *)(tls_conn + o->input)) ||
	    bpf_probe_read_user(&i, sizeof(i), (void *)(tls_conn + o->input + o->reader_i)))
		return -1;
	if (!raw[0] || !in[0] || in[0] < raw[0] || in[0] + in[1] > raw[0] + raw[1] || raw[1] > (1 << 24) || i > in[1])
		return -1;
	for (int k = 0; k < 3; k++) {
		__u64 hdr_at = in[0] - header_gaps[k];
		__u8 h[5] = {};
		__u64 end;

		if (hdr_at < raw[0] || bpf_probe_read_user(h, sizeof(h), (void *)hdr_at))
			continue;
		end = hdr_at + 5 + (((__u64)h[3] << 8) | h[4]);
		if (h[0] != 23 || h[1] != 3 || h[2] != 3 || end < in[0] + in[1] || end > raw[0] + raw[1])
			continue;
		*seq = go_tcp_copied_seq(sk) - (__u32)(raw[0] + raw[1] - hdr_at);
		*consumed = i;
		return 0;
	}
	return -1;
}

/* A frame in the first record of a TLS write: Go sizes a write's first
 * record to about one MSS (crypto/tls maxPayloadSizeForWrite: at least 1,186
 * bytes of plaintext), so a frame ending within 1,024 bytes of the write's
 * start is in it.
 */
#define GO_TLS_FIRST_RECORD 1024

/* Reader side: the wire seq of a frame of frame_len bytes (header included)
 * just read from socket sk, straight (br == 0) or through the bufio.Reader br
 * whose unread bytes [r, w) follow the frame. TLS (tls_conn != 0): the record
 * holding the frame, which must lie in the part of it already read; plain:
 * the frame's first byte. 0 and *seq when proven, -1 otherwise.
 */
static __always_inline int go_read_frame_seq(__u64 tls_conn, struct sock *sk, __u64 br, __u32 br_r, __u32 br_w,
					     const struct go_tls_seq_offsets *o, __u64 frame_len, __u32 *seq)
{
	__u64 after = 0, r = 0, w = 0, consumed = 0;

	if (!sk || !frame_len)
		return -1;
	if (br) {
		/* r and w are adjacent ints in every bufio.Reader: one read then. */
		__u64 rw[2];

		if (!br_w)
			return -1;
		if (br_w == br_r + 8) {
			if (bpf_probe_read_user(rw, sizeof(rw), (void *)(br + br_r)))
				return -1;
			r = rw[0];
			w = rw[1];
		} else if (bpf_probe_read_user(&r, sizeof(r), (void *)(br + br_r)) ||
			   bpf_probe_read_user(&w, sizeof(w), (void *)(br + br_w))) {
			return -1;
		}
		if (w < r)
			return -1;
		after = w - r;
	}
	if (!tls_conn) {
		*seq = go_tcp_copied_seq(sk) - (__u32)(after + frame_len);
		return 0;
	}
	if (go_tls_record_seq(tls_conn, o, sk, seq, &consumed) || after + frame_len > consumed)
		return -1;
	return 0;
}

/* Writer side: a frame of at most frame_bound bytes goes into a buffer behind
 * `buffered` bytes, none of which is on the wire yet. Plain: its first byte
 * is write_seq + buffered. TLS: the flush starts a record at write_seq, which
 * holds the frame when it ends within the first record.
 */
static __always_inline int go_write_frame_seq(bool tls, struct sock *sk, __u64 buffered, __u64 frame_bound, __u32 *seq)
{
	if (!sk)
		return -1;
	if (!tls) {
		*seq = go_tcp_write_seq(sk) + (__u32)buffered;
		return 0;
	}
	if (buffered + frame_bound > GO_TLS_FIRST_RECORD)
		return -1;
	*seq = go_tcp_write_seq(sk);
	return 0;
}

/* Writer side beyond the first record. crypto/tls's writeRecordLocked cuts
 * a Write into records of maxPayloadSizeForWrite() bytes each, sending each
 * as it is sealed: with dynamic record sizing (the default), until bytesSent
 * reaches 128 KiB, record number packetsSent carries
 * min(payloadBytes * (packetsSent + 1), 16384) bytes and bumps packetsSent,
 * after that 16384. For TLS 1.3 payloadBytes is 1208 (tcpMSSEstimate) - 5
 * (header) - 16 (AES-GCM's and ChaCha20-Poly1305's tag) - 1 (the inner
 * content type) = 1186, and a record adds 22 bytes on the wire. TLS 1.2's
 * overhead depends on the cipher, so only TLS 1.3 is computed here.
 * https://github.com/golang/go/blob/go1.19/src/crypto/tls/conn.go (maxPayloadSizeForWrite, writeRecordLocked)
 */
#define GO_TLS13_PAYLOAD 1186
#define GO_TLS13_RECORD_EXTRA 22
#define GO_TLS_MAX_PLAINTEXT 16384
#define GO_TLS_BOOST_AFTER (128 * 1024)
#define GO_TLS_WRITE_RECORDS 64 /* records walked: >1 MiB into a write */

struct go_tls_write_offsets {
	__u32 vers;         /* crypto/tls.Conn.vers (uint16) */
	__u32 bytes_sent;   /* crypto/tls.Conn.bytesSent (int64), packetsSent right after it */
	__u32 packets_sent; /* crypto/tls.Conn.packetsSent (int64) */
	__u32 config;       /* crypto/tls.Conn.config (*Config) */
	__u32 dyn_off;      /* crypto/tls.Config.DynamicRecordSizingDisabled (bool) */
};

/* One record of the walk below, as bpf_loop's callback: verified once,
 * where an unrolled or bounded loop with these branches outgrew the
 * verifier's budget inside the programs that call it.
 */
struct go_tls_write_walk {
	__u64 off, len; /* the bytes looked for, in the Write's data */
	__u64 pos;      /* data bytes before the current record */
	__u64 sent, pkts;
	__u32 seq;      /* the current record's wire seq */
	__u8 fixed;     /* DynamicRecordSizingDisabled */
	__s8 found;     /* 1 found, -1 split across records, 0 not yet */
};

static long go_tls_write_step(__u64 i, void *ctx)
{
	struct go_tls_write_walk *w = ctx;
	__u64 m = GO_TLS_MAX_PLAINTEXT;

	if (!w->fixed && w->sent < GO_TLS_BOOST_AFTER) {
		if (w->pkts <= 1000 && GO_TLS13_PAYLOAD * (w->pkts + 1) < m)
			m = GO_TLS13_PAYLOAD * (w->pkts + 1);
		w->pkts++;
	}
	if (w->off < w->pos + m) {
		w->found = w->off + w->len > w->pos + m ? -1 : 1;
		return 1;
	}
	w->pos += m;
	w->seq += (__u32)(m + GO_TLS13_RECORD_EXTRA);
	w->sent += m + GO_TLS13_RECORD_EXTRA;
	return 0;
}

/* The wire seq of the record a Write about to start on tls_conn puts the
 * bytes [off, off + len) of its data in, when they all land in one record;
 * valid while nothing else writes to the Conn before that Write (the
 * caller's Go code guarantees it). 0 and *seq when proven, -1 otherwise.
 */
static __always_inline int go_tls13_write_seq(__u64 tls_conn, const struct go_tls_write_offsets *o, struct sock *sk, __u64 off, __u64 len, __u32 *seq)
{
	struct go_tls_write_walk w = { .off = off, .len = len };
	__u64 counts[2] = {}, config = 0;
	__u16 vers = 0;

	if (!tls_conn || !sk || !o->bytes_sent || o->packets_sent != o->bytes_sent + 8 || !o->vers || !o->config || !o->dyn_off ||
	    bpf_probe_read_user(&vers, sizeof(vers), (void *)(tls_conn + o->vers)) || vers != 0x0304 ||
	    bpf_probe_read_user(counts, sizeof(counts), (void *)(tls_conn + o->bytes_sent)) ||
	    bpf_probe_read_user(&config, sizeof(config), (void *)(tls_conn + o->config)) || !config ||
	    bpf_probe_read_user(&w.fixed, sizeof(w.fixed), (void *)(config + o->dyn_off)))
		return -1;
	w.sent = counts[0];
	w.pkts = counts[1];
	w.seq = go_tcp_write_seq(sk);
	bpf_loop(GO_TLS_WRITE_RECORDS, go_tls_write_step, &w, 0);
	if (w.found != 1)
		return -1;
	*seq = w.seq;
	return 0;
}

#endif /* __GOTRACE_GO_TLS_SEQ_H */
