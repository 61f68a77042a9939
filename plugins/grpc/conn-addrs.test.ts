// Address strings cached per conn key, but only while the bytes agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnAddrs } from './conn-addrs';

function addrs(local: number[], lport: number, remote: number[], rport: number, family = 2): Buffer {
  const b = Buffer.alloc(44); // 4 bytes before, as in a record
  b.writeUInt8(family, 4);
  b.writeUInt16LE(lport, 6);
  b.writeUInt16LE(rport, 8);
  Buffer.from(local).copy(b, 12);
  Buffer.from(remote).copy(b, 28);
  return b;
}

test('the same conn and bytes: the same strings; new bytes under the same key (a reused pointer): new strings', () => {
  const c = new ConnAddrs();
  const a = c.get(0xc000, addrs([127, 0, 0, 1], 50051, [127, 0, 0, 1], 40000), 4);
  assert.deepEqual(a, { local: '127.0.0.1:50051', remote: '127.0.0.1:40000' });
  assert.equal(c.get(0xc000, addrs([127, 0, 0, 1], 50051, [127, 0, 0, 1], 40000), 4), a);
  assert.deepEqual(c.get(0xc000, addrs([127, 0, 0, 1], 50051, [10, 0, 0, 9], 40001), 4), { local: '127.0.0.1:50051', remote: '10.0.0.9:40001' });
  assert.deepEqual(c.get(0xd000, addrs([0, 0, 0, 0], 0, [0, 0, 0, 0], 0, 0), 4), { local: null, remote: null });
});

test('bounded: past `max` conns the table starts over', () => {
  const c = new ConnAddrs(2);
  for (const k of [1, 2, 3]) c.get(k, addrs([127, 0, 0, 1], k, [127, 0, 0, 1], 1), 4);
  assert.equal(c.size, 1);
});
