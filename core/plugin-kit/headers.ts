// Header fields as every protocol plugin reports them: lower-case names,
// repeated values joined with ", ", secrets redacted by name. The default
// redaction list and the --redact / --no-redact flags meet here.
import { HDR_VALUE } from './header-block';

/** Redacted unless --no-redact: credentials and session cookies. */
export const DEFAULT_REDACT: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

/** The set plugins redact: the defaults plus --redact names, or nothing with --no-redact. */
export function redactionSet(extra: readonly string[], off: boolean): ReadonlySet<string> {
  return off ? new Set() : new Set([...DEFAULT_REDACT, ...extra.map((n) => n.toLowerCase())]);
}

export function addField(h: Record<string, string>, name: string, value: string): void {
  h[name] = name in h ? `${h[name]}, ${value}` : value;
}

/**
 * A field's value as reported: redacted by name, "…" when BPF cut it.
 * valueLen is the real length in bytes and `kept` the bytes BPF copies at
 * most (HDR_VALUE for header blocks): comparing valueLen with the decoded
 * string's length would call every non-ASCII value cut.
 */
export function shownValue(redact: ReadonlySet<string>, e: { readonly name: string; readonly value: string; readonly valueLen: number }, kept = HDR_VALUE): string {
  return redact.has(e.name) ? '[redacted]' : e.value + (e.valueLen > kept ? '…' : '');
}
