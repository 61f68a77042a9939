import { test } from 'node:test';
import assert from 'node:assert/strict';
import semver from 'semver';
import { goAtLeast, parseGoVersion, usesRegisterAbi } from './go-version';
import { allFixtures, allRealBinaries, requireBinary } from '../../test/support/binaries';
import { run } from '../../test/support/exec';

test('parseGoVersion reads releases, pre-releases, devel builds and experiments', () => {
  const cases: [string, Partial<ReturnType<typeof parseGoVersion>> | undefined][] = [
    ['go1.19', { major: 1, minor: 19, patch: 0, semver: '1.19.0', devel: false, experiments: [] }],
    ['go1.19.8', { minor: 19, patch: 8, semver: '1.19.8' }],
    ['go1.20.7', { minor: 20, patch: 7, semver: '1.20.7' }],
    ['go1.26.5', { minor: 26, patch: 5, semver: '1.26.5' }],
    ['go1.21rc2', { minor: 21, patch: 0, semver: '1.21.0-rc.2' }],
    ['go1.18beta1', { minor: 18, semver: '1.18.0-beta.1' }],
    ['go1.9.2rc2', { minor: 9, patch: 2, semver: '1.9.2-rc.2' }],
    ['go1.21.0 X:boringcrypto', { minor: 21, semver: '1.21.0', experiments: ['boringcrypto'] }],
    ['go1.22.1 X:loopvar,arenas', { experiments: ['loopvar', 'arenas'] }],
    ['devel go1.22-abcdef0123 Tue Jul 4 12:00:00 2023 +0000', { minor: 22, devel: true, semver: '1.22.0-devel' }],
    ['devel go1.23-1a2b3c4 Mon Jan 1 00:00:00 2024 +0000 X:rangefunc', { minor: 23, devel: true, experiments: ['rangefunc'] }],
    ['devel +b7a6ad2 Tue Jun 2 15:00:00 2020 +0000', undefined],
    ['go1.26.go', undefined],
    ['go2', undefined],
    ['', undefined],
    ['1.19.8', undefined],
  ];
  for (const [raw, want] of cases) {
    const v = parseGoVersion(raw);
    if (!want) {
      assert.equal(v, undefined, raw);
      continue;
    }
    assert.ok(v, raw);
    assert.equal(v.raw, raw);
    for (const [k, val] of Object.entries(want)) assert.deepEqual((v as unknown as Record<string, unknown>)[k], val, `${raw}: ${k}`);
    assert.ok(semver.valid(v.semver), `${raw}: ${v.semver} is valid semver`);
  }
});

test('semver orders what parseGoVersion returns the way Go releases go', () => {
  const order = ['go1.18beta1', 'go1.18', 'go1.18.10', 'go1.21rc2', 'go1.21.0', 'go1.21.1', 'go1.26.5'];
  const sv = order.map((r) => parseGoVersion(r)!.semver);
  for (let i = 1; i < sv.length; i++) assert.ok(semver.lt(sv[i - 1]!, sv[i]!), `${sv[i - 1]} < ${sv[i]}`);
  assert.ok(semver.lt(parseGoVersion('devel go1.22-abc')!.semver, '1.22.0'));
});

test('usesRegisterAbi from Go 1.17 (amd64 ABIInternal)', () => {
  for (const [raw, want] of [['go1.16.15', false], ['go1.17', true], ['go1.17rc1', true], ['go1.13.8', false], ['go1.26.5', true], ['devel go1.17-abc', true]] as const) {
    assert.equal(usesRegisterAbi(parseGoVersion(raw)!), want, raw);
  }
  assert.ok(goAtLeast(parseGoVersion('go1.20')!, 1, 18));
  assert.ok(!goAtLeast(parseGoVersion('go1.20')!, 1, 21));
});

test('every version go version -m prints for the test binaries parses, with the Go minor they were built with', () => {
  let n = 0;
  for (const b of [...allFixtures(), ...allRealBinaries()]) {
    const first = run('go', ['version', requireBinary(b)], { allowFail: true }).split('\n')[0] ?? '';
    const m = /: (go\S.*)$/.exec(first);
    if (!m) continue; // Go 1.25+ esbuild: no .go.buildinfo (see buildinfo.test.ts)
    const v = parseGoVersion(m[1]!);
    assert.equal(v?.minor, b.goMinor, `${b.label}: ${m[1]}`);
    n++;
  }
  assert.ok(n >= 25, `${n} binaries`);
});
