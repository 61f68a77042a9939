/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between http2.bpf.c and user space (plugins/http2/layout.ts mirrors
 * these layouts byte for byte). Needs go_abi.h, go_conn.h, go_tls_seq.h and
 * go_hdr_block.h first.
 */
#ifndef __HTTP2_H
#define __HTTP2_H

enum h2_kind {
	/* Header records (struct h2_hdrs_event): the begin info and every field of one HEADERS. */
	H2_REQ_HEADERS = 0,   /* (*serverConn).processHeaders: the request, with the conn */
	H2_RESP_HEADERS = 1,  /* (*writeResHeaders).writeFrame's RET: status code, END_STREAM, the fields
			       * hpack.(*Encoder).WriteField encoded meanwhile on that goroutine */
	H2_CREQ_HEADERS = 2,  /* (*ClientConn).writeHeaders: stream id, END_STREAM, the conn, and the fields
			       * (*ClientConn).writeHeader encoded before it on this goroutine */
	H2_CRESP_HEADERS = 3, /* (*clientConnReadLoop).handleResponse: the response (or trailers), END_STREAM */
	/* Plain records (struct h2_event alone). */
	H2_DATA_OUT = 4,   /* (*Framer).WriteDataPadded: body bytes written, END_STREAM */
	H2_DATA_IN = 5,    /* (*serverConn).processData: request body bytes */
	H2_CDATA_IN = 6,   /* (*clientConnReadLoop).processData: response body bytes, END_STREAM */
	H2_RST_OUT = 7,    /* (*Framer).WriteRSTStream: this side resets the stream; n = error code */
	H2_RST_IN = 8,     /* processResetStream (server or client): the peer reset it; n = error code */
	H2_CONN_CLOSED = 9, /* the connection is gone: (*serverConn).closeAllStreamsOnConnClose, (*clientConnReadLoop).cleanup */
};

/* Per (pid, generation): offsets of one http2 copy's structs and where its
 * functions keep their arguments. A binary may hold two copies (net/http's
 * bundled one and golang.org/x/net/http2); the attach cookie says which.
 */
struct h2_cfg_key {
	__u32 pid;
	__u32 gen;
};

struct h2_cfg {
	struct go_conn_offsets conn; /* iface_off = tls.Conn.conn */
	__u64 tls_itab;    /* runtime address of go.itab.*crypto/tls.Conn,net.Conn; 0: unknown */
	__u32 goid_offset;
	__u32 sc_conn;     /* serverConn.conn (net.Conn) */
	__u32 sc_framer;   /* serverConn.framer (*Framer): the connection's key */
	__u32 mhf_headers; /* MetaHeadersFrame.HeadersFrame (*HeadersFrame) */
	__u32 mhf_fields;  /* MetaHeadersFrame.Fields ([]hpack.HeaderField) */
	__u32 fh_stream;   /* FrameHeader.StreamID, FrameHeader first in HeadersFrame and DataFrame */
	__u32 df_data;     /* DataFrame.data ([]byte) */
	__u32 wrh_stream;  /* writeResHeaders.streamID */
	__u32 wrh_code;    /* writeResHeaders.httpResCode (int) */
	__u32 wrh_end;     /* writeResHeaders.endStream (bool) */
	__u32 cc_tconn;    /* ClientConn.tconn (net.Conn) */
	__u32 cc_fr;       /* ClientConn.fr (*Framer): the client connection's key */
	__u32 rl_cc;       /* clientConnReadLoop.cc (*ClientConn) */
	__u32 fh_flags;    /* FrameHeader.Flags (uint8; END_STREAM is 0x1) */
	__u32 rst_code;    /* RSTStreamFrame.ErrCode (uint32) */
	__u32 wrap_conn;   /* h2c.bufConn.Conn: the net.Conn a wrapper embeds */
	/* TCP seqs (docs/tcp-seqs.md); 0 where unknown, and that seq is reported unknown. */
	__u32 fh_length;   /* FrameHeader.Length (uint32) */
	__u32 cc_bw;       /* ClientConn.bw (*bufio.Writer) */
	__u32 cc_br;       /* ClientConn.br (*bufio.Reader) */
	__u32 sc_bw;       /* serverConn.bw (*bufferedWriter) */
	__u32 bfw_bw;      /* bufferedWriter.bw (*bufio.Writer, nil between flushes) */
	__u32 bw_n;        /* bufio.Writer.n: bytes buffered */
	__u32 br_r;        /* bufio.Reader.r, .w: read and write positions in its buf */
	__u32 br_w;
	__u32 wrap_reader; /* h2c.bufConn.Reader (*bufio.Reader, nil once drained); 0: unknown, h2c request seqs null */
	__u32 bw_buf;      /* bufio.Writer.buf ([]byte): its len is what one flush holds */
	struct go_tls_write_offsets tls_w; /* a HEADERS frame past a TLS write's first record (go_tls13_write_seq) */
	struct go_tls_seq_offsets tls_seq;
	__u8 regabi;
	__u8 _pad[3];
	__u64 wrap_itab;   /* runtime address of go.itab.*h2c.bufConn,net.Conn; 0: none or unknown */
	location_t ph_sc; /* (*serverConn).processHeaders(f *MetaHeadersFrame) */
	location_t ph_f;
	location_t wf_w; /* (*writeResHeaders).writeFrame(ctx writeContext): w, ctx.data */
	location_t wf_ctx;
	location_t wd_f; /* (*Framer).WriteDataPadded(streamID, endStream, data, pad) */
	location_t wd_stream;
	location_t wd_end;
	location_t wd_len;
	location_t pd_sc; /* (*serverConn).processData(f *DataFrame) */
	location_t pd_f;
	location_t enc_name; /* hpack.(*Encoder).WriteField(f HeaderField): Name, Value */
	location_t enc_name_len;
	location_t enc_value;
	location_t enc_value_len;
	location_t spr_sc; /* (*serverConn).processResetStream(f *RSTStreamFrame) */
	location_t spr_f;
	location_t wh_cc;  /* (*ClientConn).writeHeaders(streamID uint32, endStream bool, maxFrameSize int, hdrs []byte) */
	location_t wh_stream;
	location_t wh_end;
	location_t hf_cc;  /* (*ClientConn).writeHeader(name, value string) */
	location_t hf_name;
	location_t hf_name_len;
	location_t hf_value;
	location_t hf_value_len;
	location_t hr_rl;  /* (*clientConnReadLoop).handleResponse(cs *clientStream, f *MetaHeadersFrame) */
	location_t hr_f;
	location_t cpd_rl; /* (*clientConnReadLoop).processData(f *DataFrame) */
	location_t cpd_f;
	location_t cpr_rl; /* (*clientConnReadLoop).processResetStream(f *RSTStreamFrame) */
	location_t cpr_f;
	location_t rst_f;  /* (*Framer).WriteRSTStream(streamID uint32, code ErrCode) */
	location_t rst_stream;
	location_t rst_code_arg;
	location_t cac_sc; /* (*serverConn).closeAllStreamsOnConnClose() */
	location_t clc_rl; /* (*clientConnReadLoop).cleanup() */
	location_t wh_hdrs_len; /* len(hdrs) of (*ClientConn).writeHeaders */
	struct go_rodata rodata; /* header strings there go as references (go_hdr_block.h) */
};

