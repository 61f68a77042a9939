/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading Go function arguments at a uprobe on a function's entry (amd64).
 *
 * User space works out where each argument lives (core/binary/ reads the
 * ABI) and hands it over as a location_t, usually a `const volatile`
 * value, so one BPF program serves both Go calling conventions.
 * Include after vmlinux.h and <bpf/bpf_helpers.h>.
 */
#ifndef __GOTRACE_GO_ABI_H
#define __GOTRACE_GO_ABI_H

enum go_location_kind {
	GO_LOC_NONE = 0, /* unset: reading it fails, so a forgotten const shows */
	GO_LOC_REGISTER = 1,
	GO_LOC_STACK = 2,
};

/* 8 bytes; core/bpf/go-location.ts encodes the same layout. */
typedef struct {
	__u8 kind;    /* enum go_location_kind */
	__u8 reg;     /* GO_LOC_REGISTER: index into the ABIInternal order below */
	__u8 size;    /* bytes to read, 1..8 (wider values span several locations) */
	__u8 _pad;
	__s32 offset; /* GO_LOC_STACK: bytes from SP at function entry */
} location_t;

/* Go ABIInternal integer argument registers on amd64, in assignment order:
 * RAX, RBX, RCX, RDI, RSI, R8, R9, R10, R11 (Go >= 1.17).
 * https://github.com/golang/go/blob/go1.19/src/cmd/compile/abi-internal.md#amd64-architecture
 */
#define GO_ABI_INT_REGS 9

/* All nine registers are loaded first, each with volatile: a switch of
 * plain loads gets merged by clang into one load at a computed offset from
 * ctx, which the verifier rejects ("dereference of modified ctx ptr"), as
 * every ctx access must use a constant offset. Nine loads cost nothing.
 */
#define __GO_CTX_REG(ctx, field) (*(volatile __u64 *)&(ctx)->field)

static __always_inline int go_abi_reg(struct pt_regs *ctx, __u8 index, __u64 *val)
{
	__u64 regs[GO_ABI_INT_REGS] = {
		__GO_CTX_REG(ctx, ax), __GO_CTX_REG(ctx, bx), __GO_CTX_REG(ctx, cx),
		__GO_CTX_REG(ctx, di), __GO_CTX_REG(ctx, si), __GO_CTX_REG(ctx, r8),
		__GO_CTX_REG(ctx, r9), __GO_CTX_REG(ctx, r10), __GO_CTX_REG(ctx, r11),
	};

	if (index >= GO_ABI_INT_REGS)
		return -1;
	*val = regs[index];
	return 0;
}

/* Reads the argument at *loc into *out, zero-extended to 64 bits.
 * Stack ABI (ABI0, Go < 1.17 or assembly): at the entry uprobe SP points at
 * the return address the CALL pushed, so the first argument is at SP+8; the
 * offset in `loc` already includes those 8 bytes.
 * `loc` is a pointer to volatile on purpose: copying a `const volatile`
 * struct by value lets clang fold it to its zero initializer, as if user
 * space had never set it; field reads through the pointer stay real loads.
 * Returns 0, or a negative value when the location is unset or unreadable.
 */
static __always_inline int go_read_arg(struct pt_regs *ctx, const volatile location_t *loc, __u64 *out)
{
	__u8 kind = loc->kind, reg = loc->reg, size = loc->size;
	__s32 offset = loc->offset;
	__u64 val = 0;

	if (size == 0 || size > 8)
		return -1;
	if (kind == GO_LOC_REGISTER) {
		if (go_abi_reg(ctx, reg, &val))
			return -1;
		/* A narrower value sits in the register's low bytes. */
		if (size < 8)
			val &= (1ULL << (size * 8)) - 1;
	} else if (kind == GO_LOC_STACK) {
		/* Little-endian: reading `size` bytes into a zeroed u64 zero-extends. */
		if (bpf_probe_read_user(&val, size, (void *)(ctx->sp + (__s64)offset)))
			return -1;
	} else {
		return -1;
	}
	*out = val;
	return 0;
}

#endif /* __GOTRACE_GO_ABI_H */
