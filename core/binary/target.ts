// Turns what a user names (a file path or a pid) into the executable's path
// and bytes. A pid is read as /proc/PID/root + the link target of
// /proc/PID/exe, so that a process in another mount namespace (a container)
// is read from its own filesystem, not the host's file of the same name.
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GotraceError } from '../errors';
import { loadAddon } from '../bpf/addon';

export interface ResolvedTarget {
  /** The path the bytes were read from. */
  readonly path: string;
  /** The path to show a person: the file as given, or the process's exe. */
  readonly display: string;
  readonly pid?: number;
  readonly dev: number;
  readonly ino: number;
}

export function resolveTarget(arg: string): ResolvedTarget {
  if (/^\d+$/.test(arg)) return resolvePid(Number(arg));
  let st;
  try {
    st = statSync(arg);
  } catch (e) {
    throw new GotraceError('ERR_FILE_NOT_FOUND', 'no such file; give the path of a Go executable or a pid', { file: arg, cause: e });
  }
  if (!st.isFile()) throw new GotraceError('ERR_FILE_READ', 'not a regular file; give the path of a Go executable', { file: arg });
  return { path: arg, display: arg, dev: st.dev, ino: st.ino };
}

function resolvePid(pid: number): ResolvedTarget {
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such process' : code === 'EACCES' || code === 'EPERM' ? 'permission denied; run as root' : String(code);
    throw new GotraceError('ERR_FILE_NOT_FOUND', `pid ${pid}: cannot read /proc/${pid}/exe (${why})`, { cause: e });
  }
  // A replaced or deleted binary still has its bytes behind /proc/PID/exe itself.
  const viaRoot = join(`/proc/${pid}/root`, exe);
  for (const path of exe.endsWith(' (deleted)') ? [`/proc/${pid}/exe`] : [viaRoot, `/proc/${pid}/exe`]) {
    try {
      const st = statSync(path);
      return { path, display: exe, pid, dev: st.dev, ino: st.ino };
    } catch {
      // try the next way in
    }
  }
  throw new GotraceError('ERR_FILE_NOT_FOUND', `pid ${pid}: its executable ${exe} cannot be opened (the process may have exited)`);
}

/**
 * A binary's bytes: memory-mapped through the native addon when it is built
 * (no copy; only the pages analysis touches are read), else read whole.
 * Executables are not rewritten in place while they run (ETXTBSY), which is
 * what makes mapping them safe.
 */
export function readBinaryFile(path: string): Buffer {
  let mapFile: ((p: string) => Buffer) | undefined;
  try {
    mapFile = loadAddon().mapFile;
  } catch {
    mapFile = undefined; // no addon: inspect still works, with a copy
  }
  return mapFile ? mapFile(path) : readFileSync(path);
}

export function readTarget(t: ResolvedTarget): Buffer {
  try {
    return readBinaryFile(t.path);
  } catch (e) {
    throw new GotraceError('ERR_FILE_READ', `cannot read: ${(e as Error).message}`, { file: t.display, cause: e });
  }
}
