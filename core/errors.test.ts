import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, GotraceError } from './errors';
import { ROOT } from '../test/support/binaries';

test('every error code is documented in docs/errors.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const undocumented = Object.keys(ERROR_CODES).filter((c) => !doc.includes('`' + c + '`'));
  assert.deepEqual(undocumented, []);
});

test('errors carry code, file and cause, and cannot be mutated', () => {
  const cause = new Error('inner');
  const e = new GotraceError('ERR_NOT_ELF', 'bad magic', { file: '/x', cause });
  assert.equal(e.code, 'ERR_NOT_ELF');
  assert.equal(e.message, '/x: bad magic');
  assert.equal(e.cause, cause);
  assert.throws(() => { (e as { code: string }).code = 'ERR_USAGE'; }, TypeError);
});
