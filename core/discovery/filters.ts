// Which processes discovery reports: `--pid N` and `--exe GLOB`, both
// repeatable. Within one kind any match is enough; when both kinds are
// given a process must match both (`--exe '*server' --pid 7` means "pid 7,
// if it runs a server"). No filter at all means every Go process.
//
// Globs are our own: Node 20's path.matchesGlob is experimental.
import { basename } from 'node:path';
import { UsageError } from '../errors';

export interface ProcessFilters {
  /** Only these process ids. */
  readonly pids?: readonly number[];
  /**
   * Only executables whose path matches one of these globs. A glob without
   * '/' matches the file name (`myserver*`), one with '/' the whole path
   * (`/usr/local/bin/*`, `/opt/**`). `*` and `?` stop at '/', `**` does not,
   * `[abc]`, `[a-z]`, `[!x]` are classes, `\` quotes the next character.
   */
  readonly exeGlobs?: readonly string[];
}

export interface ProcessMatcher {
  /** True when the pid passes the --pid filter (always, without one). */
  pid(pid: number): boolean;
  /** True when the executable path passes the --exe filter (always, without one). */
  exe(path: string): boolean;
  /** The pids asked for, so a scan can skip listing /proc; undefined when any pid will do. */
  readonly onlyPids: readonly number[] | undefined;
}

/** Validates the filters (a bad one is an ERR_USAGE) and compiles the globs once. */
export function compileFilters(filters: ProcessFilters = {}): ProcessMatcher {
  const pids = filters.pids?.length ? [...new Set(filters.pids)] : undefined;
  for (const pid of pids ?? []) {
    if (!Number.isSafeInteger(pid) || pid < 1) {
      throw new UsageError('ERR_USAGE', `--pid ${pid}: a process id is a positive integer; see ps -e for the running ones`);
    }
  }
  const globs = (filters.exeGlobs ?? []).map((g) => ({ byName: !g.includes('/'), re: globToRegExp(g) }));
  const pidSet = new Set(pids);
  return {
    onlyPids: pids,
    pid: (pid) => pids === undefined || pidSet.has(pid),
    exe: (path) => globs.length === 0 || globs.some((g) => g.re.test(g.byName ? basename(path) : path)),
  };
}

/** Compiles one glob (syntax above) to an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  if (glob === '') throw new UsageError('ERR_USAGE', '--exe needs a glob, e.g. --exe \'*server\' or --exe \'/opt/**\'');
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\') {
      if (i + 1 === glob.length) throw new UsageError('ERR_USAGE', `--exe ${glob}: a trailing '\\' quotes nothing; remove it or write '\\\\'`);
      re += escapeRegExp(glob[++i]!);
    } else if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        // "**/" may match no directory at all: /opt/**/bin matches /opt/bin.
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = classEnd(glob, i);
      if (end < 0) throw new UsageError('ERR_USAGE', `--exe ${glob}: '[' at ${i} has no closing ']'; quote it as '\\['`);
      re += classToRegExp(glob.slice(i + 1, end));
      i = end;
    } else {
      re += escapeRegExp(c);
    }
  }
  return new RegExp(`^${re}$`, 's');
}

/** Index of the ']' closing the class opened at `open`; a ']' right after '[' or '[!' is literal. */
function classEnd(glob: string, open: number): number {
  let i = open + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === ']') return i;
  }
  return -1;
}

function classToRegExp(body: string): string {
  let negate = false;
  if (body[0] === '!' || body[0] === '^') {
    negate = true;
    body = body.slice(1);
  }
  // Inside a RegExp class only \ ] ^ need quoting; '-' keeps its range meaning.
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length) out += quoteInClass(body[++i]!, true);
    else out += quoteInClass(c, false);
  }
  // Like '*', a class never matches the directory separator.
  return negate ? `[^/${out}]` : `(?!/)[${out}]`;
}

/** Quotes a class member for a RegExp; a quoted '-' is a literal dash, not a range. */
function quoteInClass(c: string, quoted: boolean): string {
  return c === ']' || c === '^' || c === '\\' || (quoted && c === '-') ? '\\' + c : c;
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? '\\' + c : c;
}
