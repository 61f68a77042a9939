// Parses Go function signatures and type expressions into the type model of
// ./types. Accepted forms:
//   func (c *Conn) Write(b []byte) (int, error)
//   crypto/tls.(*Conn).Write(b []byte) (int, error)     (linker name; receiver inferred)
//   main.Divide(dividend int, divisor int) (int, int)
//   (x, y int, s string) (n int, err error)
//   func(int, string) error
// Unnamed and blank parameters are named the way the compiler names them since
// Go 1.22: receiver and params `~p0, ~p1, …` counted together, results `~r0, …`
// (https://github.com/golang/go/blob/go1.22.0/src/cmd/compile/internal/ir/func.go, DeclareParams).
import { syntaxError, tokenize, type Token } from './lexer';
import { isBasicName, type GoField, type GoType } from './types';

export interface GoParam { readonly name: string; readonly type: GoType }

export interface GoSignature {
  /** The function's name as written (`main.Divide`, `Write`), when given. */
  readonly name?: string;
  readonly receiver?: GoParam;
  readonly params: readonly GoParam[];
  readonly results: readonly GoParam[];
}

const KEYWORDS = new Set(['func', 'chan', 'map', 'struct', 'interface']);

interface RawParam { readonly name?: string; readonly type: GoType; readonly variadic: boolean }

class Parser {
  private i = 0;
  constructor(private readonly src: string, private readonly toks: readonly Token[]) {}

  private get tok(): Token { return this.toks[this.i]!; }
  private peek(n = 1): Token { return this.toks[Math.min(this.i + n, this.toks.length - 1)]!; }
  private is(text: string): boolean { return this.tok.kind !== 'string' && this.tok.text === text; }
  private fail(what: string, at = this.tok): never { throw syntaxError(this.src, at.pos, what); }
  private take(): Token { return this.toks[this.i++]!; }
  private expect(text: string): Token {
    if (!this.is(text)) this.fail(`expected '${text}'`);
    return this.take();
  }
  private name(): string {
    if (this.tok.kind !== 'name') this.fail('expected a name');
    return this.take().text;
  }
  get atEnd(): boolean { return this.tok.kind === 'eof'; }

  signature(): GoSignature {
    if (this.is('func')) this.take();
    let receiver: RawParam | undefined;
    let name: string | undefined;
    let params: RawParam[];
    if (this.is('(')) {
      const first = this.paramList();
      if (this.tok.kind === 'name' && this.isMethodNameAhead()) {
        if (first.length !== 1 || first[0]!.variadic) this.fail('a method has exactly one receiver', this.toks[0]);
        receiver = first[0];
        name = this.funcName().name;
        params = this.paramList();
      } else {
        params = first;
      }
    } else {
      const fn = this.funcName();
      name = fn.name;
      receiver = fn.receiver;
      params = this.paramList();
    }
    const results = this.results();
    if (!this.atEnd) this.fail('unexpected text after the signature');
    return nameParams(name, receiver, params, results);
  }

  /** After `(…)`: a name then `(` is a method name after its receiver; anything else is the result. */
  private isMethodNameAhead(): boolean {
    return !KEYWORDS.has(this.tok.text) && this.peek().text === '(';
  }

  /** `main.Divide`, `Write`, `crypto/tls.(*Conn).Write`, `main.Map[go.shape.int]`: the receiver of the linker form is inferred. */
  private funcName(): { name: string; receiver?: RawParam } {
    const start = this.tok.pos;
    let text = this.name();
    let receiver: RawParam | undefined;
    while (this.is('.')) {
      this.take();
      if (this.is('(')) {
        // pkg.(*T).M: the method's receiver is a pointer to pkg.T.
        this.take();
        this.expect('*');
        const from = this.tok.pos;
        this.name();
        if (this.is('[')) this.skipBalanced('[', ']');
        const t = this.src.slice(from, this.tok.pos).trim();
        this.expect(')');
        receiver = { type: { kind: 'pointer', elem: { kind: 'named', name: `${text}.${t}` } }, variadic: false };
        text = `${text}.(*${t})`;
      } else {
        text += '.' + this.name();
      }
    }
    if (this.is('[')) this.skipBalanced('[', ']');
    return { name: this.src.slice(start, this.tok.pos).trim(), receiver };
  }

