// Builds the `gotrace inspect` report: the JSON contract that later work and
// users rely on. Field names and shapes are documented in README.md.
import { GoBinary } from '../binary/go-binary';
import type { ValueLocation } from '../binary/location';

export interface InspectOptions {
  readonly symbols: readonly string[];
  readonly structs: readonly string[];
  readonly allFunctions: boolean;
  readonly returns: boolean;
}

export interface ParamReport { name: string; type: string; isResult: boolean; location: ValueLocation | null }
export interface FunctionReport {
  name: string; address: number; size: number;
  fileOffset?: number; returnOffsets?: number[]; source?: string; params?: ParamReport[];
}
export interface StructReport { name: string; size: number; fields: { name: string; offset: number; type: string; embedded: boolean }[] }

export interface InspectReport {
  path: string;
  arch: 'amd64';
  goVersion: string;
  versionSource: string;
  abi: 'register' | 'stack';
  pie: boolean;
  hasSymtab: boolean;
  hasDwarf: boolean;
  pclntabVersion: string;
  textStartSource: string;
  mainModule: { path: string; version: string } | null;
  modules: { path: string; version: string; replace?: { path: string; version: string } }[];
  modulesSource: string;
  functionCount: number;
  functions?: FunctionReport[];
  missing?: string[];
  structs?: StructReport[];
}

export function buildInspectReport(bin: GoBinary, display: string, opts: InspectOptions): InspectReport {
  const bi = bin.buildInfo;
  const pcln = bin.pclntab;
  const report: InspectReport = {
    path: display,
    arch: 'amd64',
    goVersion: bi.goVersion,
    versionSource: bi.source,
    abi: bin.abi,
    pie: bin.elf.isPie,
    hasSymtab: bin.elf.hasSymtab,
    hasDwarf: bin.hasDwarf,
    pclntabVersion: pcln.version,
    textStartSource: pcln.textStartSource,
    mainModule: bi.mainModule ? { path: bi.mainModule.path, version: bi.mainModule.version } : null,
    modules: bi.modules.map((m) => ({
      path: m.path, version: m.version,
      ...(m.replace ? { replace: { path: m.replace.path, version: m.replace.version } } : {}),
    })),
    modulesSource: bi.modulesSource ?? (bi.modules.length ? 'buildinfo' : 'none'),
    functionCount: pcln.functions().length,
  };

  const functions: FunctionReport[] = [];
  if (opts.allFunctions) {
    for (const f of pcln.functions()) {
      const r: FunctionReport = { name: f.name, address: f.entry, size: f.end - f.entry };
      if (opts.returns) addReturns(bin, r, f);
      functions.push(r);
    }
  }
  const missing: string[] = [];
  for (const name of opts.symbols) {
    const f = bin.findFunction(name);
    if (!f) {
      missing.push(name);
      continue;
    }
    const r: FunctionReport = { name: f.name, address: f.entry, size: f.end - f.entry, source: f.source };
    addReturns(bin, r, f);
    const dw = bin.dwarf?.function(name);
    if (dw) r.params = dw.params.map((p) => ({ name: p.name, type: p.type, isResult: p.isResult, location: p.location ?? null }));
    // With --functions the entry is already listed: enrich it in place.
    const at = opts.allFunctions ? functions.findIndex((x) => x.name === f.name && x.address === f.entry) : -1;
    if (at >= 0) functions[at] = r;
    else functions.push(r);
  }
  if (opts.allFunctions || opts.symbols.length) report.functions = functions;
  if (opts.symbols.length) report.missing = missing;

  if (opts.structs.length) {
    report.structs = [];
    for (const name of opts.structs) {
      const s = bin.dwarf?.struct(name);
      if (s) report.structs.push({ name: s.name, size: s.size, fields: s.fields.map((f) => ({ name: f.name, offset: f.offset, type: f.type, embedded: f.embedded })) });
      else (report.missing ??= []).push(name);
    }
  }
  return report;
}

function addReturns(bin: GoBinary, r: FunctionReport, f: { entry: number; end: number }): void {
  r.fileOffset = bin.fileOffset(f.entry);
  r.returnOffsets = bin.returnSites({ name: r.name, entry: f.entry, end: f.end }).map((s) => s.fileOffset);
}