/* Every record starts with this; data, reset and close records are only
 * this. The client's *Framer (ClientConn.fr) keys its connection as the
 * server's (serverConn.framer) does.
 */
struct h2_event {
	__u64 ts;
	__s64 goid;
	__u64 framer;   /* *Framer of the connection: its key */
	__u32 pid;
	__u32 stream_id;
	__u8 kind;      /* enum h2_kind */
	__u8 gen;
	__u8 tls;       /* request header records: 0 no, 1 yes, 2 unknown */
	__u8 fd_why;    /* enum go_conn_fd_why */
	__s32 fd;
	__u64 n;        /* DATA_*: bytes; RESP_HEADERS: status code; RST_*: error code */
	__u8 end_stream;
	__u8 seq_ok;    /* header records: tcp_seq is known */
	__u8 _pad[2];
	__u32 tcp_seq;  /* the HEADERS frame's wire seq (docs/tcp-seqs.md) */
};

/* One HEADERS block in one record, instead of an event per field: sent at
 * its real size, which ends where the block's packed data ends.
 */
struct h2_hdrs_event {
	struct h2_event h;
	struct go_conn_addrs addrs; /* request header records; zeros otherwise */
	struct go_hdr_block b;
};

/* Per-goroutine state (h2_writes, h2_creqs) is keyed by (pid, g): the
 * address of the goroutine's runtime.g is a register (R14) in register-ABI
 * code, while its goid is a memory read, and WriteField looks the state up
 * once per field. A g is reused by a later goroutine once its own has
 * exited; the state lives from one call's entry to its end on the goroutine
 * (each entry replaces what it finds), and the LRU maps age out the rest.
 */
struct h2_wr_key {
	__u32 pid;
	__u32 _pad;
	__u64 g;
};

/* A goroutine's response-header write (in progress while active); ev gathers its fields. */
struct h2_wr {
	__u64 framer;
	__u64 code;
	__u64 sc;        /* the *serverConn: its bufio.Writer again at the RET */
	__u64 sk;        /* the socket (struct sock *), 0 when unknown */
	__u64 tls_conn;  /* the *tls.Conn, 0 when not TLS */
	__u32 stream_id;
	__u8 end_stream;
	__u8 gen;
	__u8 tls;        /* 1: the conn is a *tls.Conn */
	__u8 active;     /* between writeFrame's entry and its RET; the entry stays for the goroutine's next one */
	__u32 write_seq; /* the socket's write_seq at the entry */
	__u32 buffered;  /* bytes already in the bufio.Writer at the entry */
	struct h2_hdrs_event ev;
};

#endif /* __HTTP2_H */
