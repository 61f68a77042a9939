// Where the addon and the BPF objects are, relative to the package root
// (the folder of gotrace's package.json), wherever the compiled JS runs from.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** The gotrace package root: the nearest parent folder whose package.json is gotrace's. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isGotraceManifest(manifest)) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`no gotrace package.json above ${__dirname}`);
  }
}

function isGotraceManifest(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === 'gotrace';
  } catch {
    return false;
  }
}

/** The native addon, as built by core/bpf/addon/build.sh. */
export function addonPath(): string {
  return join(packageRoot(), 'core', 'bpf', 'addon', 'build', 'Release', 'gotrace_bpf.node');
}

/** A BPF object built by bpf/build.sh from `<dir>/<name>.bpf.c`. */
export function bpfObjectPath(name: string): string {
  return join(packageRoot(), 'build', 'bpf', `${name}.bpf.o`);
}
