// Where a process loaded its executable, relative to the link-time addresses:
// zero for ET_EXEC, the ASLR slide for a PIE. Data addresses BPF compares
// against (itabs) must be moved by it, per process.
import { readFileSync } from 'node:fs';
import type { ElfFile } from '../binary/elf';
import { GotraceError } from '../errors';

/** `inode` is the executable's inode (from the session's `dev:ino` key). */
export function loadBias(pid: number, elf: ElfFile, inode: string): bigint {
  const first = elf.segments.filter((s) => s.type === 1).sort((a, b) => a.offset - b.offset)[0];
  for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const [range, , offset, , ino] = line.split(/\s+/);
    if (!range || ino !== inode || parseInt(offset ?? '', 16) !== 0) continue;
    return BigInt(`0x${range.split('-')[0]}`) - BigInt((first?.vaddr ?? 0) & ~0xfff);
  }
  throw new GotraceError('ERR_BPF_ATTACH', `pid ${pid}: its executable is not in /proc/${pid}/maps; cannot place data addresses of a PIE (the process may have exited)`);
}
