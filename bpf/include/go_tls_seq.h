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

#endif /* __GOTRACE_GO_TLS_SEQ_H */
