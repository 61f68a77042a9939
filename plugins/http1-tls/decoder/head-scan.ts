// The common case of parseHead in one pass over the head's latin1 text, by
// char codes: a start line and `name: value` lines with nothing unusual in
// them. The regex parser (head.ts) cost ~2.5 µs per exchange, a fifth of
// what decoding an HTTPS exchange cost. Anything this scan does not fully
// understand (obs-fold, bad tokens, odd whitespace, a head with no end) it
// leaves to that parser by returning undefined, so both give the same
// answer on every input (head-scan.test.ts checks that on mutated heads).
import type { ParsedHead } from './head';
import { isDigit, TCHAR } from './start-line';

const SP = 0x20, HT = 0x09, CR = 0x0d, LF = 0x0a, COLON = 0x3a;

/** What JavaScript's \s and String.prototype.trim see as space, among latin1 chars. */
function isJsSpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === SP || c === 0xa0;
}

/** "HTTP/1." at text[i], followed by a digit: the digit's value, or -1. */
function version(text: string, i: number): number {
  if (text.charCodeAt(i) !== 0x48 || text.charCodeAt(i + 1) !== 0x54 || text.charCodeAt(i + 2) !== 0x54 || text.charCodeAt(i + 3) !== 0x50
    || text.charCodeAt(i + 4) !== 0x2f || text.charCodeAt(i + 5) !== 0x31 || text.charCodeAt(i + 6) !== 0x2e) return -1;
  const d = text.charCodeAt(i + 7);
  return isDigit(d) ? d - 0x30 : -1;
}

/** The parsed head in bytes[from, to), or undefined when the regex parser must decide. */
export function scanHead(bytes: Buffer, from = 0, to = bytes.length): ParsedHead | undefined {
  const text = bytes.toString('latin1', from, to);
  const n = text.length;
  const firstLf = text.indexOf('\n');
  if (firstLf < 0) return undefined;
  const lineEnd = firstLf > 0 && text.charCodeAt(firstLf - 1) === CR ? firstLf - 1 : firstLf;
  let kind: 'request' | 'response', method = '', target = '', minor: number, status = 0;
  let i = 0;
  while (i < lineEnd && TCHAR[text.charCodeAt(i)]) i++;
  if (i > 0 && i < lineEnd && text.charCodeAt(i) === SP) {
    kind = 'request';
    method = text.slice(0, i);
    const t = ++i;
    while (i < lineEnd && !isJsSpace(text.charCodeAt(i))) i++;
    if (i === t || text.charCodeAt(i) !== SP) return undefined;
    target = text.slice(t, i);
    minor = version(text, i + 1);
    if (minor < 0 || i + 9 !== lineEnd) return undefined;
  } else {
    kind = 'response';
    minor = version(text, 0);
    if (minor < 0 || text.charCodeAt(8) !== SP) return undefined;
    const d0 = text.charCodeAt(9), d1 = text.charCodeAt(10), d2 = text.charCodeAt(11);
    if (!isDigit(d0) || !isDigit(d1) || !isDigit(d2)) return undefined;
    status = (d0 - 0x30) * 100 + (d1 - 0x30) * 10 + (d2 - 0x30);
    if (lineEnd !== 12) {
      // A reason phrase: `.` in the regex takes anything but CR and LF.
      if (lineEnd < 12 || text.charCodeAt(12) !== SP) return undefined;
      for (let k = 13; k < lineEnd; k++) if (text.charCodeAt(k) === CR) return undefined;
    }
  }
  const headers = new Map<string, string>();
  for (let at = firstLf + 1; ; ) {
    if (at >= n) return undefined; // no empty line: let the regex parser say what it makes of it
    const c0 = text.charCodeAt(at);
    if (c0 === LF) break;
    if (c0 === CR && text.charCodeAt(at + 1) === LF) break;
    let j = at;
    let upper = false;
    for (let c = c0; TCHAR[c]; c = text.charCodeAt(++j)) if (c >= 0x41 && c <= 0x5a) upper = true;
    if (j === at || text.charCodeAt(j) !== COLON) return undefined;
    const lf = text.indexOf('\n', j);
    if (lf < 0) return undefined;
    let end = lf > j && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
    let v = j + 1;
    while (v < end && (text.charCodeAt(v) === SP || text.charCodeAt(v) === HT)) v++;
    while (end > v && (text.charCodeAt(end - 1) === SP || text.charCodeAt(end - 1) === HT)) end--;
    // trim() would also take these: rare, so the regex parser does it.
    if (end > v && (isJsSpace(text.charCodeAt(v)) || isJsSpace(text.charCodeAt(end - 1)))) return undefined;
    const name = upper ? text.slice(at, j).toLowerCase() : text.slice(at, j);
    const value = text.slice(v, end);
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
    at = lf + 1;
  }
  return { kind, method, target, minor, status, headers };
}
