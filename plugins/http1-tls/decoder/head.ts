// Parses a complete HTTP/1.x head (start line + header fields, up to and
// including the empty line) and decides how the body that follows is framed
// (RFC 9112 §6.3). Header bytes are read as latin1, as Node's http and Go's
// net/textproto keep them: one char per byte.
import { scanHead } from './head-scan';

export interface ParsedHead {
  readonly kind: 'request' | 'response';
  readonly method: string;
  readonly target: string;
  /** Minor version: 0 or 1 (HTTP/1.0, HTTP/1.1). */
  readonly minor: number;
  readonly status: number;
  /** Lowercased names, repeated fields joined with ", ", unredacted. */
  readonly headers: ReadonlyMap<string, string>;
}

export type Framing =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  /** The body runs to the end of the connection (responses only). */
  | { readonly kind: 'close' };

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/1\.(\d)$/;
const STATUS_LINE = /^HTTP\/1\.(\d) (\d{3})(?: .*)?$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses head bytes (without the final empty line or with it); returns a reason string when malformed. */
export function parseHead(bytes: Buffer, from = 0, to = bytes.length): ParsedHead | string {
  return scanHead(bytes, from, to) ?? parseHeadByLines(bytes.subarray(from, to));
}

/** parseHead by regexes, line by line: the reference, and what decides every head scanHead does not take. */
export function parseHeadByLines(bytes: Buffer): ParsedHead | string {
  const text = bytes.toString('latin1');
  let at = 0;
  /** The next line without its CR LF (or bare LF), or null at the end. */
  const nextLine = (): string | null => {
    if (at >= text.length) return null;
    let lf = text.indexOf('\n', at);
    if (lf < 0) lf = text.length;
    const line = text.slice(at, lf > at && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf);
    at = lf + 1;
    return line;
  };
  const first = nextLine() ?? '';
  let kind: 'request' | 'response', method = '', target = '', minor: number, status = 0;
  const rq = REQUEST_LINE.exec(first);
  if (rq) {
    kind = 'request'; method = rq[1]!; target = rq[2]!; minor = Number(rq[3]);
  } else {
    const st = STATUS_LINE.exec(first);
    if (!st) return `bad start line ${JSON.stringify(first.slice(0, 64))}`;
    kind = 'response'; minor = Number(st[1]); status = Number(st[2]);
  }
  const headers = new Map<string, string>();
  let last: string | null = null;
  for (let line = nextLine(); line !== null && line !== ''; line = nextLine()) {
    if (line[0] === ' ' || line[0] === '\t') {
      // obs-fold (RFC 9112 §5.2): continuation of the previous field's value.
      if (last === null) return 'header continuation line before any field';
      headers.set(last, `${headers.get(last)} ${line.trim()}`.trim());
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!FIELD_NAME.test(name)) return `bad header line ${JSON.stringify(line.slice(0, 64))}`;
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers.get(key);
    headers.set(key, prev === undefined ? value : `${prev}, ${value}`);
    last = key;
  }
  return { kind, method, target, minor, status, headers };
}

/** The Content-Length, or 'absent', or a reason string when it is invalid or conflicting. */
function contentLength(h: ParsedHead): number | 'absent' | string {
  const raw = h.headers.get('content-length');
  if (raw === undefined) return 'absent';
  // One field, one value: the usual case, without the split.
  if (!raw.includes(',')) return /^\d{1,15}$/.test(raw) ? Number(raw) : `bad content-length ${JSON.stringify(raw)}`;
  const values = new Set(raw.split(',').map((v) => v.trim()));
  if (values.size !== 1) return `conflicting content-length ${JSON.stringify(raw)}`;
  const [v] = values as unknown as [string];
  if (!/^\d{1,15}$/.test(v)) return `bad content-length ${JSON.stringify(v)}`;
  return Number(v);
}

/** Whether the last transfer coding is chunked, 'absent', or 'other'. */
function transferCoding(h: ParsedHead): 'chunked' | 'other' | 'absent' {
  const raw = h.headers.get('transfer-encoding');
  if (raw === undefined || h.minor === 0) return 'absent';
  const codings = raw.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
  return codings[codings.length - 1] === 'chunked' ? 'chunked' : 'other';
}

/** How a request's body is delimited (RFC 9112 §6.3 rules 4-7). */
export function requestFraming(h: ParsedHead): Framing | string {
  const te = transferCoding(h);
  if (te === 'chunked') return { kind: 'chunked' };
  if (te === 'other') return 'request transfer-encoding does not end in chunked';
  const cl = contentLength(h);
  if (typeof cl === 'string') return cl === 'absent' ? { kind: 'none' } : cl;
  return cl === 0 ? { kind: 'none' } : { kind: 'length', length: cl };
}

/**
 * How a response's body is delimited (RFC 9112 §6.3 rules 1-7). `reqMethod` is
 * the method of the request it answers, when known.
 */
export function responseFraming(h: ParsedHead, reqMethod: string | null): Framing | string {
  const s = h.status;
  if (reqMethod === 'HEAD' || (s >= 100 && s < 200) || s === 204 || s === 304) return { kind: 'none' };
  if (reqMethod === 'CONNECT' && s >= 200 && s < 300) return { kind: 'none' };
  const te = transferCoding(h);
  if (te === 'chunked') return { kind: 'chunked' };
  if (te === 'other') return { kind: 'close' };
  const cl = contentLength(h);
  if (typeof cl === 'string') return cl === 'absent' ? { kind: 'close' } : cl;
  return cl === 0 ? { kind: 'none' } : { kind: 'length', length: cl };
}

/** After this exchange the connection carries another protocol (RFC 9110 §7.8, §9.3.6). */
export function switchesProtocol(reqMethod: string | null, status: number): boolean {
  return status === 101 || (reqMethod === 'CONNECT' && status >= 200 && status < 300);
}

/** Headers as a record, with redacted names' values replaced. */
export function headerRecord(headers: ReadonlyMap<string, string>, redact: ReadonlySet<string>): Record<string, string> {
  const r: Record<string, string> = {};
  // forEach, not for-of: no [key, value] array per field.
  headers.forEach((v, k) => {
    const value = redact.has(k) ? '[redacted]' : v;
    // A field named __proto__ must stay a field, not set the prototype.
    if (k === '__proto__') Object.defineProperty(r, k, { value, enumerable: true, writable: true, configurable: true });
    else r[k] = value;
  });
  return r;
}