  private skipBalanced(open: string, close: string): void {
    let depth = 0;
    do {
      if (this.atEnd) this.fail(`unbalanced '${open}'`);
      const t = this.take().text;
      if (t === open) depth++;
      else if (t === close) depth--;
    } while (depth > 0);
  }

  /** `(a, b int, c string)` or `(int, string)`: Go's rule is all named or none. */
  paramList(): RawParam[] {
    this.expect('(');
    const entries: { at: Token; name?: Token; type?: GoType; variadic: boolean }[] = [];
    while (!this.is(')')) {
      const t = this.tok, n = this.peek();
      if (t.kind === 'name' && !KEYWORDS.has(t.text) && (n.text === ',' || n.text === ')')) {
        entries.push({ at: t, name: t, variadic: false }); // a bare name or a bare type: decided below
        this.take();
      } else if (t.kind === 'name' && !KEYWORDS.has(t.text) && (n.kind === 'name' || ['*', '(', '...', '<-'].includes(n.text) || (n.text === '[' && !this.isTypeArgs()))) {
        this.take();
        const variadic = this.is('...') && !!this.take();
        entries.push({ at: t, name: t, type: this.type(), variadic });
      } else {
        const variadic = this.is('...') && !!this.take();
        entries.push({ at: t, type: this.type(), variadic });
      }
      if (!this.is(')')) this.expect(',');
    }
    this.take();
    if (!entries.some((e) => e.name && e.type)) {
      return entries.map((e) => ({ type: e.type ?? this.typeName(e.name!), variadic: e.variadic }));
    }
    const out: RawParam[] = [];
    let pending: Token[] = [];
    for (const e of entries) {
      if (!e.type) { pending.push(e.name!); continue; }
      if (!e.name) this.fail('mixed named and unnamed parameters', e.at);
      for (const p of [...pending, e.name]) out.push({ name: p.text, type: e.type, variadic: e.variadic });
      pending = [];
    }
    if (pending.length) this.fail('missing parameter type', pending[0]);
    return out;
  }

  /**
   * After `name [`: type arguments (`List[int]`, then `,` or `)`), or a
   * parameter name and an array or slice type (`xs []int`, `a [2]int`, `a [n]int`).
   */
  private isTypeArgs(): boolean {
    if (this.peek(2).text === ']') return false;
    let j = this.i + 1, depth = 0;
    do {
      const t = this.toks[j++]!;
      if (t.kind === 'eof') return false;
      if (t.text === '[') depth++;
      else if (t.text === ']') depth--;
    } while (depth > 0);
    const after = this.toks[j]!;
    return after.kind === 'eof' || after.text === ',' || after.text === ')';
  }

  private typeName(t: Token): GoType {
    return isBasicName(t.text) ? { kind: 'basic', name: t.text } : { kind: 'named', name: t.text };
  }

  results(): RawParam[] {
    if (this.atEnd) return [];
    if (this.is('(')) return this.paramList();
    return [{ type: this.type(), variadic: false }];
  }

