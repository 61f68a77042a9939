/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A header block's fields packed into one record, instead of one ring-buffer
 * event per field: each event is a reserve, a clear and a submit in BPF and a
 * decode in user space, and a gRPC call or HTTP/2 exchange has a dozen fields
 * or more. User space reads it with core/plugin-kit/header-block.ts.
 *
 * Layout of data: one entry per kept field, each
 *   __u32 name_len, __u32 value_len   (the real lengths, saturated at 2^31 - 1;
 *                                      bit 31 set: GO_HDR_REF, below)
 *   name bytes  (min(name_len, GO_HDR_NAME)), or a __u32 when GO_HDR_REF
 *   value bytes (min(value_len, GO_HDR_VALUE)), or a __u32 when GO_HDR_REF
 *   zero padding to a multiple of 4
 * GO_HDR_REF: the string lies in the traced binary's .rodata, where Go keeps
 * its string literals (HPACK's static table, ":status", "200",
 * "content-type", "application/grpc", grpc-status "0"): the entry holds its
 * offset from the start of .rodata, not its bytes, and user space reads them
 * from the file. A read of user memory is a helper call with usercopy checks
 * (~70 ns); most names and many values of a header block are literals.
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

#define GO_HDR_REF 0x80000000U
#define GO_HDR_LEN_MAX 0x7fffffffU

/* Where the traced binary's .rodata is mapped (lo, hi: run-time addresses);
 * lo == hi: unknown, every string is copied.
 */
struct go_rodata {
	__u64 lo;
	__u64 hi;
};

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

/* Whether the Go string (p, len) lies in .rodata: never an empty one, and none when ro is empty. */
static __always_inline bool go_hdr_in_rodata(const struct go_rodata *ro, __u64 p, __u64 len)
{
	return len && p >= ro->lo && p < ro->hi && len <= ro->hi - p;
}

static __always_inline __u32 go_hdr_len_word(__u64 len, bool ref)
{
	return (len > GO_HDR_LEN_MAX ? GO_HDR_LEN_MAX : (__u32)len) | (ref ? GO_HDR_REF : 0);
}

/* Bytes the name or value takes in an entry: a __u32 offset, or its kept bytes. */
static __always_inline __u32 go_hdr_kept(__u64 len, bool ref, __u32 max)
{
	return ref ? 4 : len > max ? max : (__u32)len;
}

#define GO_HDR_WIN 256 /* bytes of user memory a window read brings in (a power of two) */

/* User memory read once for several strings of one block. The strings of a
 * decoded header block often lie side by side: an HPACK decoder's
 * dynamic-table entries are allocated together when a connection's first
 * request is decoded, and every later request that indexes them points at
 * the same bytes (grpc-go's :authority, content-type, user-agent, te and
 * trailers span 56 bytes). A string that misses the window is read with the
 * GO_HDR_WIN bytes after it, and the strings after it that lie inside are
 * copied from there (go_hdr_copy). Valid for one block only (strings die
 * and their memory is reused between blocks): go_hdr_block_from_fields
 * empties it first. Bytes of the window that are no string of the block
 * never reach a record: a word-wise copy's overrun is overwritten by what
 * follows it, masked as padding, or left past the block's used bytes.
 */
#define GO_HDR_WIN_WORDS 4 /* strings of up to this many words are copied from a window by loads and stores */

struct go_hdr_window {
	__u64 lo;  /* the user address data[0] was read from */
	__u32 len; /* bytes of data valid: 0 or GO_HDR_WIN */
	__u32 _pad;
	/* The slack lets a word-wise copy load past a string that ends at the window's end. */
	__u8 data[GO_HDR_WIN + 8 * GO_HDR_WIN_WORDS];
};

/* Whether w holds the n bytes at user address p. */
static __always_inline bool go_hdr_window_holds(const struct go_hdr_window *w, __u64 p, __u32 n)
{
	return w->len && p >= w->lo && p - w->lo <= GO_HDR_WIN - n;
}

