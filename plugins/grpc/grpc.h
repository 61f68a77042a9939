/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between grpc.bpf.c and user space (plugins/grpc/layout.ts mirrors
 * these layouts byte for byte). Needs go_abi.h, go_conn.h, go_tls_seq.h and
 * go_hdr_block.h first.
 */
#ifndef __GRPC_H
#define __GRPC_H

enum gr_kind {
	GR_REQ_HDRS = 0, /* (*http2Server).operateHeaders: the request block, stream id, the conn */
	GR_OUT_HDRS = 1, /* (*loopyWriter).writeHeader: a block a side sends (client: and its conn) */
	GR_IN_HDRS = 2,  /* (*http2Client).operateHeaders: response headers or trailers */
	GR_DATA_IN = 3,  /* (*http2{Server,Client}).handleData: DATA payload bytes, messages begun */
	GR_MSG_OUT = 4,  /* (*http2{Server,Client}).Write: one message sent, prefix + payload bytes */
	GR_CLOSE = 5,    /* the stream ended without trailers: server got RST_STREAM (n = its code),
			  * or the client closed it (end_stream = it sent RST_STREAM, n = its code) */
};

/* DATA_IN also counts the gRPC messages whose 5-byte prefix (flag, 4-byte
 * big-endian length) completes in the frame; the walk carries over frames.
 */
struct gr_msg_key {
	__u32 pid;
	__u32 stream;
	__u64 conn;
};

struct gr_msg_state {
	__u32 rem;  /* payload bytes of the current message still to come */
	__u32 plen; /* the length prefix read so far */
	__u32 have; /* prefix bytes read so far (0..4; 5 completes it) */
};

/* Per pid: offsets of grpc-go's transport structs and where its functions
 * keep their arguments. The connection's key is the data word of the
 * net.Conn both sides hold: http2Server.conn and
 * loopyWriter.framer.writer.conn are the same value (newHTTP2Server).
 */
struct gr_cfg {
	struct go_conn_offsets conn; /* iface_off = tls.Conn.conn */
	__u64 tls_itab;    /* go.itab.*crypto/tls.Conn,net.Conn at run time; 0: unknown */
	__u64 wrap_itab;   /* go.itab.*.../internal/credentials.syscallConn,net.Conn; 0: unknown */
	__u64 bufr_itab;   /* go.itab.*bufio.Reader,io.Reader: the framer reads through one; 0: unknown */
	__u32 goid_offset;
	__u32 srv_conn;    /* http2Server.conn (net.Conn) */
	__u32 wrap_conn;   /* syscallConn.Conn (the embedded net.Conn) */
	__u32 lw_side;     /* loopyWriter.side (int: 0 client, 1 server) */
	__u32 lw_framer;   /* loopyWriter.framer (*framer) */
	__u32 fr_writer;   /* framer.writer (*bufWriter) */
	__u32 bw_conn;     /* bufWriter.conn (net.Conn) */
	__u32 mhf_headers; /* http2.MetaHeadersFrame.HeadersFrame (*HeadersFrame) */
	__u32 mhf_fields;  /* http2.MetaHeadersFrame.Fields ([]hpack.HeaderField) */
	__u32 fh_stream;   /* http2.FrameHeader.StreamID, FrameHeader first in HeadersFrame and DataFrame */
	__u32 df_data;     /* http2.DataFrame.data ([]byte) */
	__u32 st_id;       /* transport.Stream.id (uint32) */
	__u32 cli_conn;    /* http2Client.conn (net.Conn) */
	__u32 rst_code;    /* http2.RSTStreamFrame.ErrCode (uint32) */
	__u32 fh_flags;    /* http2.FrameHeader.Flags (uint8) */
	/* TCP seqs (docs/tcp-seqs.md); 0 where unknown, and that seq is reported unknown. */
	__u32 fh_length;   /* http2.FrameHeader.Length (uint32) */
	__u32 srv_framer;  /* http2Server.framer (*framer) */
	__u32 cli_framer;  /* http2Client.framer (*framer) */
	__u32 fr_fr;       /* framer.fr (*http2.Framer) */
	__u32 h2fr_r;      /* http2.Framer.r (io.Reader: a *bufio.Reader over the conn, or the conn) */
	__u32 bw_offset;   /* bufWriter.offset (int): bytes buffered */
	__u32 br_r;        /* bufio.Reader.r, .w */
	__u32 br_w;
	/* The status a client's closeStream is given, when st_known (docs/grpc.md, Status at a reset). */
	__u32 st_s;        /* grpc internal/status.Status.s (*spb.Status) */
	__u32 spb_code;    /* genproto googleapis/rpc/status.Status.Code (int32) */
	__u32 bw_batch;    /* bufWriter.batchSize (int): a flush holds up to twice that */
	struct go_tls_write_offsets tls_w; /* a block past a TLS write's first record (go_tls13_write_seq) */
	struct go_tls_seq_offsets tls_seq;
	__u8 regabi;
	__u8 st_known;     /* st_s and spb_code are known */
	__u8 _pad[6];
	location_t oh_t; /* (*http2Server).operateHeaders(frame *MetaHeadersFrame, ...) */
	location_t oh_frame;
	location_t wh_l; /* (*loopyWriter).writeHeader(streamID, endStream, hf, onWrite) */
	location_t wh_stream;
	location_t wh_end;
	location_t wh_hf;
	location_t wh_hf_len;
	location_t hd_t; /* (*http2Server).handleData(f *DataFrame) */
	location_t hd_f;
	location_t w_t; /* (*http2Server).Write(s *Stream, hdr, data []byte, opts) */
	location_t w_s;
	location_t w_hdr_len;
	location_t w_data_len;
	location_t coh_t; /* (*http2Client).operateHeaders(frame *MetaHeadersFrame) */
	location_t coh_frame;
	location_t chd_t; /* (*http2Client).handleData(f *DataFrame) */
	location_t chd_f;
	location_t cw_t; /* (*http2Client).Write(s *Stream, hdr, data []byte, opts) */
	location_t cw_s;
	location_t cw_hdr_len;
	location_t cw_data_len;
	location_t cs_t; /* (*http2Client).closeStream(s, err, rst, rstCode, st, mdata, eosReceived) */
	location_t cs_s;
	location_t cs_rst;
	location_t cs_code;
	location_t cs_st;
	location_t rs_t; /* (*http2Server).handleRSTStream(f *RSTStreamFrame) */
	location_t rs_f;
	struct go_rodata rodata; /* header strings there go as references (go_hdr_block.h) */
};

