/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The current goroutine (runtime.g) and its id, at a uprobe in Go code (amd64).
 * Needs vmlinux.h, <bpf/bpf_helpers.h> and <bpf/bpf_core_read.h> first.
 */
#ifndef __GOTRACE_GO_GOROUTINE_H
#define __GOTRACE_GO_GOROUTINE_H

/* Returns the address of the running goroutine's runtime.g, or 0.
 *
 * regabi (Go >= 1.17 ABIInternal code): R14 holds g in Go code.
 * https://github.com/golang/go/blob/go1.19/src/cmd/compile/abi-internal.md#amd64-architecture
 *
 * Otherwise g lives in thread-local storage at -8(FS): runtime·settls sets
 * FS to &m.tls[0]+8 "because ELF wants to use -8(FS)".
 * https://github.com/golang/go/blob/go1.19/src/runtime/sys_linux_amd64.s
 * That holds for internally linked binaries; a cgo binary's TLS slot is
 * placed by the external linker and may differ.
 */
static __always_inline __u64 go_current_g(struct pt_regs *ctx, bool regabi)
{
	struct task_struct *task;
	__u64 fsbase, g = 0;

	/* Volatile ctx reads: clang may otherwise fold this and the caller's
	 * other pt_regs loads into one load at a computed ctx offset, which the
	 * verifier rejects ("dereference of modified ctx ptr").
	 */
	if (regabi)
		return *(volatile __u64 *)&ctx->r14;
	/* The user FS base is saved in the task; CO-RE keeps the field
	 * offset right across kernel builds.
	 */
	task = bpf_get_current_task_btf();
	fsbase = BPF_CORE_READ(task, thread.fsbase);
	if (!fsbase || bpf_probe_read_user(&g, sizeof(g), (void *)(fsbase - 8)))
		return 0;
	return g;
}

/* Returns the goroutine id of g, or -1. goid_offset is offsetof(runtime.g,
 * goid), which changes between Go versions (152 in go1.19), so user space
 * reads it from the binary's DWARF or a per-version table and passes it in.
 * https://github.com/golang/go/blob/go1.19/src/runtime/runtime2.go
 */
static __always_inline __s64 go_goid(__u64 g, __u32 goid_offset)
{
	__s64 goid;

	if (!g || bpf_probe_read_user(&goid, sizeof(goid), (void *)(g + goid_offset)))
		return -1;
	return goid;
}

#endif /* __GOTRACE_GO_GOROUTINE_H */