/* k bytes (1..mask + 1) of the user string at p into at: from the window w
 * when it holds them, else read, with the window refilled from p when w is
 * given. A failed read leaves zeros (the helpers clear their destination).
 * A short string comes from the window a word at a time, by plain loads and
 * stores: a helper call, even one that copies kernel memory, costs about as
 * much as a user read in a busy server (its entry and return thunks are
 * most of it), so only a copy without one saves anything. Such a copy
 * writes up to 7 bytes past the string: at must have room for them, and the
 * caller fixes the entry's padding afterwards.
 */
static __always_inline void go_hdr_copy(__u8 *at, __u32 k, __u32 mask, __u64 p, struct go_hdr_window *w)
{
	__u32 n = ((k - 1) & mask) + 1;

	if (w) {
		if (!go_hdr_window_holds(w, p, n)) {
			w->len = 0;
			if (!bpf_probe_read_user(w->data, GO_HDR_WIN, (void *)p)) {
				w->lo = p;
				w->len = GO_HDR_WIN;
			}
		}
		if (go_hdr_window_holds(w, p, n)) {
			const __u8 *src = w->data + ((p - w->lo) & (GO_HDR_WIN - 1));

			if (n > 8 * GO_HDR_WIN_WORDS) {
				bpf_probe_read_kernel(at, n, src);
				return;
			}
			for (int i = 0; i < GO_HDR_WIN_WORDS; i++) {
				if (i * 8 >= n)
					break;
				*(__u64 *)(at + 8 * i) = *(const __u64 *)(src + 8 * i);
			}
			return;
		}
	}
	bpf_probe_read_user(at, n, (void *)p);
}

/* A header field's two Go strings, as an hpack.HeaderField begins. */
struct go_hdr_field {
	__u64 name;
	__u64 name_len;
	__u64 value;
	__u64 value_len;
};

/* One field into the block; strings in ro's range go as references, others
 * are copied (through the window w when given).
 *
 * A global function (not static, not inlined): the verifier checks it once,
 * on its own, instead of once per call site and loop iteration in the
 * caller's states. Inlined in a 32-field loop, its branches (reference or
 * bytes, for the name and the value) took grpc's writeHeader to 700k of the
 * verifier's 1M instructions.
 */
__attribute__((noinline)) int go_hdr_block_add_field(struct go_hdr_block *b, const struct go_rodata *ro, const struct go_hdr_field *f,
						     struct go_hdr_window *w)
{
	__u64 name, name_len, value, value_len;
	__u32 off, nk, vk, len, pad;
	bool nref, vref;
	__u8 *at;

	/* The verifier knows a global function's pointers only as "memory or NULL". */
	if (!b || !ro || !f)
		return 0;
	name = f->name;
	name_len = f->name_len;
	value = f->value;
	value_len = f->value_len;
	nref = go_hdr_in_rodata(ro, name, name_len);
	vref = go_hdr_in_rodata(ro, value, value_len);
	off = b->bytes;
	nk = go_hdr_kept(name_len, nref, GO_HDR_NAME);
	vk = go_hdr_kept(value_len, vref, GO_HDR_VALUE);
	len = (GO_HDR_ENTRY_HEAD + nk + vk + 3) & ~3U;

	if (b->count < 0xffff)
		b->count++;
	/* Strictly below GO_HDR_BYTES: go_hdr_block_size() masks bytes with
	 * GO_HDR_BYTES - 1 for the verifier, which a full block would wrap to 0.
	 */
	if (off + len >= GO_HDR_BYTES)
		return 0;
	/* Masks, not the check above, are what the verifier follows. */
	at = b->data + (off & (GO_HDR_BYTES - 1));
	*(__u32 *)at = go_hdr_len_word(name_len, nref);
	*(__u32 *)(at + 4) = go_hdr_len_word(value_len, vref);
	at += GO_HDR_ENTRY_HEAD;
	if (nref) {
		__u32 o = (__u32)(name - ro->lo);

		__builtin_memcpy(at, &o, sizeof(o));
	} else if (nk) {
		go_hdr_copy(at, nk, GO_HDR_NAME - 1, name, w);
	}
	at += nk & (2 * GO_HDR_NAME - 1);
	if (vref) {
		__u32 o = (__u32)(value - ro->lo);

		__builtin_memcpy(at, &o, sizeof(o));
	} else if (vk) {
		go_hdr_copy(at, vk, GO_HDR_VALUE - 1, value, w);
	}
	/* The entry's padding (0 to 3 bytes after the value) zeroed last, over
	 * whatever the buffer held before or a word-wise copy put there: equal
	 * blocks are then equal bytes, and user space can compare a block with
	 * one it decoded before in one go (plugins/grpc/block-headers.ts).
	 */
	pad = len - (GO_HDR_ENTRY_HEAD + nk + vk);
	if (pad)
		*(__u32 *)(b->data + ((off + len - 4) & (GO_HDR_BYTES - 1))) &= (1U << (8 * (4 - pad))) - 1;
	b->bytes = (__u16)(off + len);
	b->kept++;
	return 0;
}