/* Both records begin alike, up to end_stream: user space reads kind first. */

/* DATA_IN, MSG_OUT, CLOSE. */
struct gr_event {
	__u64 ts;
	__s64 goid;
	__u64 conn;     /* data word of the connection's net.Conn: its key; a server's: its *http2Server (gr_hdr_event.transport) */
	__u32 pid;
	__u32 stream_id;
	__u8 kind;      /* enum gr_kind */
	__u8 side;      /* 0 client, 1 server */
	__u8 end_stream;
	__u8 _pad;
	__u32 count;    /* DATA_IN: messages begun; a client's CLOSE: the grpc status code closeStream was given, plus one (0: unknown) */
	__u64 n;        /* DATA_IN, MSG_OUT: bytes; CLOSE: the RST_STREAM code */
};

/* REQ_HDRS, OUT_HDRS, IN_HDRS: one whole header block. Sent at its real
 * size (the block's used bytes), not sizeof: most blocks are a few hundred
 * bytes of the 4 KiB kept.
 */
struct gr_hdr_event {
	__u64 ts;
	__s64 goid;
	__u64 conn;
	__u32 pid;
	__u32 stream_id;
	__u8 kind;
	__u8 side;      /* OUT_HDRS: loopyWriter.side */
	__u8 end_stream;
	__u8 tls;       /* REQ_HDRS, client OUT_HDRS: 0 no, 1 yes, 2 unknown */
	__s32 fd;
	__u8 fd_why;    /* enum go_conn_fd_why */
	__u8 wrapped;   /* REQ_HDRS, client OUT_HDRS: the conn is grpc's credentials wrapper */
	__u8 seq_ok;    /* tcp_seq is known */
	__u8 _pad;
	__u32 tcp_seq;  /* the header block's wire seq (docs/tcp-seqs.md) */
	__u64 transport; /* REQ_HDRS: the *http2Server, which the server's other records carry as conn */
	struct go_conn_addrs addrs; /* REQ_HDRS, client OUT_HDRS */
	struct go_hdr_block b;
};

#endif /* __GRPC_H */
