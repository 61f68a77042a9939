/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between func_trace.bpf.c and user space (plugins/func-trace/layout.ts
 * mirrors these layouts byte for byte; a test checks the sizes against BTF).
 */
#ifndef __FUNC_TRACE_H
#define __FUNC_TRACE_H

#define FT_MAX_VALUES 8 /* params (receiver included) and results, each */
#define FT_MAX_PIECES 3 /* a slice is ptr, len, cap */
#define FT_STR_MAX 48   /* bytes of string content copied per value */

enum ft_kind {
	FT_NONE = 0,
	FT_INT = 1,     /* signed, piece 0, sign-extended by user space from its size */
	FT_UINT = 2,
	FT_BOOL = 3,
	FT_FLOAT = 4,   /* raw bits; only on the stack ABI (xmm is not in pt_regs) */
	FT_STRING = 5,  /* pieces: ptr, len; content copied */
	FT_POINTER = 6,
	FT_SLICE = 7,   /* pieces: ptr, len, cap; len reported */
};

struct ft_value_cfg {
	__u8 kind;
	__u8 n_pieces;
	__u8 _pad[6];
	location_t pieces[FT_MAX_PIECES];
};

/* Per (pid, function id): where each value lives. */
struct ft_func_key {
	__u32 pid;
	__u32 func_id;
};

struct ft_func_cfg {
	__u32 n_params;
	__u32 n_results;
	struct ft_value_cfg params[FT_MAX_VALUES];
	struct ft_value_cfg results[FT_MAX_VALUES];
};

/* Per pid: how to find the goroutine. */
struct ft_proc_cfg {
	__u32 goid_offset; /* offsetof(runtime.g, goid) */
	__u8 regabi;       /* 1: g in R14 (Go >= 1.17); 0: g at fsbase-8 */
	__u8 _pad[3];
};

struct ft_value_data {
	__u64 word; /* the value, or the pointer of a string/slice */
	__u64 len;  /* string or slice length */
	__u8 str[FT_STR_MAX];
};

/* A call between its entry and its return. The key uses the distance from
 * the goroutine's stack top, which survives the runtime copying the stack
 * to grow it (SP itself does not), and tells recursive calls apart.
 */
struct ft_call {
	__u64 ts_entry;
	struct ft_value_data params[FT_MAX_VALUES];
};

struct ft_event {
	__u32 pid;
	__u32 tid;
	__u64 goid;
	__u32 func_id;
	__u32 flags;
	__u64 ts_entry;
	__u64 ts_return;
	struct ft_value_data params[FT_MAX_VALUES];
	struct ft_value_data results[FT_MAX_VALUES];
};

#endif /* __FUNC_TRACE_H */
