// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A program the verifier must reject: it uses a hash map lookup result
 * without the NULL check. (A hash map: recent verifiers prove a constant
 * in-range key of an array map never yields NULL.) core/bpf/bpf-object.test.ts checks that the load error
 * carries the verifier's explanation.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("uprobe")
int uprobe_bad_null_deref(struct pt_regs *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&counts, &key);

	*n += 1; /* no NULL check */
	return 0;
}
