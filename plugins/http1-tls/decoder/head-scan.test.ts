import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeadByLines } from './head';
import { scanHead } from './head-scan';

// Heads as clients and servers send them, and the odd cases the fast scan must hand over.
const SEEDS = [
  'GET /hello HTTP/1.1\r\nHost: 127.0.0.1:32835\r\n\r\n',
  'HTTP/1.1 200 OK\r\nX-Fixture: https\r\nDate: Mon, 23 Nov 2026 02:03:14 GMT\r\nContent-Length: 6\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n',
  'POST /api/v1/items?x=1&y=%20 HTTP/1.0\nContent-Length: 3\nTransfer-Encoding: gzip, chunked\n\n',
  'HTTP/1.1 204\r\n\r\n',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
  'GET / HTTP/1.1\r\nA: 1\r\na: 2\r\nB:\r\nC:   spaced\t \r\nX-Multi: one\r\n two\r\n\r\n',
  'PUT /x HTTP/1.1\r\nHost: h\r\nCookie: a=b; c=d\r\nAuthorization: Bearer t\r\n\r\n',
  'HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n',
  'GET /\xe9t\xe9 HTTP/1.1\r\nX: caf\xe9\r\nY: \xa0nbsp\xa0\r\n\r\n',
  'BREW /pot HTTP/1.1\r\nHost: h\r\n',
  'HTTP/1.1 200 OK\r\n__proto__: x\r\nconstructor: y\r\n\r\n',
];

const show = (h: unknown): unknown => (typeof h === 'string' ? h : { ...(h as object), headers: [...(h as { headers: Map<string, string> }).headers] });

function agree(text: string): boolean {
  const bytes = Buffer.from(text, 'latin1');
  const fast = scanHead(bytes);
  if (fast === undefined) return false;
  assert.deepEqual(show(fast), show(parseHeadByLines(bytes)), JSON.stringify(text));
  // The same head inside a larger buffer, scanned by range.
  const framed = Buffer.concat([Buffer.from('xx\r\n'), bytes, Buffer.from('GET / HTTP/1.1\r\n')]);
  assert.deepEqual(show(scanHead(framed, 4, 4 + bytes.length)), show(fast), `${JSON.stringify(text)} by range`);
  return true;
}

test('scanHead takes the usual heads and parses them as the regex parser does', () => {
  for (const s of SEEDS.slice(0, 5)) assert.ok(agree(s), `the fast scan handed over ${JSON.stringify(s)}`);
});

test('scanHead agrees with the regex parser, or hands over, on every mutation of the seeds', () => {
  // Bytes that matter to the grammar, and a few that do not.
  const ALPHABET = [...' \t\r\n:/.,;0129AZaz\x0b\x0c\xa0\x85\x00\xff', 'HTTP/1.1', ' HTTP/1.0', '\r\n\r\n'];
  let seed = 12345;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  let taken = 0, total = 0;
  for (const s of SEEDS) {
    agree(s);
    for (let k = 0; k < 3000; k++) {
      let t = s;
      for (let m = 1 + rand(3); m > 0; m--) {
        const at = rand(t.length + 1);
        const op = rand(3);
        const piece = ALPHABET[rand(ALPHABET.length)]!;
        t = op === 0 ? t.slice(0, at) + piece + t.slice(at) : op === 1 ? t.slice(0, at) + t.slice(at + 1) : t.slice(0, at) + piece + t.slice(at + 1);
      }
      total++;
      if (agree(t)) taken++;
    }
  }
  // The mutations must exercise both paths, or this test proves little.
  assert.ok(taken > total / 10 && taken < total, `fast path took ${taken} of ${total}`);
});
