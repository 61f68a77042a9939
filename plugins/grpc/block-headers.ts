// A header block record (struct go_hdr_block, laid out as
// core/plugin-kit/header-block.ts reads it) straight into the header map a
// gRPC record shows: redacted, repeats joined, "…" where BPF cut a value.
// This is the hot path of the plugin (three blocks and a dozen fields per
// call): readHeaderBlock's object per field, then a fresh string per name and
// value, cost ~4 µs of a ~30 µs call at 12k calls/s. gRPC's names and most
// of its values repeat from call to call (":path", "content-type:
// application/grpc", "grpc-status: 0"), so a byte range seen before is
// compared, not decoded: the string comes back the same object, already
// hashed for the header map, and nothing is allocated for it.
import { HDR_BLOCK_HEAD, readEntry, type EntryString } from '../../core/plugin-kit/header-block';
import { NO_RODATA, type Rodata } from '../../core/plugin-kit/rodata';
import { addField } from '../../core/plugin-kit/headers';
import { sameBytesAt, u16 } from '../../core/plugin-kit/event-words';

interface Cached {
  readonly bytes: Uint8Array;
  readonly str: string;
  /** Names: whether the field is redacted. */
  readonly redact: boolean;
}

/**
 * Strings of byte ranges seen before, in a direct-mapped table: a slot keeps
 * the last range that hashed to it, so the memory is bounded and a value that
 * never repeats (a request id) only costs a miss.
 */
export class ByteStrings {
  private readonly slots: (Cached | undefined)[];
  private readonly mask: number;

  /** `size`: slots, a power of two. */
  constructor(private readonly encoding: 'latin1' | 'utf8', size = 256, private readonly redactSet?: ReadonlySet<string>) {
    this.slots = new Array<Cached | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  /** The string of b[start, end), and for names whether it is redacted. */
  get(b: Buffer, start: number, end: number): Cached {
    const len = end - start;
    // A few bytes and the length pick the slot; the full compare decides.
    const h = len === 0 ? 0 : (len * 31 + b[start]! * 7 + b[start + (len >> 1)]! * 3 + b[end - 1]!) & this.mask;
    const c = this.slots[h];
    if (c && c.bytes.length === len) {
      let i = 0;
      while (i < len && c.bytes[i] === b[start + i]) i++;
      if (i === len) return c;
    }
    const str = b.toString(this.encoding, start, end);
    const fresh = { bytes: Uint8Array.prototype.slice.call(b, start, end), str, redact: this.redactSet?.has(str) ?? false };
    this.slots[h] = fresh;
    return fresh;
  }
}

interface CachedBlock {
  /** The block's bytes: its count, kept, size, and entries with their padding. */
  readonly bytes: Uint8Array;
  /** What its references point into: the same bytes from another binary are another block. */
  readonly ro: Rodata;
  readonly headers: Readonly<Record<string, string>>;
}

/** Decodes header blocks for one session: its tables live as long as it. */
export class BlockHeaders {
  private readonly names: ByteStrings;
  private readonly values = new ByteStrings('utf8', 512);
  /**
   * Whole blocks seen before, direct-mapped like ByteStrings: a server's
   * response headers and trailers are the same bytes call after call, and
   * so are many clients' requests. A hit returns the same frozen map. The
   * head (count, kept, size) is compared too: a block with fields BPF could
   * not keep is not one without them.
   */
  private readonly blocks = new Array<CachedBlock | undefined>(64).fill(undefined);
  private readonly n: EntryString = { buf: Buffer.alloc(0), start: 0, end: 0, len: 0, taken: 0 };
  private readonly v: EntryString = { buf: Buffer.alloc(0), start: 0, end: 0, len: 0, taken: 0 };

  constructor(redact: ReadonlySet<string>) {
    this.names = new ByteStrings('latin1', 256, redact);
  }

  /**
   * The block at `at` in b as a header map; fields end at `end` (the
   * record's end in b) if the record was cut short. Maps are frozen: a
   * repeated block's is shared by the records that hold it. `ro`: the
   * .rodata of the binary the record came from, for strings BPF sent as
   * references.
   */
  read(b: Buffer, at: number, ro: Rodata = NO_RODATA, recordEnd = b.length): Readonly<Record<string, string>> {
    if (recordEnd < at + HDR_BLOCK_HEAD) return NO_FIELDS;
    const kept = u16(b, at + 2), start = at + HDR_BLOCK_HEAD;
    const end = Math.min(recordEnd, start + u16(b, at + 4));
    const len = end - start;
    // The size, the field count and the first name's first bytes pick the slot.
    const slot = len < 10 ? 0 : (len * 7 + kept * 31 + b[start + 8]! * 3 + b[start + 9]!) & (this.blocks.length - 1);
    const c = this.blocks[slot];
    // BPF zeroes the entries' padding (go_hdr_block_add), so equal blocks are equal bytes.
    if (c && c.ro === ro && c.bytes.length === end - at && sameBytes(c.bytes, b, at)) return c.headers;
    const headers = Object.freeze(this.fields(b, kept, start, end, ro));
    this.blocks[slot] = { bytes: Uint8Array.prototype.slice.call(b, at, end), ro, headers };
    return headers;
  }

  private fields(b: Buffer, kept: number, start: number, end: number, ro: Rodata): Record<string, string> {
    const h: Record<string, string> = {};
    const n = this.n, v = this.v;
    let p = start;
    for (let i = 0; i < kept; i++) {
      const next = readEntry(b, p, end, ro, n, v);
      if (next < 0) break;
      const name = this.names.get(n.buf, n.start, n.end);
      const value = name.redact ? '[redacted]' : v.len > v.end - v.start ? `${v.buf.toString('utf8', v.start, v.end)}…` : this.values.get(v.buf, v.start, v.end).str;
      addField(h, name.str, value);
      p = next;
    }
    return h;
  }
}

const NO_FIELDS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * bytes against b from `at`: in a loop for a short block (a response's
 * headers or trailers, ~40 bytes), with Buffer.compare for a longer one (a
 * request's, ~180 bytes). Measured in situ, the loop for every block was 8%
 * of gotrace's CPU, compare 5%.
 */
function sameBytes(bytes: Uint8Array, b: Buffer, at: number): boolean {
  const n = bytes.length;
  return n > SHORT_BLOCK ? b.compare(bytes, 0, n, at, at + n) === 0 : sameBytesAt(bytes, b, at);
}

const SHORT_BLOCK = 64;
