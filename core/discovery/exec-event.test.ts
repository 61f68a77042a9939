import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../bpf/paths';
import { GotraceError } from '../errors';
import { decodeWatchEvent, EXEC_RECORD_SIZE, EXEC_WATCH_KIND_EXEC, EXEC_WATCH_KIND_EXIT, HEADER_SIZE } from './exec-event';

/** A record laid out as bpf/exec_watch.h says, written field by field. */
function record(kind: number, fields: { pid: number; tid: number; ppid: number; ts: bigint; status?: number; path?: string }): Buffer {
  const buf = Buffer.alloc(kind === 1 ? EXEC_RECORD_SIZE : HEADER_SIZE);
  buf.writeUInt32LE(kind, 0);
  buf.writeUInt32LE(fields.pid, 4);
  buf.writeUInt32LE(fields.tid, 8);
  buf.writeUInt32LE(fields.ppid, 12);
  buf.writeBigUInt64LE(fields.ts, 16);
  buf.writeUInt32LE(fields.status ?? 0, 24);
  if (fields.path !== undefined) buf.write(fields.path, HEADER_SIZE, 'utf8');
  return buf;
}

test('exec records decode to pid, thread, parent, time and the filename up to its NUL', () => {
  const e = decodeWatchEvent(record(1, { pid: 4242, tid: 4243, ppid: 1, ts: 123456789012345n, path: '/usr/bin/über' }));
  assert.deepEqual(e, { kind: 'exec', pid: 4242, tid: 4243, ppid: 1, ts: 123456789012345n, path: '/usr/bin/über' });
});

test('a filename filling the whole field (cut by the kernel side) decodes without a NUL', () => {
  const long = '/' + 'a'.repeat(EXEC_RECORD_SIZE - HEADER_SIZE - 1);
  const e = decodeWatchEvent(record(1, { pid: 1, tid: 1, ppid: 0, ts: 1n, path: long }));
  assert.equal(e.kind === 'exec' && e.path, long);
});

test('exit records decode the wait status into an exit code or a signal', () => {
  const exited = decodeWatchEvent(record(2, { pid: 7, tid: 7, ppid: 3, ts: 9n, status: 3 << 8 }));
  assert.deepEqual(exited, { kind: 'exit', pid: 7, tid: 7, ppid: 3, ts: 9n, exitCode: 3, signal: null });
  const killed = decodeWatchEvent(record(2, { pid: 7, tid: 7, ppid: 3, ts: 9n, status: 9 }));
  assert.equal(killed.kind === 'exit' && killed.signal, 9);
  assert.equal(killed.kind === 'exit' && killed.exitCode, null);
  const dumped = decodeWatchEvent(record(2, { pid: 7, tid: 7, ppid: 3, ts: 9n, status: 0x80 | 11 }));
  assert.equal(dumped.kind === 'exit' && dumped.signal, 11);
});

test('short, unknown or mis-sized records are ERR_BPF_RINGBUF errors', () => {
  const bad = [Buffer.alloc(8), record(3, { pid: 1, tid: 1, ppid: 1, ts: 1n }), record(2, { pid: 1, tid: 1, ppid: 1, ts: 1n }).subarray(0, HEADER_SIZE - 1),
    Buffer.concat([record(2, { pid: 1, tid: 1, ppid: 1, ts: 1n }), Buffer.alloc(8)])];
  for (const rec of bad) {
    assert.throws(() => decodeWatchEvent(rec), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_BPF_RINGBUF');
  }
});

test('the constants match bpf/exec_watch.h', () => {
  const h = readFileSync(join(packageRoot(), 'bpf', 'exec_watch.h'), 'utf8');
  const define = (name: string): number => Number(new RegExp(`#define ${name} (\\d+)`).exec(h)?.[1]);
  assert.equal(define('EXEC_WATCH_PATH_MAX'), EXEC_RECORD_SIZE - HEADER_SIZE);
  assert.equal(define('EXEC_WATCH_KIND_EXEC'), EXEC_WATCH_KIND_EXEC);
  assert.equal(define('EXEC_WATCH_KIND_EXIT'), EXEC_WATCH_KIND_EXIT);
});
