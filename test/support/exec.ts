// Runs an oracle tool (readelf, llvm-objdump, go, …) for a test and returns its stdout.
import { execFileSync } from 'node:child_process';

export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; allowFail?: boolean } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 << 20, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (opts.allowFail) return (e as { stdout?: string }).stdout ?? '';
    throw e;
  }
}
