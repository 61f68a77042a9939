import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADDRS_SIZE, ConnAddrCache } from './conn-addr-cache';

/** struct go_conn_addrs for AF_INET 10.0.0.a:lport -> 10.0.0.2:rport, at `at` in a record. */
function addrs(a: number, lport: number, rport: number, at = 16): Buffer {
  const b = Buffer.alloc(at + ADDRS_SIZE);
  b.writeUInt8(2, at);
  b.writeUInt16LE(lport, at + 2);
  b.writeUInt16LE(rport, at + 4);
  b.set([10, 0, 0, a], at + 8);
  b.set([10, 0, 0, 2], at + 24);
  return b;
}

test('the same bytes on a connection give the same strings, built once', () => {
  const c = new ConnAddrCache();
  const first = c.get(0xc000_1000_00, addrs(1, 443, 5000), 16);
  assert.deepEqual(first, { local: '10.0.0.1:443', remote: '10.0.0.2:5000' });
  assert.equal(c.get(0xc000_1000_00, addrs(1, 443, 5000), 16), first, 'a hit returns the cached pair');
});

test('a connection whose bytes changed (its Framer address reused) gets its own addresses', () => {
  const c = new ConnAddrCache();
  c.get(7, addrs(1, 443, 5000), 16);
  assert.deepEqual(c.get(7, addrs(1, 443, 5001), 16), { local: '10.0.0.1:443', remote: '10.0.0.2:5001' });
  assert.deepEqual(c.get(7, addrs(3, 443, 5001), 16), { local: '10.0.0.3:443', remote: '10.0.0.2:5001' });
});

test('records without addresses are not cached and leave the connection\'s entry alone', () => {
  const c = new ConnAddrCache();
  const first = c.get(7, addrs(1, 443, 5000), 16);
  assert.deepEqual(c.get(7, Buffer.alloc(16 + ADDRS_SIZE), 16), { local: null, remote: null }, 'family 0: unknown');
  assert.equal(c.get(7, addrs(1, 443, 5000), 16), first, 'still cached');
  assert.equal(c.size, 1);
});

test('bounded: past max connections the cache starts over', () => {
  const c = new ConnAddrCache(3);
  for (let conn = 0; conn < 3; conn++) c.get(conn, addrs(1, 443, 5000 + conn), 16);
  assert.equal(c.size, 3);
  assert.deepEqual(c.get(3, addrs(1, 443, 6000), 16), { local: '10.0.0.1:443', remote: '10.0.0.2:6000' });
  assert.equal(c.size, 1);
});

test('IPv6 addresses are cached too; family 0 (no socket) never is', () => {
  const c = new ConnAddrCache();
  const b = Buffer.alloc(ADDRS_SIZE);
  b.writeUInt8(10, 0);
  b.writeUInt16LE(50051, 2);
  b.writeUInt16LE(40000, 4);
  b[8 + 15] = 1;
  b[24 + 15] = 1;
  const a = c.get(1, b, 0);
  assert.deepEqual(a, { local: '[::1]:50051', remote: '[::1]:40000' });
  assert.equal(c.get(1, b, 0), a);
  assert.equal(c.size, 1);
  c.get(2, Buffer.alloc(ADDRS_SIZE), 0);
  assert.equal(c.size, 1);
});
