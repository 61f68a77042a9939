// The module info text (runtime.modinfo without its sentinels), parsed line by
// line exactly as Go's runtime/debug.ParseBuildInfo does
// (https://github.com/golang/go/blob/go1.19/src/runtime/debug/mod.go#L121):
//   path\t<main package>
//   mod\t<path>\t<version>[\t<sum>]        the main module
//   dep\t<path>\t<version>[\t<sum>]        a dependency
//   =>\t<path>\t<version>\t<sum>           replaces the module on the line before
//   build\t<key>=<value>                   key or value Go-quoted when they hold space, tab, quotes…
// Unknown lines are skipped, as Go does; a bad line is an error naming it.
import { BinaryFormatError } from '../errors';

export interface ParsedModule {
  path: string;
  version: string;
  sum?: string;
  replace?: ParsedModule;
}

export interface ParsedModinfo {
  path?: string;
  main?: ParsedModule;
  deps: ParsedModule[];
  settings: { key: string; value: string }[];
}

function bad(line: number, msg: string): BinaryFormatError {
  return new BinaryFormatError('ERR_BUILDINFO_MALFORMED', `could not parse Go build info: line ${line}: ${msg}; compare with \`go version -m\` on the file`);
}

function moduleOf(elem: string[], line: number): ParsedModule {
  if (elem.length !== 2 && elem.length !== 3) throw bad(line, `expected 2 or 3 columns; got ${elem.length}`);
  const m: ParsedModule = { path: elem[0]!, version: elem[1]! };
  if (elem.length === 3 && elem[2] !== '') m.sum = elem[2];
  return m;
}

export function parseModinfo(data: string): ParsedModinfo {
  const out: ParsedModinfo = { deps: [], settings: [] };
  let last: ParsedModule | undefined;
  let lineNum = 1;
  let pos = 0;
  // Like Go, only newline-terminated lines count; a trailing fragment is ignored.
  for (let nl = data.indexOf('\n', pos); nl >= 0; nl = data.indexOf('\n', pos), lineNum++) {
    const line = data.slice(pos, nl);
    pos = nl + 1;
    if (line.startsWith('path\t')) {
      out.path = line.slice(5);
    } else if (line.startsWith('mod\t')) {
      last = out.main = moduleOf(line.slice(4).split('\t'), lineNum);
    } else if (line.startsWith('dep\t')) {
      last = moduleOf(line.slice(4).split('\t'), lineNum);
      out.deps.push(last);
    } else if (line.startsWith('=>\t')) {
      const elem = line.slice(3).split('\t');
      if (elem.length !== 3) throw bad(lineNum, `expected 3 columns for replacement; got ${elem.length}`);
      if (!last) throw bad(lineNum, 'replacement with no module on previous line');
      last.replace = moduleOf(elem, lineNum);
      last = undefined;
    } else if (line.startsWith('build\t')) {
      out.settings.push(parseSetting(line.slice(6), lineNum));
    }
  }
  return out;
}

const KEY_NEEDS_QUOTES = /[= \t\r\n"`]/;
const VALUE_NEEDS_QUOTES = /[ \t\r\n"`]/;

function parseSetting(kv: string, line: number): { key: string; value: string } {
  if (kv.length < 1) throw bad(line, "build line missing '='");
  let key: string, rawValue: string;
  if (kv[0] === '=') throw bad(line, 'build line with missing key');
  if (kv[0] === '"' || kv[0] === '`') {
    const rawKey = quotedPrefix(kv);
    if (rawKey === undefined) throw bad(line, 'invalid quoted key in build line');
    if (kv.length === rawKey.length) throw bad(line, "build line missing '=' after quoted key");
    if (kv[rawKey.length] !== '=') throw bad(line, `unexpected character after quoted key: ${JSON.stringify(kv[rawKey.length])}`);
    key = unquote(rawKey)!;
    rawValue = kv.slice(rawKey.length + 1);
  } else {
    const eq = kv.indexOf('=');
    if (eq < 0) throw bad(line, "build line missing '=' after key");
    key = kv.slice(0, eq);
    rawValue = kv.slice(eq + 1);
    if (key.length === 0 || KEY_NEEDS_QUOTES.test(key)) throw bad(line, `unquoted key ${JSON.stringify(key)} must be quoted`);
  }
  let value = rawValue;
  if (rawValue[0] === '"' || rawValue[0] === '`') {
    const v = unquote(rawValue);
    if (v === undefined) throw bad(line, 'invalid quoted value in build line');
    value = v;
  } else if (VALUE_NEEDS_QUOTES.test(rawValue)) {
    throw bad(line, `unquoted value ${JSON.stringify(rawValue)} must be quoted`);
  }
  return { key, value };
}

/** The Go-quoted string at the start of `s` (strconv.QuotedPrefix), or undefined. */
export function quotedPrefix(s: string): string | undefined {
  const q = s[0];
  if (q === '`') {
    const end = s.indexOf('`', 1);
    return end < 0 ? undefined : s.slice(0, end + 1);
  }
  if (q !== '"') return undefined;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\n') return undefined;
    if (c === '\\') i++;
    else if (c === '"') {
      const prefix = s.slice(0, i + 1);
      return unquote(prefix) === undefined ? undefined : prefix;
    }
  }
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };

/**
 * strconv.Unquote for double-quoted and raw strings: the whole of `s` must be
 * one literal. \x and octal escapes are bytes, \u and \U code points, all
 * assembled as UTF-8. Undefined when `s` is not a valid literal.
 */
export function unquote(s: string): string | undefined {
  if (s.length < 2 || s[s.length - 1] !== s[0]) return undefined;
  const body = s.slice(1, -1);
  if (s[0] === '`') return body.includes('`') ? undefined : body.replace(/\r/g, '');
  if (s[0] !== '"') return undefined;
  const bytes: number[] = [];
  const hex = (from: number, n: number): number | undefined => {
    const h = body.slice(from, from + n);
    return h.length === n && /^[0-9a-fA-F]+$/.test(h) ? parseInt(h, 16) : undefined;
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"' || c === '\n') return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      if (cp > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    if (e in SIMPLE_ESCAPES) bytes.push(SIMPLE_ESCAPES[e]!);
    else if (e === 'x') {
      const v = hex(i + 1, 2);
      if (v === undefined) return undefined;
      bytes.push(v);
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const v = hex(i + 1, n);
      if (v === undefined || v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return undefined;
      bytes.push(...Buffer.from(String.fromCodePoint(v), 'utf8'));
      i += n;
    } else if (e >= '0' && e <= '7') {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) return undefined;
      bytes.push(parseInt(o, 8));
      i += 2;
    } else {
      return undefined;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
