/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by bpftest.bpf.c and core/bpf/bpf-object.test.ts (decodeAddEvent). */
#ifndef __BPFTEST_H
#define __BPFTEST_H

/* One call of main.Add in test/fixtures/bpftest. 48 bytes, little-endian. */
struct add_event {
	__u32 pid;       /* tgid */
	__u32 tid;
	__u64 a;         /* read through loc_a */
	__u64 b;         /* read through loc_b */
	__u64 cookie;    /* the const volatile set before load */
	__s64 goid_reg;  /* goid via R14 (register ABI) */
	__s64 goid_tls;  /* goid via FS base - 8 (stack ABI path) */
};

/* Value of pid_config, keyed by tgid: only configured processes are traced. */
struct pid_config {
	__u32 goid_offset; /* offsetof(runtime.g, goid) for that binary */
	__u32 _pad;
};

#endif /* __BPFTEST_H */
