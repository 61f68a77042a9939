/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A plugin's per-process config, found from the probe's attach cookie
 * instead of a hash lookup by pid.
 *
 * A plugin attaches its probes once per binary, for every pid, and used to
 * find the process's config in a hash keyed by pid: jhash, a bucket walk
 * and a key compare, ~120 ns per program run on a busy server (bench
 * numbers in the README), and a gRPC call runs five programs on its server.
 * Here each binary gets a slot of an array (the probes' cookie is its
 * index; an array lookup is a bounds check and an add) holding the config
 * and the pids it is for: ~30 ns. The pid check stays, because every process
 * running the binary hits its probes and only traced ones may be read.
 *
 * A slot's config is that of the first process placed in it while it
 * named no pid; a process whose config differs (a PIE loaded elsewhere), or one past
 * GO_CFG_SLOT_PIDS, goes into the per-pid hash as before, which is also
 * where a pid not in the slot is looked for
 * (core/plugin-kit/cfg-slots.ts decides).
 *
 * Defines the map NAME_slots and NAME_cfg_of(ctx, pid); the hash PROCS
 * (key __u32 pid, value CFG) must be declared first.
 */
#ifndef __GOTRACE_GO_CFG_SLOT_H
#define __GOTRACE_GO_CFG_SLOT_H

#define GO_CFG_SLOT_PIDS 8 /* processes one slot holds; core/plugin-kit/cfg-slots.ts has the same */
#define GO_CFG_SLOTS 256   /* binaries with a slot; cfg-slots.ts has the same */

/* pids after the config: user space writes the whole value, and a pid is
 * what makes a program use the config, so a copy that runs forward has
 * written the config by the time a new pid shows. (User space changes a
 * slot's config only while no pid names it, and writes it before the pid.)
 */
#define GO_CFG_SLOT_DEFINE(NAME, CFG, PROCS)                                                            \
	struct NAME##_slot {                                                                            \
		CFG cfg;                                                                                \
		__u32 pids[GO_CFG_SLOT_PIDS]; /* 0: free */                                               \
	};                                                                                              \
	struct {                                                                                        \
		__uint(type, BPF_MAP_TYPE_ARRAY);                                                       \
		__uint(max_entries, GO_CFG_SLOTS);                                                      \
		__type(key, __u32);                                                                     \
		__type(value, struct NAME##_slot);                                                      \
	} NAME##_slots SEC(".maps");                                                                    \
	static __always_inline CFG *NAME##_cfg_of(struct pt_regs *ctx, __u32 pid)                     \
	{                                                                                               \
		__u32 slot = (__u32)bpf_get_attach_cookie(ctx);                                         \
		struct NAME##_slot *s = bpf_map_lookup_elem(&NAME##_slots, &slot);                      \
                                                                                                        \
		if (s && pid) { /* 0 marks a free entry */                                              \
			for (int i = 0; i < GO_CFG_SLOT_PIDS; i++)                                      \
				if (s->pids[i] == pid)                                                  \
					return &s->cfg;                                                 \
		}                                                                                       \
		return bpf_map_lookup_elem(&PROCS, &pid);                                               \
	}

#endif /* __GOTRACE_GO_CFG_SLOT_H */
