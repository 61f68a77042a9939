// The binaries tests run against: Go 1.19 fixtures built by scripts/setup.sh,
// and real third-party Go binaries from npm (esbuild, aliased devDependencies)
// that span Go 1.13 to 1.26.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const FIXTURE_DIR = join(ROOT, 'build', 'fixtures');

export const FIXTURE_NAMES = ['divide', 'https', 'http2', 'grpc'] as const;
export const FIXTURE_VARIANTS = ['', '-stripped', '-pie', '-trimpath'] as const;

export interface TestBinary {
  /** Short label used in test names, e.g. `divide-pie` or `esbuild-go1.26`. */
  readonly label: string;
  readonly path: string;
  /** The Go minor version the binary was built with, e.g. 19 for go1.19.x. */
  readonly goMinor: number;
  readonly stripped: boolean;
}

export function fixture(name: string, variant: (typeof FIXTURE_VARIANTS)[number] = ''): TestBinary {
  const label = name + variant;
  return { label, path: join(FIXTURE_DIR, label), goMinor: 19, stripped: variant === '-stripped' };
}

export function allFixtures(): TestBinary[] {
  return FIXTURE_NAMES.flatMap((n) => FIXTURE_VARIANTS.map((v) => fixture(n, v)));
}

/** Real esbuild binaries; the npm alias names the Go version it was built with. */
export const REAL_GO_MINORS = [13, 14, 15, 16, 17, 19, 20, 22, 23, 25, 26] as const;

export function realBinary(goMinor: (typeof REAL_GO_MINORS)[number]): TestBinary {
  const path = join(ROOT, 'node_modules', `esbuild-go1.${goMinor}`, 'bin', 'esbuild');
  // esbuild up to 0.2.x (Go 1.13, 1.14) shipped with .symtab and DWARF.
  return { label: `esbuild-go1.${goMinor}`, path, goMinor, stripped: goMinor > 14 };
}

export function allRealBinaries(): TestBinary[] {
  return REAL_GO_MINORS.map(realBinary);
}

export function requireBinary(b: TestBinary): string {
  if (!existsSync(b.path)) throw new Error(`${b.path} is missing: run 'npm run setup' first`);
  return b.path;
}

/**
 * build/fixtures/<name> for a stdlib-only fixture, built with Go in GOPATH
 * mode when missing or older than its source (scripts/build-fixtures.sh
 * builds the same file). Written under a temporary name and renamed, so
 * parallel test files never run half a binary.
 */
export function stdlibFixture(name: string): string {
  const src = join(ROOT, 'test', 'fixtures', name);
  const out = join(FIXTURE_DIR, name);
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(join(src, 'main.go')).mtimeMs) return out;
  const tmp = `${out}.tmp.${process.pid}`;
  const env: NodeJS.ProcessEnv = { ...process.env, GO111MODULE: 'off', CGO_ENABLED: '0', GOFLAGS: '' };
  if (!env.GOCACHE && !env.HOME) env.GOCACHE = join(ROOT, 'build', 'go-cache');
  mkdirSync(FIXTURE_DIR, { recursive: true });
  execFileSync('go', ['build', '-o', tmp, '.'], { cwd: src, env, stdio: ['ignore', 'pipe', 'pipe'] });
  renameSync(tmp, out);
  return out;
}
