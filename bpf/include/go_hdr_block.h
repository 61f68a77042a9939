/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A header block's fields packed into one record, instead of one ring-buffer
 * event per field: each event is a reserve, a clear and a submit in BPF and a
 * decode in user space, and a gRPC call or HTTP/2 exchange has a dozen fields
 * or more. User space reads it with core/plugin-kit/header-block.ts.
 *
 * Layout of data: one entry per kept field, each
 *   __u32 name_len, __u32 value_len   (the real lengths, saturated)
 *   name bytes  (min(name_len, GO_HDR_NAME))
 *   value bytes (min(value_len, GO_HDR_VALUE))
 *   zero padding to a multiple of 4
 * A field that does not fit in GO_HDR_BYTES is counted in count, not kept.
 * Needs vmlinux.h, <bpf/bpf_helpers.h> and go_string.h first.
 */
#ifndef __GOTRACE_GO_HDR_BLOCK_H
#define __GOTRACE_GO_HDR_BLOCK_H

#define GO_HDR_NAME 64   /* bytes of a name kept (a power of two) */
#define GO_HDR_VALUE 256 /* bytes of a value kept (a power of two) */
#define GO_HDR_MAX_FIELDS 32 /* fields read from one []hpack.HeaderField */
#define GO_HDR_BYTES 4096    /* packed bytes kept per block (a power of two) */
#define GO_HDR_ENTRY_HEAD 8
/* What an entry can reach past its start as the verifier bounds it (the name's
 * length is bounded by a mask of twice its size).
 */
#define GO_HDR_ENTRY_MAX (GO_HDR_ENTRY_HEAD + 2 * GO_HDR_NAME + GO_HDR_VALUE)

struct go_hdr_block {
	__u16 count; /* fields the block had, kept or not */
	__u16 kept;  /* entries in data */
	__u16 bytes; /* bytes of data used: the record ends there */
	__u16 _pad;
	/* The slack past GO_HDR_BYTES is never used: it lets the verifier see
	 * every write of an entry that starts below GO_HDR_BYTES in bounds.
	 */
	__u8 data[GO_HDR_BYTES + GO_HDR_ENTRY_MAX];
};

/* Bytes of a block from its start to the end of its used data. */
static __always_inline __u32 go_hdr_block_size(const struct go_hdr_block *b)
{
	return (__u32)__builtin_offsetof(struct go_hdr_block, data) + (b->bytes & (GO_HDR_BYTES - 1));
}

static __always_inline void go_hdr_block_reset(struct go_hdr_block *b)
{
	b->count = 0;
	b->kept = 0;
	b->bytes = 0;
}

/* One field, from the Go strings (name, name_len) and (value, value_len). */
static __always_inline void go_hdr_block_add(struct go_hdr_block *b, __u64 name, __u64 name_len, __u64 value, __u64 value_len)
{
	__u32 off = b->bytes, nk = name_len > GO_HDR_NAME ? GO_HDR_NAME : (__u32)name_len;
	__u32 vk = value_len > GO_HDR_VALUE ? GO_HDR_VALUE : (__u32)value_len;
	__u32 len = (GO_HDR_ENTRY_HEAD + nk + vk + 3) & ~3U;
	__u8 *at;

	if (b->count < 0xffff)
		b->count++;
	/* Strictly below GO_HDR_BYTES: go_hdr_block_size() masks bytes with
	 * GO_HDR_BYTES - 1 for the verifier, which a full block would wrap to 0.
	 */
	if (off + len >= GO_HDR_BYTES)
		return;
	/* Masks, not the check above, are what the verifier follows. */
	at = b->data + (off & (GO_HDR_BYTES - 1));
	*(__u32 *)at = go_len_u32(name_len);
	*(__u32 *)(at + 4) = go_len_u32(value_len);
	at += GO_HDR_ENTRY_HEAD;
	/* A failed read leaves zeros (the helper clears its destination). */
	if (nk)
		bpf_probe_read_user(at, ((nk - 1) & (GO_HDR_NAME - 1)) + 1, (void *)name);
	at += nk & (2 * GO_HDR_NAME - 1);
	if (vk)
		bpf_probe_read_user(at, ((vk - 1) & (GO_HDR_VALUE - 1)) + 1, (void *)value);
	b->bytes = (__u16)(off + len);
	b->kept++;
}

/* Every field of a []hpack.HeaderField (ptr, len), at most GO_HDR_MAX_FIELDS
 * read; count still says how many there were. HeaderField is {Name, Value
 * string; Sensitive bool}, 40 bytes, in x/net's hpack and in every copy of it.
 * https://github.com/golang/net/blob/v0.7.0/http2/hpack/hpack.go (HeaderField)
 */
static __always_inline void go_hdr_block_from_fields(struct go_hdr_block *b, __u64 ptr, __u64 len)
{
	__u64 w[4];

	for (__u32 i = 0; i < GO_HDR_MAX_FIELDS; i++) {
		if (i >= len || bpf_probe_read_user(w, sizeof(w), (void *)(ptr + (__u64)i * 40)))
			break;
		go_hdr_block_add(b, w[0], w[1], w[2], w[3]);
	}
	if (len > b->count)
		b->count = len > 0xffff ? 0xffff : (__u16)len;
}

#endif /* __GOTRACE_GO_HDR_BLOCK_H */