  type(): GoType {
    const t = this.tok;
    if (this.is('*')) { this.take(); return { kind: 'pointer', elem: this.type() }; }
    if (this.is('(')) { this.take(); const inner = this.type(); this.expect(')'); return inner; }
    if (this.is('[')) {
      this.take();
      if (this.is(']')) { this.take(); return { kind: 'slice', elem: this.type() }; }
      const len = this.tok.kind === 'name' ? Number(this.tok.text) : NaN;
      if (!Number.isSafeInteger(len) || len < 0) this.fail('expected an array length');
      this.take();
      this.expect(']');
      return { kind: 'array', length: len, elem: this.type() };
    }
    if (this.is('<-')) { this.take(); this.expect('chan'); return { kind: 'chan', dir: 'recv', elem: this.type() }; }
    if (t.kind !== 'name') this.fail('expected a type');
    switch (t.text) {
      case 'chan': {
        this.take();
        const send = this.is('<-') && !!this.take();
        return { kind: 'chan', dir: send ? 'send' : 'both', elem: this.type() };
      }
      case 'map': {
        this.take();
        this.expect('[');
        const key = this.type();
        this.expect(']');
        return { kind: 'map', key, elem: this.type() };
      }
      case 'func': {
        this.take();
        const ps = this.paramList();
        const rs = this.is(')') || this.is(',') || this.is(']') || this.is(';') || this.is('}') || this.atEnd ? [] : this.results();
        return { kind: 'func', params: ps.map(sliceIfVariadic), results: rs.map((r) => r.type), variadic: ps.some((p) => p.variadic) };
      }
      case 'interface': {
        this.take();
        const from = this.expect('{').pos + 1;
        this.i--;
        this.skipBalanced('{', '}');
        return { kind: 'interface', body: this.src.slice(from, this.toks[this.i - 1]!.pos).trim() };
      }
      case 'struct': return this.structType();
    }
    const start = this.take().pos;
    let name = t.text;
    while (this.is('.') && this.peek().kind === 'name') { this.take(); name += '.' + this.take().text; }
    if (name === 'unsafe.Pointer') return { kind: 'basic', name };
    if (this.is('[')) {
      this.skipBalanced('[', ']');
      return { kind: 'named', name: this.src.slice(start, this.toks[this.i - 1]!.pos + 1) };
    }
    return isBasicName(name) ? { kind: 'basic', name } : { kind: 'named', name };
  }

  private structType(): GoType {
    this.take();
    this.expect('{');
    const fields: GoField[] = [];
    while (!this.is('}')) {
      if (this.is(';')) { this.take(); continue; }
      const names: string[] = [];
      if (this.is('*') || (this.tok.kind === 'name' && [';', '}', '.'].includes(this.peek().text)) || this.peek().kind === 'string') {
        // Embedded field: named after the type's last component.
        const type = this.type();
        const base = type.kind === 'pointer' ? type.elem : type;
        const n = base.kind === 'named' || base.kind === 'basic' ? base.name : '?';
        fields.push({ name: n.slice(n.lastIndexOf('.') + 1), type });
      } else {
        names.push(this.name());
        while (this.is(',')) { this.take(); names.push(this.name()); }
        const type = this.type();
        for (const n of names) fields.push({ name: n, type });
      }
      if (this.tok.kind === 'string') this.take();
      if (!this.is('}')) this.expect(';');
    }
    this.take();
    return { kind: 'struct', fields };
  }
}

function sliceIfVariadic(p: RawParam): GoType {
  return p.variadic ? { kind: 'slice', elem: p.type } : p.type;
}

function nameParams(name: string | undefined, receiver: RawParam | undefined, params: RawParam[], results: RawParam[]): GoSignature {
  const named = (p: RawParam, prefix: string, i: number): GoParam =>
    ({ name: p.name && p.name !== '_' ? p.name : `${prefix}${i}`, type: sliceIfVariadic(p) });
  const shift = receiver ? 1 : 0;
  return {
    ...(name !== undefined ? { name } : {}),
    ...(receiver ? { receiver: named(receiver, '~p', 0) } : {}),
    params: params.map((p, i) => named(p, '~p', i + shift)),
    results: results.map((r, i) => named(r, '~r', i)),
  };
}

/** Parses a Go signature; ERR_SIGNATURE_SYNTAX with the column on bad input. */
export function parseSignature(src: string): GoSignature {
  return new Parser(src, tokenize(src)).signature();
}

/** Parses one Go type expression (`[]byte`, `map[string]*main.T`, `struct { X int }`). */
export function parseType(src: string): GoType {
  const p = new Parser(src, tokenize(src));
  const t = p.type();
  if (!p.atEnd) throw syntaxError(src, src.length, 'unexpected text after the type');
  return t;
}
