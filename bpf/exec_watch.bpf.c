// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Process discovery without polling: every successful execve() and every
 * process exit becomes one ring buffer record (exec_watch.h). User space
 * (core/discovery/exec-watcher.ts) attaches both programs to the sched
 * tracepoints, which need no kprobes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "gotrace_common.h"
#include "exec_watch.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* PF_KTHREAD, include/linux/sched.h: kernel threads never run Go code. */
#define PF_KTHREAD 0x00200000

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* ~1900 exec records: bursts (a parallel build) fit between wakeups. */
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

static __always_inline void fill_header(struct exec_watch_header *h, __u32 kind,
					struct task_struct *task)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->kind = kind;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->ts = bpf_ktime_get_ns();
	h->exit_code = 0;
	h->_pad = 0;
}

/* Fires after the new image is mapped and before it runs its first
 * instruction, so /proc/PID/exe already names the new executable.
 */
SEC("tracepoint")
int tp_sched_process_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct exec_watch_exec *e;
	/* __data_loc: the low 16 bits are the string's offset in the record. */
	__u32 off = ctx->__data_loc_filename & 0xFFFF;

	e = gotrace_ringbuf_reserve(&events, sizeof(*e));
	if (!e)
		return 0;
	fill_header(&e->h, EXEC_WATCH_KIND_EXEC, task);
	if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off) < 0)
		e->filename[0] = '\0';
	gotrace_printk("exec pid=%d %s", e->h.pid, e->filename);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Fires once per exiting thread; only the thread-group leader's exit means
 * the process (the pid user space tracks) is going away.
 */
SEC("tracepoint")
int tp_sched_process_exit(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct exec_watch_header *h;

	if ((__u32)pid_tgid != (__u32)(pid_tgid >> 32))
		return 0;
	if (BPF_CORE_READ(task, flags) & PF_KTHREAD)
		return 0;
	h = gotrace_ringbuf_reserve(&events, sizeof(*h));
	if (!h)
		return 0;
	fill_header(h, EXEC_WATCH_KIND_EXIT, task);
	h->exit_code = BPF_CORE_READ(task, exit_code);
	bpf_ringbuf_submit(h, 0);
	return 0;
}
