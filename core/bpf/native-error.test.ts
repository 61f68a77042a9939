import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GotraceError } from '../errors';
import { translateNativeError, verifierLog, VERIFIER_LOG_LINES } from './native-error';

function nativeError(op: string, code: string, errno: number, message: string, log = ''): Error {
  return Object.assign(new Error(message), { op, code, errno, log });
}

function translate(e: Error): GotraceError {
  const t = translateNativeError(e);
  assert.ok(t instanceof GotraceError);
  assert.equal(t.cause, e, 'the native error stays as the cause');
  return t;
}

test('EPERM anywhere means missing privileges, with what to do', () => {
  const e = translate(nativeError('attach', 'EPERM', 1, "uprobe 'p' at /bin/x:0x10 (pid -1): Operation not permitted"));
  assert.equal(e.code, 'ERR_BPF_PRIVILEGE');
  assert.match(e.message, /run it with sudo$/);
});

test('a verifier rejection names the program and ends with the end of the log', () => {
  const lines = Array.from({ length: 100 }, (_, i) => `${i}: insn ${i}`);
  const log = "libbpf: prog 'uprobe_x': BPF program load failed: Permission denied\n" +
    `libbpf: prog 'uprobe_x': -- BEGIN PROG LOAD LOG --\n${lines.join('\n')}\n-- END PROG LOAD LOG --\n`;
  assert.equal(verifierLog(log), lines.join('\n') + '\n');
  const e = translate(nativeError('load', 'EACCES', 13, 'x.bpf.o: Permission denied', log));
  assert.equal(e.code, 'ERR_BPF_LOAD');
  assert.match(e.message, /rejected program 'uprobe_x'/);
  assert.match(e.message, new RegExp(`last ${VERIFIER_LOG_LINES} of 100 lines`));
  assert.ok(e.message.endsWith('99: insn 99'));
  assert.ok(!e.message.includes('39: insn 39\n'), 'only the tail is in the message');
  assert.ok(e.message.includes(`${100 - VERIFIER_LOG_LINES}: insn ${100 - VERIFIER_LOG_LINES}`));
});

test('a verifier interrupted by signals (EAGAIN) is not called a rejection of the code', () => {
  // libbpf's log as it was when node --cpu-prof's SIGPROF interrupted the grpc object's load.
  const log = "libbpf: prog 'uprobe_transport_http2server_operateheaders': BPF program load failed: Resource temporarily unavailable\n" +
    "libbpf: prog 'uprobe_transport_http2server_operateheaders': -- BEGIN PROG LOAD LOG --\nprocessed 5000 insns\n-- END PROG LOAD LOG --\n";
  const e = translate(nativeError('load', 'EAGAIN', 11, 'grpc.bpf.o: Resource temporarily unavailable', log));
  assert.equal(e.code, 'ERR_BPF_LOAD');
  assert.match(e.message, /signals kept interrupting the kernel verifier on program 'uprobe_transport_http2server_operateheaders'/);
  assert.match(e.message, /run again/);
  assert.ok(!e.message.includes('fix the BPF C code'), e.message);
});

test('a load failure without a verifier log shows what libbpf said', () => {
  const e = translate(nativeError('load', 'EINVAL', 22, 'x.bpf.o: Invalid argument', "libbpf: map 'events': failed to create: Invalid argument(-22)\n"));
  assert.equal(e.code, 'ERR_BPF_LOAD');
  assert.match(e.message, /supports the maps and helpers/);
  assert.match(e.message, /map 'events': failed to create/);
});

test('each operation maps to its code', () => {
  const codes = ['open', 'const', 'map', 'attach', 'ringbuf', 'state'].map((op) => translate(nativeError(op, 'EINVAL', 22, 'm')).code);
  assert.deepEqual(codes, ['ERR_BPF_OPEN', 'ERR_BPF_CONST', 'ERR_BPF_MAP', 'ERR_BPF_ATTACH', 'ERR_BPF_RINGBUF', 'ERR_BPF_STATE']);
});

test('errors that are not from the addon pass through', () => {
  const e = new TypeError('key must be a Buffer');
  assert.equal(translateNativeError(e), e);
  assert.equal(translateNativeError('x'), 'x');
});
