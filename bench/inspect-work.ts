// One full inspection, timed by phase: the unit of work `bench:inspect` compares
// with the Go peer (bench/peer). Kept apart so a child process can run it once
// and report its own peak memory.
import { GoBinary } from '../core/binary/go-binary';
import { readBinaryFile } from '../core/binary/target';

export interface InspectPhases { read: number; buildInfo: number; functions: number; returns: number; structs: number; total: number; funcCount: number; retCount: number; structsFound: number }

export function inspectOnce(path: string, funcs: readonly string[], structs: readonly string[]): InspectPhases {
  const t0 = performance.now();
  const bin = new GoBinary(path, readBinaryFile(path));
  const t1 = performance.now();
  void bin.buildInfo.goVersion;
  const t2 = performance.now();
  const funcCount = bin.pclntab.functions().length;
  const t3 = performance.now();
  let retCount = 0;
  for (const name of funcs) {
    const f = bin.pclntab.lookup(name);
    if (f) retCount += bin.returnSites(f).length;
  }
  const t4 = performance.now();
  let structsFound = 0;
  for (const name of structs) if (bin.dwarf?.struct(name)) structsFound++;
  const t5 = performance.now();
  return { read: t1 - t0, buildInfo: t2 - t1, functions: t3 - t2, returns: t4 - t3, structs: t5 - t4, total: t5 - t0, funcCount, retCount, structsFound };
}

// As a child: `node inspect-work.js FILE FUNCS STRUCTS` prints phases and peak RSS.
if (require.main === module) {
  const [path, funcs, structs] = process.argv.slice(2);
  const baseline = process.memoryUsage().rss;
  const phases = inspectOnce(path!, funcs ? funcs.split('\n') : [], structs ? structs.split('\n') : []);
  process.stdout.write(JSON.stringify({ phases, baselineRssKb: Math.round(baseline / 1024), maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}
