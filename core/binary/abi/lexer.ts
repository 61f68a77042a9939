// Tokens of Go signatures and type expressions, as users write them and as
// DWARF and the runtime print them (`*crypto/tls.Conn`, `map[string]interface {}`).
import { UsageError } from '../../errors';

export type TokenKind = 'name' | 'punct' | 'string' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** 0-based character offset in the source. */
  readonly pos: number;
}

const PUNCT = ['...', '<-', '(', ')', '[', ']', '{', '}', ',', ';', '*', '.'];

// Names may carry a full import path (`google.golang.org/grpc/internal/transport.headerFrame`,
// `gopkg.in/yaml.v3.Node`) and the compiler's synthesized names (`~r0`, `go.shape.int`,
// `newFunc·1` with the middle dot old compilers used for closures).
const isNameStart = (c: string): boolean => /[\p{L}\p{N}_~]/u.test(c);
const isNamePart = (c: string): boolean => /[\p{L}\p{N}_~.\/\-·]/u.test(c);

export function syntaxError(src: string, pos: number, what: string): UsageError {
  const near = pos >= src.length ? 'end of input' : `'${src.slice(pos, pos + 12)}'`;
  return new UsageError('ERR_SIGNATURE_SYNTAX',
    `Go signature '${src}': ${what} at column ${pos + 1} (near ${near}); write it as Go does, e.g. 'func (c *Conn) Write(b []byte) (int, error)'`);
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"' || c === '`') {
      // Struct tags: kept as one token, then ignored by the parser.
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw syntaxError(src, i, 'unterminated string');
      out.push({ kind: 'string', text: src.slice(i, end + 1), pos: i });
      i = end + 1;
      continue;
    }
    if (isNameStart(c)) {
      let j = i + 1;
      // Stop before `..` so `xs...int` splits into a name and `...`.
      while (j < src.length && isNamePart(src[j]!) && !(src[j] === '.' && src[j + 1] === '.')) j++;
      // A name never ends in '.', '/' or '-'; leave such a character to the parser.
      while (/[./-]/.test(src[j - 1]!)) j--;
      out.push({ kind: 'name', text: src.slice(i, j), pos: i });
      i = j;
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p) throw syntaxError(src, i, `unexpected character '${c}'`);
    out.push({ kind: 'punct', text: p, pos: i });
    i += p.length;
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}
