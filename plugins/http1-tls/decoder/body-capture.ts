// Keeps the first maxBody bytes of a body and renders them for a record.
// Never holds more than maxBody bytes, whatever the body's size. Bytes are
// copied: the chunk buffers belong to the ring-buffer reader.
import { isUtf8 } from 'node:buffer';

export class BodyCapture {
  private readonly parts: Buffer[] = [];
  private held = 0;
  /** A hole was seen: later bytes are not contiguous with the kept ones. */
  private holed = false;

  constructor(private readonly max: number) {}

  /** Keeps what fits of bytes[from, to). */
  add(bytes: Buffer, from: number, to: number): void {
    if (this.holed || this.held >= this.max || to <= from) return;
    const take = bytes.subarray(from, Math.min(to, from + this.max - this.held));
    this.parts.push(Buffer.from(take));
    this.held += take.length;
  }

  hole(): void {
    this.holed = true;
  }

  /** The kept bytes as a record field (see Http1Record.reqBody), or undefined when bodies are off. */
  render(bodySize: number): string | undefined {
    if (this.max === 0) return undefined;
    return encodeBody(Buffer.concat(this.parts, this.held), this.held < bodySize);
  }
}

/**
 * UTF-8 text when valid, else `base64:<base64>`. When `cut` (more bytes
 * followed), an incomplete multi-byte character at the end is dropped first.
 */
export function encodeBody(bytes: Buffer, cut: boolean): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  if (cut) {
    for (let drop = 1; drop <= 3 && drop <= bytes.length; drop++) {
      const head = bytes.subarray(0, bytes.length - drop);
      if (isUtf8(head) && isLeadOfLongerChar(bytes, bytes.length - drop)) return head.toString('utf8');
    }
  }
  return `base64:${bytes.toString('base64')}`;
}

/** Whether bytes[at..] is the start of a multi-byte UTF-8 character that the end cut short. */
function isLeadOfLongerChar(bytes: Buffer, at: number): boolean {
  const lead = bytes[at]!;
  const len = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xc2 && lead < 0xe0 ? 2 : 0;
  if (len === 0 || bytes.length - at >= len) return false;
  for (let i = at + 1; i < bytes.length; i++) if ((bytes[i]! & 0xc0) !== 0x80) return false;
  return true;
}
