// Can this process use BPF here? Checked once, before the first load, so
// that a missing privilege or kernel feature is one clear sentence instead of
// an errno from deep inside libbpf. Each check names the Linux version that
// brings what it checks.
import { existsSync, readFileSync } from 'node:fs';
import { GotraceError, isGotraceError } from '../errors';
import { loadAddon } from './addon';

/** Capability numbers, from include/uapi/linux/capability.h. */
export const CAP_SYS_ADMIN = 21;
export const CAP_PERFMON = 38; // Linux 5.8
export const CAP_BPF = 39; // Linux 5.8

export const KERNEL_BTF_PATH = '/sys/kernel/btf/vmlinux';

export interface FeatureCheckOptions {
  /** Where the kernel's BTF is; tests point it elsewhere. */
  readonly btfPath?: string;
  /** The text of /proc/self/status; tests pass their own. */
  readonly procStatus?: string;
}

/** The effective capability set from /proc/<pid>/status text, or undefined if absent. */
export function parseCapEff(status: string): bigint | undefined {
  const hex = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(status)?.[1];
  return hex === undefined ? undefined : BigInt('0x' + hex);
}

/** CAP_SYS_ADMIN alone, or CAP_BPF with CAP_PERFMON (loading plus perf-event uprobes). */
export function hasBpfPrivileges(capEff: bigint): boolean {
  const has = (cap: number): boolean => ((capEff >> BigInt(cap)) & 1n) === 1n;
  return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
}

let cached: GotraceError | null | undefined;

/** The first reason BPF cannot be used here, or undefined. Cached when called without options. */
export function checkBpfSupport(options: FeatureCheckOptions = {}): GotraceError | undefined {
  const useCache = options.btfPath === undefined && options.procStatus === undefined;
  if (useCache && cached !== undefined) return cached ?? undefined;
  const found = firstProblem(options);
  if (useCache) cached = found ?? null;
  return found;
}

/** Throws the reason BPF cannot be used here (ERR_BPF_PRIVILEGE, ERR_BPF_FEATURE, ERR_ADDON_MISSING). */
export function assertBpfUsable(): void {
  const problem = checkBpfSupport();
  if (problem) throw problem;
}

function firstProblem(options: FeatureCheckOptions): GotraceError | undefined {
  const capEff = parseCapEff(options.procStatus ?? readFileSync('/proc/self/status', 'utf8'));
  if (capEff !== undefined && !hasBpfPrivileges(capEff)) {
    return new GotraceError('ERR_BPF_PRIVILEGE',
      'this process has neither CAP_SYS_ADMIN nor CAP_BPF with CAP_PERFMON (Linux 5.8+), so it cannot load BPF programs; run gotrace as root (sudo)');
  }
  const btfPath = options.btfPath ?? KERNEL_BTF_PATH;
  if (!existsSync(btfPath)) {
    return new GotraceError('ERR_BPF_FEATURE',
      `the kernel exposes no BTF at ${btfPath} (Linux 5.4+ built with CONFIG_DEBUG_INFO_BTF=y), which gotrace's CO-RE programs need; run gotrace on such a kernel`);
  }
  return probeRingBuffer();
}

function probeRingBuffer(): GotraceError | undefined {
  let result: number;
  try {
    const addon = loadAddon();
    result = addon.probeMapType(addon.constants.BPF_MAP_TYPE_RINGBUF);
  } catch (e) {
    if (isGotraceError(e)) return e;
    throw e;
  }
  if (result === 1) return undefined;
  if (result === -1 /* -EPERM */) {
    return new GotraceError('ERR_BPF_PRIVILEGE',
      'the kernel refused to create a BPF map (EPERM): this process lacks CAP_BPF, or kernel.unprivileged_bpf_disabled forbids it; run gotrace as root (sudo)');
  }
  if (result === 0) {
    return new GotraceError('ERR_BPF_FEATURE',
      'the kernel has no BPF ring buffer maps (BPF_MAP_TYPE_RINGBUF, Linux 5.8+); run gotrace on a newer kernel');
  }
  return new GotraceError('ERR_BPF_FEATURE',
    `probing for BPF ring buffer maps failed (errno ${-result}); check that this kernel has BPF enabled (CONFIG_BPF_SYSCALL=y)`);
}
