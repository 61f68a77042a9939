import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connAddrs, socketAddr } from './socket-addr';

test('IPv4, IPv4-mapped IPv6, IPv6 and unknown families', () => {
  const v4 = Buffer.alloc(16);
  v4.set([127, 0, 0, 1]);
  assert.equal(socketAddr(2, v4, 80), '127.0.0.1:80');
  const mapped = Buffer.alloc(16);
  mapped.set([0xff, 0xff, 10, 0, 0, 2], 10);
  assert.equal(socketAddr(10, mapped, 443), '10.0.0.2:443');
  const v6 = Buffer.alloc(16);
  v6[15] = 1;
  assert.equal(socketAddr(10, v6, 8080), '[::1]:8080');
  assert.equal(socketAddr(0, v4, 1), null);
});

test('connAddrs reads struct go_conn_addrs', () => {
  const b = Buffer.alloc(8 + 40);
  b.writeUInt8(2, 8);
  b.writeUInt16LE(1234, 10);
  b.writeUInt16LE(80, 12);
  b.set([10, 0, 0, 1], 16);
  b.set([10, 0, 0, 2], 32);
  assert.deepEqual(connAddrs(b, 8), { local: '10.0.0.1:1234', remote: '10.0.0.2:80' });
});
