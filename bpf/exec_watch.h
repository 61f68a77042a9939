/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by exec_watch.bpf.c and core/discovery/exec-event.ts (the decoder).
 * Little-endian; keep the two in step.
 */
#ifndef __EXEC_WATCH_H
#define __EXEC_WATCH_H

#define EXEC_WATCH_KIND_EXEC 1
#define EXEC_WATCH_KIND_EXIT 2

/* Bytes of the execve() filename kept. The path is informational (user
 * space reads the real executable through /proc/PID/exe); a longer one is
 * cut here, and a fixed size keeps the reserve constant for the verifier.
 */
#define EXEC_WATCH_PATH_MAX 512

/* Every record starts with this; an exit record is only this. 32 bytes. */
struct exec_watch_header {
	__u32 kind;      /* EXEC_WATCH_KIND_* */
	__u32 pid;       /* tgid: the process id user space knows */
	__u32 tid;       /* the thread that exec'd or exited */
	__u32 ppid;      /* real parent's tgid */
	__u64 ts;        /* bpf_ktime_get_ns(): CLOCK_MONOTONIC, as process.hrtime */
	__u32 exit_code; /* task->exit_code (wait status: code << 8 | signal); 0 for exec */
	__u32 _pad;
};

/* An exec record: the header, then the NUL-terminated filename. */
struct exec_watch_exec {
	struct exec_watch_header h;
	char filename[EXEC_WATCH_PATH_MAX];
};

#endif /* __EXEC_WATCH_H */
