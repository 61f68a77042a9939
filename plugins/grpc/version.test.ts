// grpc-go's version from its user-agent constant, checked against the grpc-go
// source the fixtures were built from (Debian's version.go), and refused when
// the binary names two versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { GoBinary } from '../../core/binary/go-binary';
import { fixture, requireBinary } from '../../test/support/binaries';
import { grpcVersion, knownVersions, userAgentVersions } from './version';

const VERSION_GO = '/usr/share/gocode/src/google.golang.org/grpc/version.go';

for (const variant of ['', '-stripped', '-pie', '-trimpath'] as const) {
  test(`grpc fixture${variant}: the user agent names the grpc-go it was built from`, (t) => {
    if (!existsSync(VERSION_GO)) return t.skip('golang-google-grpc-dev is not installed');
    const want = /const Version = "([^"]+)"/.exec(readFileSync(VERSION_GO, 'utf8'))![1]!;
    const path = requireBinary(fixture('grpc', variant));
    const bin = new GoBinary(path, readFileSync(path));
    assert.deepEqual(userAgentVersions(bin), [want]);
    const v = grpcVersion(bin);
    assert.ok(!('why' in v) && v.version === want && v.source === 'rodata', JSON.stringify(v));
    assert.deepEqual(Object.keys(knownVersions(v)), ['google.golang.org/grpc']);
  });
}

test('two different user-agent versions: none is trusted', () => {
  const path = requireBinary(fixture('grpc', '-stripped'));
  const b = Buffer.from(readFileSync(path));
  const at = b.indexOf('grpc-go/1.33.3');
  b.write('grpc-go/1.34.0', b.indexOf('grpc-go/1.33.3', at + 1) >= 0 ? b.indexOf('grpc-go/1.33.3', at + 1) : at, 'latin1');
  const v = grpcVersion(new GoBinary(path, b));
  assert.ok('why' in v && /several grpc-go versions/.test(v.why), JSON.stringify(v));
});

test('a binary without grpc: no version, with the reason', () => {
  const path = requireBinary(fixture('https'));
  const v = grpcVersion(new GoBinary(path, readFileSync(path)));
  assert.ok('why' in v && /no "grpc-go\/<version>"/.test(v.why));
});
