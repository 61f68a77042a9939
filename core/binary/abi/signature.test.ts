import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSignature, parseType } from './signature';
import { formatType } from './types';
import { GotraceError } from '../../errors';

const shape = (src: string): string => {
  const s = parseSignature(src);
  const one = (p: { name: string; type: Parameters<typeof formatType>[0] }): string => `${p.name} ${formatType(p.type)}`;
  return `${s.name ?? ''}|${s.receiver ? one(s.receiver) : ''}|${s.params.map(one).join(', ')}|${s.results.map(one).join(', ')}`;
};

test('the forms gotrace accepts', () => {
  assert.equal(shape('func (c *Conn) Write(b []byte) (int, error)'), 'Write|c *Conn|b []byte|~r0 int, ~r1 error');
  assert.equal(shape('main.Divide(dividend int, divisor int) (int, int)'), 'main.Divide||dividend int, divisor int|~r0 int, ~r1 int');
  assert.equal(shape('(x, y int, s string) (n int, err error)'), '||x int, y int, s string|n int, err error');
  assert.equal(shape('crypto/tls.(*Conn).Write(b []byte) (int, error)'), 'crypto/tls.(*Conn).Write|~p0 *crypto/tls.Conn|b []byte|~r0 int, ~r1 error');
  assert.equal(shape('func(int, string) error'), '||~p0 int, ~p1 string|~r0 error');
  assert.equal(shape('main.F()'), 'main.F|||');
  assert.equal(shape('google.golang.org/grpc/internal/transport.(*loopyWriter).writeHeader(streamID uint32, endStream bool, hf []golang.org/x/net/http2/hpack.HeaderField, onWrite func()) error'),
    'google.golang.org/grpc/internal/transport.(*loopyWriter).writeHeader|~p0 *google.golang.org/grpc/internal/transport.loopyWriter|streamID uint32, endStream bool, hf []golang.org/x/net/http2/hpack.HeaderField, onWrite func()|~r0 error');
});

test('unnamed and blank params are named as the compiler names them (~p counts the receiver)', () => {
  assert.equal(shape('func (*T) M(_ int, s string) (_ int, err error)'), 'M|~p0 *T|~p1 int, s string|~r0 int, err error');
  assert.equal(shape('func(a, _ int)'), '||a int, ~p1 int|');
});

test('variadic params are slices', () => {
  assert.equal(shape('fmt.Printf(format string, a ...any) (n int, err error)'), 'fmt.Printf||format string, a []any|n int, err error');
  assert.equal(formatType(parseType('func(string, ...int) bool')), 'func(string, ...int) bool');
});

test('type expressions as users and DWARF write them', () => {
  for (const [src, want] of [
    ['[]uint8', '[]uint8'], ['*crypto/tls.Conn', '*crypto/tls.Conn'], ['[4]*int', '[4]*int'], ['[0x10]byte', '[16]byte'],
    ['map[string]interface {}', 'map[string]interface {}'], ['map[string][]string', 'map[string][]string'],
    ['chan<- int', 'chan<- int'], ['<-chan struct {}', '<-chan struct {}'], ['chan (<-chan int)', 'chan <-chan int'],
    ['func(*runtime.stkframe, unsafe.Pointer) bool', 'func(*runtime.stkframe, unsafe.Pointer) bool'],
    ['func() (int, error)', 'func() (int, error)'],
    ['struct { X, Y int32; Label string }', 'struct { X int32; Y int32; Label string }'],
    ['struct { io.Reader; *bytes.Buffer; n int `json:"n"` }', 'struct { Reader io.Reader; Buffer *bytes.Buffer; n int }'],
    ['interface { Read([]byte) (int, error) }', 'interface { Read([]byte) (int, error) }'],
    ['main.List[int]', 'main.List[int]'], ['gopkg.in/yaml.v3.Node', 'gopkg.in/yaml.v3.Node'],
    ['*runtime/pprof.newFunc·1', '*runtime/pprof.newFunc·1'],
  ] as const) {
    assert.equal(formatType(parseType(src)), want, src);
  }
  assert.deepEqual(parseType('unsafe.Pointer'), { kind: 'basic', name: 'unsafe.Pointer' });
  assert.deepEqual(parseType('error'), { kind: 'named', name: 'error' });
});

test('a param named like its type and generic types in params', () => {
  assert.equal(shape('(string string, xs []int, a [2]int, l main.List[int])'), '||string string, xs []int, a [2]int, l main.List[int]|');
  assert.equal(shape('(main.List[int], int)'), '||~p0 main.List[int], ~p1 int|');
});

test('bad input is ERR_SIGNATURE_SYNTAX with the column', () => {
  for (const [src, col] of [
    ['func (a *T, b *T) M()', 1], ['main.F(a int', 13], ['main.F(a int, string) int', 15], ['main.F(x [n]int)', 11],
    ['main.F(x int) (', 16], ['main.F(x int) int int', 19], ['main.F(x @int)', 10], ['main.F(a int) (b int', 21],
  ] as const) {
    assert.throws(() => parseSignature(src), (e: unknown) =>
      e instanceof GotraceError && e.code === 'ERR_SIGNATURE_SYNTAX' && e.message.includes(`column ${col} `), src);
  }
});
