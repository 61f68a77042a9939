// Header blocks into header maps: what readHeaderBlock reads, shown as
// records show it (redacted, repeats joined, "…" where BPF cut a value), and
// the same answers from the string tables when bytes repeat or collide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readHeaderBlock } from '../../core/plugin-kit/header-block';
import { addField, shownValue } from '../../core/plugin-kit/headers';
import { BlockHeaders, ByteStrings } from './block-headers';
import { packBlock } from '../../core/plugin-kit/header-block-testing';

const REDACT = new Set(['authorization', 'cookie']);

/** The map the generic reader and the shared helpers make of the same block. */
function reference(b: Buffer): Record<string, string> {
  const h: Record<string, string> = {};
  for (const f of readHeaderBlock(b, 0).fields) addField(h, f.name, shownValue(REDACT, f));
  return h;
}

test('a request block: fields in order, secrets redacted, repeats joined; what readHeaderBlock says', () => {
  const b = packBlock([[':method', 'POST'], [':path', '/pkg.Svc/M'], ['authorization', 'Bearer s'], ['x-a', '1'], ['x-a', '2'], ['te', 'trailers']]);
  const h = new BlockHeaders(REDACT).read(b, 0);
  assert.deepEqual(h, { ':method': 'POST', ':path': '/pkg.Svc/M', authorization: '[redacted]', 'x-a': '1, 2', te: 'trailers' });
  assert.deepEqual(Object.keys(h), [':method', ':path', 'authorization', 'x-a', 'te']);
  assert.deepEqual(h, reference(b));
});

test('a value BPF cut short ends in "…"; a multi-byte value that was not cut does not', () => {
  const cut = 'v'.repeat(256);
  const h = new BlockHeaders(REDACT).read(packBlock([['x-long', cut, 6, 1000], ['x-ü', 'grüße']]), 0);
  assert.deepEqual(h, { 'x-long': `${cut}…`, 'x-ü': 'grüße' });
});

test('blocks decoded again and again (the table hits) give the same maps, also at another offset', () => {
  const d = new BlockHeaders(REDACT);
  const blocks = [packBlock([[':status', '200'], ['content-type', 'application/grpc']]), packBlock([['grpc-status', '0'], ['grpc-message', '']]),
    packBlock([['grpc-status', '13'], ['grpc-message', 'boom%20x']])];
  for (let round = 0; round < 3; round++) {
    for (const b of blocks) {
      const at = round * 4, shifted = Buffer.concat([Buffer.alloc(at, 0xee), b]);
      assert.deepEqual(d.read(shifted, at), reference(b));
    }
  }
});

test('a record cut short: fields end at its end, never past it', () => {
  const b = packBlock([['a', '1'], ['bb', '22'], ['ccc', '333']]);
  assert.deepEqual(new BlockHeaders(REDACT).read(b.subarray(0, b.length - 4), 0), { a: '1', bb: '22' });
  assert.deepEqual(new BlockHeaders(REDACT).read(b.subarray(0, 5), 0), {});
});

test('ByteStrings: ranges that share a slot (same length and sampled bytes) are told apart by their bytes', () => {
  const t = new ByteStrings('latin1', 1); // one slot: every range collides
  const b = Buffer.from('abcXdefabcYdefabcXdef');
  const first = t.get(b, 0, 7);
  assert.equal(first.str, 'abcXdef');
  assert.equal(t.get(b, 7, 14).str, 'abcYdef');
  assert.equal(t.get(b, 14, 21).str, 'abcXdef');
  assert.equal(t.get(b, 14, 21), t.get(b, 0, 7), 'a repeat is the cached entry');
  assert.equal(t.get(b, 0, 0).str, '');
  b.write('Z', 0); // the table keeps its own copy of the bytes
  assert.equal(t.get(b, 14, 21).str, 'abcXdef');
});

test('a block seen before: the same frozen map; other bytes (a value, or padding grpc\'s BPF would have zeroed): the right map', () => {
  const d = new BlockHeaders(REDACT);
  const b = packBlock([[':status', '200'], ['content-type', 'application/grpc']]);
  const first = d.read(b, 0);
  assert.ok(Object.isFrozen(first));
  assert.equal(d.read(Buffer.from(b), 0), first);
  const padded = Buffer.from(b);
  padded[8 + 8 + 7 + 3] = 0xab; // the pad byte after ":status" "200" (18 bytes, padded to 20)
  assert.deepEqual(d.read(padded, 0), first);
  const changed = packBlock([[':status', '204'], ['content-type', 'application/grpc']]);
  assert.deepEqual(d.read(changed, 0), { ':status': '204', 'content-type': 'application/grpc' });
  assert.equal(d.read(b, 0)[':status'], '200', 'the cached block is not the changed one');
  const more = packBlock([[':status', '200'], ['content-type', 'application/grpc']], 3); // a third field BPF could not keep
  assert.deepEqual(d.read(more, 0), first);
});
