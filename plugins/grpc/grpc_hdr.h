/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Header-block records (struct gr_hdr_event): built in a per-CPU scratch,
 * filled from a []hpack.HeaderField, sent at their real size. Included once,
 * by grpc.bpf.c, after grpc_emit.h.
 */
#ifndef __GRPC_HDR_H
#define __GRPC_HDR_H

/* The records are built here, not in the ring: bpf_ringbuf_reserve needs a
 * constant size, and reserving the 4.6 KiB a block can take would
 * clear and send that much for blocks of a few hundred bytes.
 */
#define GR_SCRATCH_SLOTS 2 /* a power of two: programs running at once on one CPU (hdr_event) */

struct gr_scratch {
	__u32 nest; /* slots in use */
	__u32 _pad;
	struct gr_hdr_event ev[GR_SCRATCH_SLOTS];
	__u64 hf[GR_SCRATCH_SLOTS][GO_HDR_HF_BYTES / 8]; /* the []hpack.HeaderField being read */
	struct go_hdr_window win[GR_SCRATCH_SLOTS];     /* and its strings */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gr_scratch);
} gr_scratch SEC(".maps");

/* A header-block record from this CPU's scratch, its head cleared and filled
 * in (ts only when stamp: a clock read is ~100 ns under a hypervisor's clock
 * source) and its block empty: the block's 4 KiB are not cleared, only the bytes
 * written are sent. A uprobe program runs with migration off but, on a
 * preemptible kernel (preempt=full or lazy), not with preemption off: another
 * task's program can start on this CPU before this one ends, so it takes the
 * next record (nest); a third finds none and is counted a drop. nest is a
 * plain load and store (clang's BPF v1 has no atomic fetch): only a
 * preemption between the two could make two programs share a record.
 * emit_hdr gives the record back.
 */
static __always_inline struct gr_hdr_event *hdr_event(struct gr_scratch **sp, __u64 **hf, struct go_hdr_window **win, __u8 kind, __u8 side, __u32 pid, __s64 goid, __u64 conn, __u32 stream,
						       bool stamp)
{
	__u32 zero = 0, slot;
	struct gr_scratch *s = bpf_map_lookup_elem(&gr_scratch, &zero);
	struct gr_hdr_event *e;

	if (!s)
		return NULL;
	slot = s->nest;
	if (slot >= GR_SCRATCH_SLOTS) {
		gotrace_count_drop();
		return NULL;
	}
	s->nest = slot + 1;
	*sp = s;
	e = &s->ev[slot & (GR_SCRATCH_SLOTS - 1)];
	*hf = s->hf[slot & (GR_SCRATCH_SLOTS - 1)];
	*win = &s->win[slot & (GR_SCRATCH_SLOTS - 1)];
	__builtin_memset(e, 0, __builtin_offsetof(struct gr_hdr_event, b));
	if (stamp)
		e->ts = bpf_ktime_get_ns();
	e->goid = goid;
	e->conn = conn;
	e->pid = pid;
	e->stream_id = stream;
	e->kind = kind;
	e->side = side;
	e->fd = -1;
	go_hdr_block_reset(&e->b);
	return e;
}

/* Sends the record up to the end of its block's used bytes, and gives it back. */
static __always_inline void emit_hdr(struct gr_scratch *s, struct gr_hdr_event *e)
{
	/* Not go_hdr_block_size(): it masks bytes with GO_HDR_BYTES - 1, so a
	 * block filled to exactly GO_HDR_BYTES would go without its fields.
	 */
	__u32 used = e->b.bytes;
	__u64 size;

	if (used > GO_HDR_BYTES)
		used = GO_HDR_BYTES;
	size = __builtin_offsetof(struct gr_hdr_event, b) + __builtin_offsetof(struct go_hdr_block, data) + used;

	if (bpf_ringbuf_output(&gr_events, e, size, wake_flags()))
		gotrace_count_drop();
	if (s->nest)
		s->nest--;
}

/* Whether a server's END_STREAM block is its response's first: grpc-go's
 * WriteStatus opens a trailers-only response with :status (then
 * content-type) when no headers went before; trailers after headers have
 * none. hf holds the block's fields as go_hdr_block_from_fields read them: the first
 * name is read again only when it is 7 bytes long (the block's copy may be
 * a .rodata reference, not bytes).
 * https://github.com/grpc/grpc-go/blob/v1.33.3/internal/transport/http2_server.go (WriteStatus)
 */
static __always_inline bool opens_response(const struct go_hdr_block *b, const __u64 *hf)
{
	const char status[7] = { ':', 's', 't', 'a', 't', 'u', 's' };
	char name[7];

	if (!b->kept || hf[1] != sizeof(status) || bpf_probe_read_user(name, sizeof(name), (void *)hf[0]))
		return false;
	for (int i = 0; i < sizeof(status); i++)
		if (name[i] != status[i])
			return false;
	return true;
}

#endif /* __GRPC_HDR_H */