/* One field, from the Go strings (name, name_len) and (value, value_len). */
static __always_inline void go_hdr_block_add(struct go_hdr_block *b, const struct go_rodata *ro, __u64 name, __u64 name_len,
					     __u64 value, __u64 value_len)
{
	struct go_hdr_field f = { .name = name, .name_len = name_len, .value = value, .value_len = value_len };

	go_hdr_block_add_field(b, ro, &f, NULL);
}

#define GO_HDR_HF_WORDS 5   /* an hpack.HeaderField is 40 bytes */
#define GO_HDR_HF_BYTES 2048 /* a power of two (a mask bounds the read) holding GO_HDR_MAX_FIELDS fields */
_Static_assert(GO_HDR_HF_BYTES >= GO_HDR_MAX_FIELDS * GO_HDR_HF_WORDS * 8 && !(GO_HDR_HF_BYTES & (GO_HDR_HF_BYTES - 1)), "GO_HDR_HF_BYTES");

/* Every field of a []hpack.HeaderField (ptr, len), at most GO_HDR_MAX_FIELDS
 * read; count still says how many there were. The slice's elements are
 * copied into hf (GO_HDR_HF_BYTES of scratch the caller owns) in one read
 * instead of one per field (each read is a helper call), and stay there for
 * the caller. Strings are read through the window w when given (one per
 * block being built: go_hdr_window). Returns a bound on the block's HPACK
 * size, for a writer's seq: each field at most 1 + 5 + name + 5 + value
 * bytes (Huffman and indexing only shrink it); ~0 when some field was not read. HeaderField is {Name,
 * Value string; Sensitive bool}, 40 bytes, in x/net's hpack and in every copy
 * of it; the hookers check this against DWARF.
 * https://github.com/golang/net/blob/v0.7.0/http2/hpack/hpack.go (HeaderField)
 */
static __always_inline __u64 go_hdr_block_from_fields(struct go_hdr_block *b, const struct go_rodata *ro, __u64 *hf, __u64 ptr, __u64 len,
							struct go_hdr_window *w)
{
	__u32 n = len < GO_HDR_MAX_FIELDS ? (__u32)len : GO_HDR_MAX_FIELDS;
	__u64 bound = 0;

	if (w)
		w->len = 0;
	if (n && bpf_probe_read_user(hf, ((n * GO_HDR_HF_WORDS * 8 - 1) & (GO_HDR_HF_BYTES - 1)) + 1, (void *)ptr))
		n = 0;
	for (__u32 i = 0; i < GO_HDR_MAX_FIELDS; i++) {
		const __u64 *f = &hf[(i & (GO_HDR_MAX_FIELDS - 1)) * GO_HDR_HF_WORDS];

		if (i >= n)
			break;
		bound += 11 + f[1] + f[3];
		go_hdr_block_add_field(b, ro, (const struct go_hdr_field *)f, w);
	}
	if (len > n) { /* fields past the ones read: no bound */
		b->count = len > 0xffff ? 0xffff : (__u16)len;
		bound = ~0ULL;
	}
	return bound;
}

#endif /* __GOTRACE_GO_HDR_BLOCK_H */
