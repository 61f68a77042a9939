// One catalogue of gotrace's error codes. Every failure that reaches a user is a
// GotraceError with a stable code and a message that says what to do next.
// Errors are built once and never mutated (fields are readonly).

export interface ErrorCodeInfo {
  /** What went wrong, for docs and `--help`. */
  readonly summary: string;
}

/** Every code gotrace can raise. A test checks each one is documented in docs/errors.md. */
export const ERROR_CODES = {
  ERR_FILE_NOT_FOUND: { summary: 'the target file or process does not exist' },
  ERR_FILE_READ: { summary: 'the target file could not be read' },
  ERR_NOT_ELF: { summary: 'the file is not an ELF executable' },
  ERR_ELF_UNSUPPORTED: { summary: 'the ELF is not 64-bit little-endian x86-64' },
  ERR_ELF_MALFORMED: { summary: 'an ELF header or table points outside the file or is inconsistent' },
  ERR_NOT_GO: { summary: 'the ELF holds no Go runtime data (no pclntab, no build info)' },
  ERR_BUILDINFO_MALFORMED: { summary: 'the .go.buildinfo blob is inconsistent' },
  ERR_PCLNTAB_MALFORMED: { summary: 'the .gopclntab table is inconsistent' },
  ERR_PCLNTAB_UNSUPPORTED: { summary: 'the pclntab version is not one gotrace reads' },
  ERR_DWARF_MALFORMED: { summary: 'a DWARF section is inconsistent' },
  ERR_DWARF_UNSUPPORTED: { summary: 'a DWARF construct gotrace does not read' },
  ERR_SYMBOL_NOT_FOUND: { summary: 'a function or symbol is not in the binary' },
  ERR_TYPE_NOT_FOUND: { summary: 'a type is not described by the binary' },
  ERR_DECODE: { summary: 'machine code could not be decoded' },
  ERR_ADDRESS_NOT_MAPPED: { summary: 'a virtual address lies in no PT_LOAD segment' },
  ERR_SIGNATURE_SYNTAX: { summary: 'a Go signature could not be parsed' },
  ERR_ABI_UNKNOWN_TYPE: { summary: 'a type in a Go signature has no known layout' },
  ERR_USAGE: { summary: 'a command-line argument is wrong' },
  ERR_RULE_INVALID: { summary: 'a rule file is not valid YAML/JSON or does not fit the rule schema' },
  ERR_RULE_CHECK_FAILED: { summary: 'a binary lacks symbols a rule needs' },
  ERR_RULE_NO_SELECTOR: { summary: 'no selector of a rule matches the binary\'s Go or module versions' },
  ERR_RULE_FAILED: { summary: 'a rule failed for a binary (wraps the cause, tagged with the rule id)' },
  ERR_PLUGIN_INVALID: { summary: 'a plugin is malformed or missing a hooker a rule names' },
  ERR_OFFSET_TABLE_INVALID: { summary: 'an offset table file does not fit its schema or is inconsistent' },
  ERR_OFFSET_UNKNOWN: { summary: 'no source (DWARF, rule file, table, signature) gives an offset or location a probe needs' },
  ERR_ADDON_MISSING: { summary: 'the native libbpf addon is not built or does not load' },
  ERR_BPF_PRIVILEGE: { summary: 'the process lacks the privileges to load or attach BPF programs' },
  ERR_BPF_FEATURE: { summary: 'the kernel lacks a BPF feature gotrace needs (BTF, ring buffers)' },
  ERR_BPF_OPEN: { summary: 'a BPF object file could not be opened' },
  ERR_BPF_CONST: { summary: 'a BPF const volatile value could not be set' },
  ERR_BPF_LOAD: { summary: 'the kernel rejected a BPF program or map at load' },
  ERR_BPF_MAP: { summary: 'a BPF map operation failed' },
  ERR_BPF_ATTACH: { summary: 'a BPF program could not be attached to a uprobe or tracepoint' },
  ERR_BPF_RINGBUF: { summary: 'a BPF ring buffer could not be consumed' },
  ERR_BPF_STATE: { summary: 'a BPF object was used out of order (not loaded yet, already loaded, or closed)' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GotraceErrorOptions {
  cause?: unknown;
  /** The file the error is about, prefixed to the message when given. */
  file?: string;
}

export class GotraceError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;

  constructor(code: ErrorCode, message: string, options: GotraceErrorOptions = {}) {
    super(options.file ? `${options.file}: ${message}` : message, { cause: options.cause });
    this.code = code;
    this.file = options.file;
    this.name = new.target.name;
    Object.freeze(this);
  }
}

/** Problems with the bytes of a binary: truncated, corrupted, unsupported. */
export class BinaryFormatError extends GotraceError {}
/** Something asked for (a symbol, a type) that the binary does not have. */
export class LookupError extends GotraceError {}
/** A wrong flag, argument or signature given by the user. */
export class UsageError extends GotraceError {}

export function isGotraceError(e: unknown): e is GotraceError {
  return e instanceof GotraceError;
}

/**
 * Re-throws `e` as a BinaryFormatError for `file` when it is a low-level
 * failure (RangeError from a Buffer read past the end, etc.), so that callers
 * only ever see typed errors.
 */
export function asBinaryError(e: unknown, code: ErrorCode, what: string, file?: string): GotraceError {
  if (e instanceof GotraceError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new BinaryFormatError(code, `${what}: ${detail}; the file may be truncated or corrupted`, { cause: e, file });
}
