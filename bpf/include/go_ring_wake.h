/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Whether a record's submit wakes user space. Not per record: at tens of
 * thousands of records a second a wakeup each (an irq_work on the traced
 * thread's CPU, then an epoll round trip in gotrace) cost more than the
 * record. gotrace drains its rings on a timer instead (a runtime's
 * drainEveryMs), and a ring wakes it only once GO_RING_WAKE_BYTES are
 * waiting, so a burst never waits for the timer with the ring filling up.
 *
 * Asking a ring how much waits is a helper call, and in a busy server any
 * helper call costs ~100 ns (its entry and return thunks more than its
 * work), so each CPU asks on every GO_RING_WAKE_EVERY-th record only:
 * between two asks a CPU adds at most that many records (~75 KB of the
 * largest), far below the rings' 8-16 MiB.
 * Needs vmlinux.h and <bpf/bpf_helpers.h> first; defines the map
 * go_ring_wake_counts in the object that includes it.
 */
#ifndef __GOTRACE_GO_RING_WAKE_H
#define __GOTRACE_GO_RING_WAKE_H

#define GO_RING_WAKE_BYTES (1 << 20)
#define GO_RING_WAKE_EVERY 16 /* a power of two */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} go_ring_wake_counts SEC(".maps");

/* The flags for bpf_ringbuf_submit or bpf_ringbuf_output into ring. */
static __always_inline __u64 go_ring_wake_flags(void *ring)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&go_ring_wake_counts, &zero);

	/* A plain increment: a program that preempts this one on its CPU may
	 * lose a count, which only moves the next ask.
	 */
	if (n && ((*n)++ & (GO_RING_WAKE_EVERY - 1)))
		return BPF_RB_NO_WAKEUP;
	return bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= GO_RING_WAKE_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

#endif /* __GOTRACE_GO_RING_WAKE_H */
