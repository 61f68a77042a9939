// Builds test/fixtures/grpc/clientonly (a program that only dials) the way
// scripts/build-fixtures.sh builds fixtures, which it skips as a subfolder.
// For tests only; cached by a hash of the source and the Go version.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './binaries';

export function buildClientOnly(): string {
  const src = join(ROOT, 'test', 'fixtures', 'grpc', 'clientonly', 'main.go');
  const out = join(ROOT, 'build', 'fixtures', 'grpc-clientonly'), stamp = join(ROOT, 'build', 'fixtures', '.grpc-clientonly.hash');
  const hash = createHash('sha256').update(readFileSync(src)).update(execFileSync('go', ['version'])).digest('hex').slice(0, 16);
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return out;
  const gopath = join(ROOT, 'build', 'gopath');
  mkdirSync(join(ROOT, 'build', 'fixtures'), { recursive: true });
  execFileSync('go', ['build', '-o', out, '.'], {
    cwd: join(gopath, 'src', 'gotrace', 'fixtures', 'grpc', 'clientonly'),
    env: { ...process.env, GO111MODULE: 'off', GOPATH: `${gopath}:/usr/share/gocode`, GOFLAGS: '', CGO_ENABLED: '0' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  writeFileSync(stamp, hash);
  return out;
}
