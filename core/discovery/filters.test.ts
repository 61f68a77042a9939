import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GotraceError } from '../errors';
import { compileFilters, globToRegExp } from './filters';

const cases: Array<[glob: string, path: string, matches: boolean]> = [
  // No '/': the file name only.
  ['sleeper', '/work/build/fixtures/sleeper', true],
  ['sleep*', '/work/build/fixtures/sleeper', true],
  ['sleep', '/work/build/fixtures/sleeper', false],
  ['*er', '/usr/bin/sleeper', true],
  ['fixtures', '/work/build/fixtures/sleeper', false],
  ['sleepe?', '/bin/sleeper', true],
  ['sleepe?', '/bin/sleepers', false],
  ['*.test', '/tmp/go-build1/b001/pkg.test', true],
  // With '/': the whole path; * and ? stop at '/'.
  ['/usr/bin/*', '/usr/bin/dockerd', true],
  ['/usr/bin/*', '/usr/bin/x/dockerd', false],
  ['/usr/*/dockerd', '/usr/local/bin/dockerd', false],
  ['/usr/**/dockerd', '/usr/local/bin/dockerd', true],
  ['/usr/**/dockerd', '/usr/dockerd', true],
  ['/opt/**', '/opt/a/b/c', true],
  ['/opt/**', '/optx/a', false],
  ['**/bin/app', '/srv/bin/app', true],
  ['/bin/a?c', '/bin/a/c', false],
  // Classes.
  ['app[0-9]', '/bin/app7', true],
  ['app[0-9]', '/bin/appx', false],
  ['app[!0-9]', '/bin/appx', true],
  ['app[!0-9]', '/bin/app7', false],
  ['app[]]', '/bin/app]', true],
  ['app[\\-x]', '/bin/app-', true],
  ['app[\\-x]', '/bin/appa', false],
  ['/a[/]b', '/a/b', false],
  // Regex metacharacters are literal; \ quotes glob ones.
  ['a.b', '/x/a.b', true],
  ['a.b', '/x/axb', false],
  ['a+(b)', '/x/a+(b)', true],
  ['a\\*', '/x/a*', true],
  ['a\\*', '/x/ab', false],
  ['my server', '/opt/my server', true],
];

for (const [glob, path, matches] of cases) {
  test(`--exe ${JSON.stringify(glob)} ${matches ? 'matches' : 'does not match'} ${path}`, () => {
    assert.equal(compileFilters({ exeGlobs: [glob] }).exe(path), matches);
  });
}

test('bad globs are ERR_USAGE errors that say how to fix them', () => {
  for (const glob of ['', 'app[0-9', 'trailing\\']) {
    assert.throws(() => globToRegExp(glob), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_USAGE' && /--exe/.test(e.message));
  }
});

test('pids: any listed pid passes; none listed means all; bad ones are ERR_USAGE', () => {
  const m = compileFilters({ pids: [7, 9, 7] });
  assert.deepEqual(m.onlyPids, [7, 9]);
  assert.ok(m.pid(7) && m.pid(9) && !m.pid(8));
  const all = compileFilters({});
  assert.equal(all.onlyPids, undefined);
  assert.ok(all.pid(12345) && all.exe('/anything'));
  for (const pid of [0, -1, 1.5, NaN]) {
    assert.throws(() => compileFilters({ pids: [pid] }), (e: unknown) => e instanceof GotraceError && e.code === 'ERR_USAGE');
  }
});

test('globs within --exe are alternatives; --pid and --exe must both pass', () => {
  const m = compileFilters({ pids: [5], exeGlobs: ['a*', '/opt/**'] });
  assert.ok(m.exe('/bin/abc') && m.exe('/opt/x/y') && !m.exe('/bin/xyz'));
  assert.ok(m.pid(5) && !m.pid(6)); // callers test both: pid 6 running /bin/abc is out
});
