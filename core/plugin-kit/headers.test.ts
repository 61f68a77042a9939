import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HDR_VALUE } from './header-block';
import { redactionSet, shownValue } from './headers';

test('shownValue: "…" only when the real byte length passes what BPF keeps, multi-byte values included', () => {
  const r = redactionSet([], false);
  assert.equal(shownValue(r, { name: 'x-ü', value: 'grüße', valueLen: Buffer.byteLength('grüße') }), 'grüße');
  assert.equal(shownValue(r, { name: 'x-long', value: 'v'.repeat(HDR_VALUE), valueLen: HDR_VALUE }), 'v'.repeat(HDR_VALUE));
  assert.equal(shownValue(r, { name: 'x-long', value: 'v'.repeat(HDR_VALUE), valueLen: HDR_VALUE + 1 }), `${'v'.repeat(HDR_VALUE)}…`);
  assert.equal(shownValue(r, { name: 'x', value: 'abcd', valueLen: 9 }, 4), 'abcd…');
  assert.equal(shownValue(r, { name: 'cookie', value: 'a=b', valueLen: 3 }), '[redacted]');
  assert.equal(shownValue(redactionSet([], true), { name: 'cookie', value: 'a=b', valueLen: 3 }), 'a=b');
});
