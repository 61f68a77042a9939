// Header fields as every protocol plugin reports them: lower-case names,
// repeated values joined with ", ", secrets redacted by name. The default
// redaction list and the --redact / --no-redact flags meet here.

/** Redacted unless --no-redact: credentials and session cookies. */
export const DEFAULT_REDACT: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

/** The set plugins redact: the defaults plus --redact names, or nothing with --no-redact. */
export function redactionSet(extra: readonly string[], off: boolean): ReadonlySet<string> {
  return off ? new Set() : new Set([...DEFAULT_REDACT, ...extra.map((n) => n.toLowerCase())]);
}

export function addField(h: Record<string, string>, name: string, value: string): void {
  h[name] = name in h ? `${h[name]}, ${value}` : value;
}

/** A field's value as reported: redacted by name, "…" when BPF cut it. */
export function shownValue(redact: ReadonlySet<string>, e: { readonly name: string; readonly value: string; readonly valueLen: number }): string {
  return redact.has(e.name) ? '[redacted]' : e.value + (e.valueLen > e.value.length ? '…' : '');
}
