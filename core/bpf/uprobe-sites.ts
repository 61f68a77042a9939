// Where one program is attached in one binary: the sites (file offsets, each
// with its cookie) and the pid filter, checked before anything reaches the
// kernel. BpfObject.attachUprobes attaches them with one uprobe_multi link
// (Linux 6.6) or, on older kernels, one link per site.
import { GotraceError } from '../errors';

export interface UprobeSite {
  /** File offset of the instruction to probe (not its virtual address). */
  readonly fileOffset: number;
  /** Value the program reads with bpf_get_attach_cookie() at this site (default 0). */
  readonly cookie?: bigint;
}

export interface UprobeSites {
  readonly binaryPath: string;
  /** Only this process; -1 (the default) for every process running the binary. */
  readonly pid?: number;
  readonly sites: readonly UprobeSite[];
}

/** The pid to attach for (-1: all); throws ERR_BPF_ATTACH on a bad pid or offset. */
export function checkUprobeSites(program: string, target: UprobeSites): number {
  const pid = target.pid ?? -1;
  if (!Number.isInteger(pid) || pid < -1) {
    throw new GotraceError('ERR_BPF_ATTACH', `uprobe '${program}': pid ${pid} is not a process id (or -1 for all)`);
  }
  for (const s of target.sites) {
    if (!Number.isSafeInteger(s.fileOffset) || s.fileOffset < 0) {
      throw new GotraceError('ERR_BPF_ATTACH', `uprobe '${program}': file offset ${s.fileOffset} is not a non-negative integer`);
    }
    if (s.cookie !== undefined && (s.cookie < 0n || s.cookie > 0xffffffffffffffffn)) {
      throw new GotraceError('ERR_BPF_ATTACH', `uprobe '${program}': cookie ${s.cookie} does not fit in a u64`);
    }
  }
  return pid;
}

/** For messages: `/bin/x:0x1f00 pid 42`, `/bin/x:0x1f00 (+19 more)`. */
export function describeSites(binaryPath: string, offsets: readonly number[], pid: number): string {
  const more = offsets.length > 1 ? ` (+${offsets.length - 1} more)` : '';
  return `${binaryPath}:0x${(offsets[0] ?? 0).toString(16)}${more}${pid === -1 ? '' : ` pid ${pid}`}`;
}
