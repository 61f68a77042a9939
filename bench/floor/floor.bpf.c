// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The floor for bench:overhead: a program that does nothing, attached at the
 * probe sites gotrace's rules pick, so that what remains is the kernel's own
 * uprobe cost (breakpoint trap, uprobe dispatch, BPF program entry/exit).
 * With count_hits set before load it also counts hits per site (the attach
 * cookie is the site's index); left 0, the verifier prunes that branch and
 * the program is an empty `return 0`.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "floor.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u8 count_hits = 0;

/* Per-CPU: counting needs no atomics; user space sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOOR_MAX_SITES);
	__type(key, __u32);
	__type(value, __u64);
} floor_hits SEC(".maps");

SEC("uprobe")
int uprobe_floor_hit(struct pt_regs *ctx)
{
	__u32 site;
	__u64 *n;

	if (!count_hits)
		return 0;
	site = (__u32)bpf_get_attach_cookie(ctx);
	n = bpf_map_lookup_elem(&floor_hits, &site);
	if (n)
		*n += 1;
	return 0;
}
