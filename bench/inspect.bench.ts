// npm run bench:inspect — full inspection of every fixture and of real binaries,
// by gotrace and by a Go peer (debug/elf, debug/buildinfo, debug/gosym,
// debug/dwarf, x/arch's x86asm: the method other Go tracers use), in one run.
// Prints milliseconds per phase, peak RSS, and the ratio gotrace/peer.
import { execFileSync } from 'node:child_process';
import { statSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GoBinary } from '../core/binary/go-binary';
import { inspectOnce, type InspectPhases } from './inspect-work';
import { ROOT, allFixtures, realBinary, type TestBinary } from '../test/support/binaries';

const REPS = Number(process.env.BENCH_REPS ?? 7);
const PEER = join(ROOT, 'build', 'bench-peer');
const STRUCTS = ['runtime.g', 'runtime.m', 'runtime.p', 'runtime.mspan', 'runtime.mcache', 'runtime.hchan', 'runtime.sudog', 'runtime._type', 'runtime.itab', 'runtime.schedt'];

function buildPeer(): void {
  execFileSync('go', ['build', '-o', PEER, '.'], {
    cwd: join(ROOT, 'bench', 'peer'), stdio: 'inherit',
    env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', CGO_ENABLED: '0' },
  });
}

/** 50 functions spread evenly over the sorted name list: the same list for both tools. */
function pickFunctions(path: string): string[] {
  const names = new GoBinary(path, readFileSync(path)).pclntab.functions().map((f) => f.name).sort();
  const step = Math.max(1, Math.floor(names.length / 50));
  return names.filter((_, i) => i % step === 0).slice(0, 50);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function ours(path: string, funcs: string[], structs: string[]): InspectPhases & { maxRssKb: number; baselineRssKb: number; coldTotal: number } {
  const runs: InspectPhases[] = [];
  for (let i = 0; i < REPS; i++) runs.push(inspectOnce(path, funcs, structs));
  const keys = ['read', 'buildInfo', 'functions', 'returns', 'structs', 'total'] as const;
  const med = Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as Record<(typeof keys)[number], number>;
  // Peak memory of one cold inspection in a fresh process.
  const child = JSON.parse(execFileSync(process.execPath, [join(__dirname, 'inspect-work.js'), path, funcs.join('\n'), structs.join('\n')], { encoding: 'utf8' }));
  return { ...runs[0]!, ...med, maxRssKb: child.maxRssKb, baselineRssKb: child.baselineRssKb, coldTotal: child.phases.total };
}

function peer(path: string, funcs: string[], structs: string[]): any {
  const out = execFileSync(PEER, ['-reps', String(REPS), '-funcs', funcs.join(','), '-structs', structs.join(','), path], { encoding: 'utf8' });
  return JSON.parse(out);
}

function main(): void {
  buildPeer();
  const targets: TestBinary[] = [...allFixtures(), realBinary(19), realBinary(17), realBinary(16), realBinary(26)];
  const rows: Record<string, unknown>[] = [];
  const f = (n: number): string => n.toFixed(2).padStart(8);
  console.log(`bench:inspect  reps=${REPS}  ${new Date().toISOString()}  node ${process.version}`);
  console.log('gotrace phases are medians of warm runs in one process; "cold" is one run in a fresh process (JIT and iced-x86 WASM compile included)');
  console.log('binary                 MB   | gotrace ms: read  buildinfo functions returns  structs   total     cold | peer ms: total | ratio | gotrace peak RSS (Δ MB, ×size) | peer RSS MB');
  for (const t of targets) {
    const size = statSync(t.path).size;
    const funcs = pickFunctions(t.path);
    const structs = t.stripped ? [] : STRUCTS;
    const g = ours(t.path, funcs, structs);
    const p = peer(t.path, funcs, structs);
    const ratio = p.error ? NaN : g.total / p.total;
    const deltaMb = (g.maxRssKb - g.baselineRssKb) / 1024;
    console.log(`${t.label.padEnd(20)} ${(size / 1e6).toFixed(1).padStart(5)} | ${f(g.read)}${f(g.buildInfo)}${f(g.functions)}${f(g.returns)}${f(g.structs)}${f(g.total)}${f(g.coldTotal)} | ${p.error ? 'n/a (' + p.error.slice(0, 40) + ')' : f(p.total)} | ${Number.isNaN(ratio) ? '  -  ' : ratio.toFixed(2)} | ${(g.maxRssKb / 1024).toFixed(0)} MB (Δ ${deltaMb.toFixed(1)}, ${(deltaMb * 1048576 / size).toFixed(2)}×) | ${(p.maxRssKb / 1024).toFixed(0)}`);
    rows.push({ binary: t.label, sizeBytes: size, gotrace: g, peer: p, ratio });
  }
  const valid = rows.filter((r) => !Number.isNaN(r.ratio as number));
  const geo = Math.exp(valid.reduce((a, r) => a + Math.log(r.ratio as number), 0) / valid.length);
  console.log(`geometric mean ratio gotrace/peer over ${valid.length} binaries the peer can read: ${geo.toFixed(2)}  (goal ≤ 0.50)`);
  mkdirSync(join(ROOT, 'build', 'bench'), { recursive: true });
  writeFileSync(join(ROOT, 'build', 'bench', 'inspect.json'), JSON.stringify({ date: new Date().toISOString(), rows, geoMeanRatio: geo }, null, 2));
}

main();
