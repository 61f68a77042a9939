import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GotraceError } from '../errors';
import { encodeLocation } from './go-location';

test('a register location is kind 1, the ABIInternal register index, the size', () => {
  assert.deepEqual([...encodeLocation({ kind: 'register', register: 'RAX', size: 8 })], [1, 0, 8, 0, 0, 0, 0, 0]);
  assert.deepEqual([...encodeLocation({ kind: 'register', register: 'R11', size: 4 })], [1, 8, 4, 0, 0, 0, 0, 0]);
  assert.deepEqual([...encodeLocation({ kind: 'register', register: 'RDI', size: 1 })], [1, 3, 1, 0, 0, 0, 0, 0]);
});

test('a stack location is kind 2 with its offset from SP as a little-endian s32', () => {
  assert.deepEqual([...encodeLocation({ kind: 'stack', offset: 8, size: 8 })], [2, 0, 8, 0, 8, 0, 0, 0]);
  assert.deepEqual([...encodeLocation({ kind: 'stack', offset: 0x128, size: 2 })], [2, 0, 2, 0, 0x28, 0x01, 0, 0]);
});

test('impossible locations are refused with a reason', () => {
  const isConstError = (e: unknown): boolean => e instanceof GotraceError && e.code === 'ERR_BPF_CONST';
  assert.throws(() => encodeLocation({ kind: 'register', register: 'RAX', size: 16 }), isConstError);
  assert.throws(() => encodeLocation({ kind: 'register', register: 'R12' as 'RAX', size: 8 }), isConstError);
  assert.throws(() => encodeLocation({ kind: 'stack', offset: 0, size: 8 }), /return address/);
});
