/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* x/net/http2 frames as Go holds them (and the copies net/http bundles and
 * grpc uses): a frame's head and a MetaHeadersFrame's words, each in one
 * read instead of one per field. Offsets come from DWARF or a version table;
 * where they fall outside what one read covers, field by field.
 * https://github.com/golang/net/blob/v0.7.0/http2/frame.go
 * Needs vmlinux.h and <bpf/bpf_helpers.h> first.
 */
#ifndef __GOTRACE_GO_H2_FRAME_H
#define __GOTRACE_GO_H2_FRAME_H

/* Where a FrameHeader's fields are: {valid bool; Type FrameType; Flags
 * Flags; Length uint32; StreamID uint32} in every x/net version; length 0:
 * unknown (not read).
 */
struct go_h2_fh_offsets {
	__u32 stream;
	__u32 length;
	__u32 flags;
};

/* Whether a FrameHeader's fields all lie in its first 16 bytes (one read). */
static __always_inline bool go_h2_head_in_16(const struct go_h2_fh_offsets *o)
{
	return o->stream <= 12 && o->length <= 12 && o->flags <= 15;
}

/* A FrameHeader's fields from h, a copy of its first 16 bytes with room for
 * a 4-byte load at any offset below 16 (go_h2_head_in_16).
 */
static __always_inline void go_h2_head_from(const __u8 *h, const struct go_h2_fh_offsets *o, __u32 *stream, __u32 *length, __u8 *flags)
{
	__builtin_memcpy(stream, h + (o->stream & 15), sizeof(*stream));
	if (o->length)
		__builtin_memcpy(length, h + (o->length & 15), sizeof(*length));
	*flags = h[o->flags & 15];
}

/* The FrameHeader at the start of a *HeadersFrame or *DataFrame at f. */
static __always_inline int go_h2_frame_head(__u64 f, const struct go_h2_fh_offsets *o, __u32 *stream, __u32 *length, __u8 *flags)
{
	__u8 h[24] = {}; /* 16 read, and room for a 4-byte load at any offset below 16 */

	if (go_h2_head_in_16(o)) {
		if (bpf_probe_read_user(h, 16, (void *)f))
			return -1;
		go_h2_head_from(h, o, stream, length, flags);
		return 0;
	}
	if (bpf_probe_read_user(stream, sizeof(*stream), (void *)(f + o->stream)) ||
	    bpf_probe_read_user(flags, sizeof(*flags), (void *)(f + o->flags)))
		return -1;
	if (o->length)
		bpf_probe_read_user(length, sizeof(*length), (void *)(f + o->length));
	return 0;
}

/* A *MetaHeadersFrame's *HeadersFrame and Fields slice ({*HeadersFrame;
 * Fields []hpack.HeaderField; Truncated bool}): one read when Fields follows
 * the embedded pointer.
 */
static __always_inline int go_h2_meta_frame(__u64 f, __u32 headers_off, __u32 fields_off, __u64 *hf, __u64 fields[2])
{
	__u64 w[3];

	if (fields_off == headers_off + 8) {
		if (bpf_probe_read_user(w, sizeof(w), (void *)(f + headers_off)))
			return -1;
		*hf = w[0];
		fields[0] = w[1];
		fields[1] = w[2];
		return 0;
	}
	return bpf_probe_read_user(hf, sizeof(*hf), (void *)(f + headers_off)) ||
	       bpf_probe_read_user(fields, 2 * sizeof(__u64), (void *)(f + fields_off));
}

/* Bytes between a *HeadersFrame and the *MetaHeadersFrame that x/net's
 * Framer.readMetaFrame allocates right after it: both are 48-byte objects
 * (HeadersFrame: FrameHeader, PriorityParam, a slice; MetaHeadersFrame: a
 * pointer, a slice, a bool) of one size class, and the allocator often hands
 * out the next slot of the span. Only a hint: go_h2_meta_headers checks it.
 */
#define GO_H2_META_GAP 48

/* A *MetaHeadersFrame's fields slice and its HEADERS frame's head. Two
 * dependent reads (the MetaHeadersFrame, then the *HeadersFrame it points
 * to) become one when the HeadersFrame lies GO_H2_META_GAP bytes before it:
 * the read covers both, and the MetaHeadersFrame's own pointer says whether
 * it does (an address match, so a miss costs the second read, never a wrong
 * head). A read is ~140 ns in a busy server; in the grpc bench this saved
 * ~90 ns a block, so about two blocks in three hit.
 */
static __always_inline int go_h2_meta_headers(__u64 f, __u32 headers_off, __u32 fields_off, const struct go_h2_fh_offsets *o, __u32 *stream,
					      __u32 *length, __u8 *flags, __u64 fields[2])
{
	__u64 w[GO_H2_META_GAP / 8 + 4] = {};
	__u64 hf = 0;

	if (fields_off == headers_off + 8 && headers_off <= 8 && !(headers_off & 7) && go_h2_head_in_16(o) && f > GO_H2_META_GAP &&
	    !bpf_probe_read_user(w, sizeof(w), (void *)(f - GO_H2_META_GAP))) {
		const __u64 *m = &w[(GO_H2_META_GAP + (headers_off & 8)) / 8];

		hf = m[0];
		fields[0] = m[1];
		fields[1] = m[2];
		if (hf == f - GO_H2_META_GAP) {
			go_h2_head_from((const __u8 *)w, o, stream, length, flags);
			return 0;
		}
	} else if (go_h2_meta_frame(f, headers_off, fields_off, &hf, fields)) {
		return -1;
	}
	if (!hf)
		return -1;
	return go_h2_frame_head(hf, o, stream, length, flags);
}

#endif /* __GOTRACE_GO_H2_FRAME_H */
