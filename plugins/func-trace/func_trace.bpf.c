// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Traces any Go function: arguments at entry, results at every RET, paired
 * per call and emitted as one event with its latency. One program pair serves
 * every traced function; the attach cookie is the function id, and user space
 * writes where each value lives per (pid, function) before attaching.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "gotrace_common.h"
#include "go_abi.h"
#include "go_goroutine.h"
#include "go_call.h"
#include "func_trace.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Keeps struct ft_event in the object's BTF, so layout.test.ts can check
 * user space's idea of its size against the compiler's.
 */
const struct ft_event *unused_ft_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* ~16k events of 1064 bytes between reads */
} ft_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct ft_proc_cfg);
} ft_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ft_func_key);
	__type(value, struct ft_func_cfg);
} ft_funcs SEC(".maps");

/* Calls in flight. LRU: a call that never returns through a RET (a panic
 * unwinding past it, a goroutine that exits) must not leak its slot.
 * 65536 covers 64 functions x 1024 concurrent calls each.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct go_call_key);
	__type(value, struct ft_call);
} ft_calls SEC(".maps");

/* struct ft_call is too big for the 512-byte BPF stack: build it here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ft_call);
} ft_scratch SEC(".maps");

static __always_inline void read_value(struct pt_regs *ctx, const struct ft_value_cfg *cfg, struct ft_value_data *out)
{
	__u64 w0 = 0, w1 = 0;
	__u32 n;

	out->word = 0;
	out->len = 0;
	if (cfg->kind == FT_NONE || cfg->n_pieces == 0)
		return;
	go_read_arg(ctx, &cfg->pieces[0], &w0);
	out->word = w0;
	if (cfg->kind != FT_STRING && cfg->kind != FT_SLICE)
		return;
	if (cfg->n_pieces < 2)
		return;
	go_read_arg(ctx, &cfg->pieces[1], &w1);
	out->len = w1;
	if (cfg->kind != FT_STRING || !w0)
		return;
	n = w1 < FT_STR_MAX ? (__u32)w1 : FT_STR_MAX;
	if (n > FT_STR_MAX) /* already true; restated so the verifier sees the bound */
		n = FT_STR_MAX;
	bpf_probe_read_user(out->str, n, (void *)w0);
}

/* The call's key: the attach cookie is the function id. */
static __always_inline int call_key(struct pt_regs *ctx, const struct ft_proc_cfg *proc, __u32 pid, struct go_call_key *key)
{
	return go_call_key(ctx, proc->regabi, proc->goid_offset, pid, (__u32)bpf_get_attach_cookie(ctx), key);
}

SEC("uprobe")
int uprobe_any_func(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32, zero = 0;
	struct ft_proc_cfg *proc = bpf_map_lookup_elem(&ft_procs, &pid);
	struct ft_func_key fkey = { .pid = pid, .func_id = (__u32)bpf_get_attach_cookie(ctx) };
	struct ft_func_cfg *fcfg;
	struct go_call_key key = {};
	struct ft_call *call;

	if (!proc || (fcfg = bpf_map_lookup_elem(&ft_funcs, &fkey)) == NULL)
		return 0;
	if (call_key(ctx, proc, pid, &key))
		return 0;
	call = bpf_map_lookup_elem(&ft_scratch, &zero);
	if (!call)
		return 0;
	call->ts_entry = bpf_ktime_get_ns();
	for (int i = 0; i < FT_MAX_VALUES; i++) {
		if (i >= fcfg->n_params)
			break;
		read_value(ctx, &fcfg->params[i], &call->params[i]);
	}
	bpf_map_update_elem(&ft_calls, &key, call, BPF_ANY);
	return 0;
}

SEC("uprobe")
int uprobe_any_func_ret(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 pid = pid_tgid >> 32;
	struct ft_proc_cfg *proc = bpf_map_lookup_elem(&ft_procs, &pid);
	struct ft_func_key fkey = { .pid = pid, .func_id = (__u32)bpf_get_attach_cookie(ctx) };
	struct ft_func_cfg *fcfg;
	struct go_call_key key = {};
	struct ft_call *call;
	struct ft_event *e;

	if (!proc || (fcfg = bpf_map_lookup_elem(&ft_funcs, &fkey)) == NULL)
		return 0;
	if (call_key(ctx, proc, pid, &key))
		return 0;
	call = bpf_map_lookup_elem(&ft_calls, &key);
	if (!call)
		return 0; /* entered before we attached */
	e = gotrace_ringbuf_reserve(&ft_events, sizeof(*e));
	if (!e) {
		bpf_map_delete_elem(&ft_calls, &key);
		return 0;
	}
	e->pid = pid;
	e->tid = (__u32)pid_tgid;
	e->goid = key.goid;
	e->func_id = key.func;
	e->flags = 0;
	e->ts_entry = call->ts_entry;
	e->ts_return = bpf_ktime_get_ns();
	bpf_probe_read_kernel(e->params, sizeof(e->params), call->params);
	for (int i = 0; i < FT_MAX_VALUES; i++) {
		if (i >= fcfg->n_results)
			break;
		read_value(ctx, &fcfg->results[i], &e->results[i]);
	}
	bpf_map_delete_elem(&ft_calls, &key);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
