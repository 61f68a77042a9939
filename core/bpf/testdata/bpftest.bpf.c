// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Test program for core/bpf: reads main.Add's arguments through go_abi.h
 * locations set as consts, tags each event with a const cookie and the
 * goroutine id, and streams events through a ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "gotrace_common.h"
#include "go_abi.h"
#include "go_goroutine.h"
#include "bpftest.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile location_t loc_a = {};
const volatile location_t loc_b = {};
const volatile __u64 cookie = 0;
/* For the tracepoint: count exits of this process's children only. */
const volatile __u32 parent_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* holds ~18k events: the test's N fit without reading */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct pid_config);
} pid_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} exits SEC(".maps");

SEC("uprobe")
int uprobe_main_Add(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct pid_config *cfg;
	struct add_event *e;

	cfg = bpf_map_lookup_elem(&pid_config, &tgid);
	if (!cfg)
		return 0;
	e = gotrace_ringbuf_reserve(&events, sizeof(*e));
	if (!e)
		return 0;
	e->pid = tgid;
	e->tid = (__u32)pid_tgid;
	e->a = e->b = 0;
	go_read_arg(ctx, &loc_a, &e->a);
	go_read_arg(ctx, &loc_b, &e->b);
	e->cookie = cookie;
	e->goid_reg = go_goid(go_current_g(ctx, true), cfg->goid_offset);
	e->goid_tls = go_goid(go_current_g(ctx, false), cfg->goid_offset);
	gotrace_printk("main.Add a=%llu b=%llu", e->a, e->b);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint")
int tp_sched_process_exit(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *n;

	if (BPF_CORE_READ(task, real_parent, tgid) != parent_tgid)
		return 0;
	n = bpf_map_lookup_elem(&exits, &tgid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&exits, &tgid, &one, BPF_NOEXIST);
	return 0;
}

/* For uprobe_multi tests: hits per attach cookie, for processes in pid_config.
 * Not named uprobe_*: e2e tests running at the same time count those as leftovers. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u64);
} cookie_hits SEC(".maps");

SEC("uprobe")
int test_count_cookie(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 cookie = bpf_get_attach_cookie(ctx), one = 1, *n;

	if (!bpf_map_lookup_elem(&pid_config, &tgid))
		return 0;
	n = bpf_map_lookup_elem(&cookie_hits, &cookie);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&cookie_hits, &cookie, &one, BPF_NOEXIST);
	return 0;
}
