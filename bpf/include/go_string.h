/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Go strings and lengths as BPF copies them into events.
 * Needs vmlinux.h and <bpf/bpf_helpers.h> first.
 */
#ifndef __GOTRACE_GO_STRING_H
#define __GOTRACE_GO_STRING_H

/* A Go string (ptr, len) into dst, at most max bytes; max is a power of two
 * so the mask shows the verifier the bound.
 */
#define GO_READ_STR(dst, max, ptr, len)                                          \
	do {                                                                     \
		__u64 __n = (len);                                               \
		if (__n > (max))                                                 \
			__n = (max);                                             \
		if (__n)                                                         \
			bpf_probe_read_user((dst), ((__n - 1) & ((max) - 1)) + 1, (void *)(ptr)); \
	} while (0)

/* A Go length (int) as a __u32 event field, saturated. */
static __always_inline __u32 go_len_u32(__u64 n)
{
	return n > 0xffffffff ? 0xffffffff : (__u32)n;
}

#endif /* __GOTRACE_GO_STRING_H */
