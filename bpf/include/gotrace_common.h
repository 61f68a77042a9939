/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by every gotrace BPF program: drop counting and debug printing.
 * Include after vmlinux.h and <bpf/bpf_helpers.h>.
 */
#ifndef __GOTRACE_COMMON_H
#define __GOTRACE_COMMON_H

/* Records lost because bpf_ringbuf_reserve() failed (the ring was full:
 * user space did not keep up). Per-CPU so that counting needs no atomics;
 * user space sums the CPUs (core/bpf/bpf-object.ts droppedRecords()). The
 * name is part of the contract with user space: keep it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} gotrace_drops SEC(".maps");

/* Set from user space before load to enable gotrace_printk(). Being
 * const volatile, the verifier prunes the disabled branch entirely.
 */
const volatile __u8 gotrace_debug = 0;

#define gotrace_printk(fmt, ...)                                               \
	do {                                                                   \
		if (gotrace_debug)                                             \
			bpf_printk(fmt, ##__VA_ARGS__);                        \
	} while (0)

static __always_inline void gotrace_count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&gotrace_drops, &zero);

	if (n)
		*n += 1;
}

/* bpf_ringbuf_reserve() that counts a drop when the ring is full, so a
 * trace that lost events says so instead of looking complete. `size` must
 * be a compile-time constant (the verifier requires it).
 */
static __always_inline void *gotrace_ringbuf_reserve(void *ringbuf, __u64 size)
{
	void *rec = bpf_ringbuf_reserve(ringbuf, size, 0);

	if (!rec)
		gotrace_count_drop();
	return rec;
}

#endif /* __GOTRACE_COMMON_H */
