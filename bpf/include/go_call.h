/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One Go call, the same at its entry and at every RET: pairs a uprobe with
 * its uretprobe-like RET probes in a map keyed by struct go_call_key.
 * Needs vmlinux.h, <bpf/bpf_helpers.h>, go_goroutine.h first.
 */
#ifndef __GOTRACE_GO_CALL_H
#define __GOTRACE_GO_CALL_H

struct go_call_key {
	__u32 pid;
	__u32 func;  /* which function: a plugin's own number or attach cookie */
	__u64 goid;
	__u64 depth; /* g.stack.hi - SP: distinct for recursive calls, equal at entry and RET */
};

/* Fills *key for the call running on the current goroutine; -1 when g or
 * its stack cannot be read.
 */
static __always_inline int go_call_key(struct pt_regs *ctx, bool regabi, __u32 goid_offset, __u32 pid, __u32 fn, struct go_call_key *key)
{
	__u64 g = go_current_g(ctx, regabi);
	__u64 stack_hi = 0;

	/* runtime.g starts with stack{lo, hi}: hi is at g+8 in every Go version. */
	if (!g || bpf_probe_read_user(&stack_hi, sizeof(stack_hi), (void *)(g + 8)))
		return -1;
	key->pid = pid;
	key->func = fn;
	key->goid = go_goid(g, goid_offset);
	key->depth = stack_hi - *(volatile __u64 *)&ctx->sp;
	return 0;
}

#endif /* __GOTRACE_GO_CALL_H */
