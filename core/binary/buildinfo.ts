// What a Go binary says about how it was built: the Go version, the main
// package and module, dependencies with their replacements, and build
// settings. The same facts `go version -m` prints, read from the file alone.
//
// Sources, best first; `source` and `modulesSource` record which one answered:
//   1. .go.buildinfo (Go 1.13+), decoded as debug/buildinfo does;
//   2. the runtime.buildVersion / runtime.modinfo symbols, when .symtab exists;
//   3. a scan: the runtime.buildVersion string header in data, and the modinfo
//      blob by its sentinels (for stripped binaries without .go.buildinfo).
import type { ElfFile } from './elf';
import { BinaryFormatError, asBinaryError } from '../errors';
import { readBuildInfoBlob } from './buildinfo-blob';
import { parseModinfo, type ParsedModule } from './buildinfo-parse';
import { modinfoFromSymbol, scanBuildVersion, scanModinfo, versionFromSymbol } from './buildinfo-scan';
import type { Pclntab } from './pclntab';

export interface GoModule {
  readonly path: string;
  readonly version: string;
  readonly sum?: string;
  readonly replace?: GoModule;
}

export interface BuildInfo {
  /** As the binary records it, e.g. 'go1.19.8', 'go1.21.0 X:boringcrypto', 'devel go1.22-abcdef …'. */
  readonly goVersion: string;
  /** The main package's path ('path' line). */
  readonly path?: string;
  readonly mainModule?: { readonly path: string; readonly version: string; readonly sum?: string };
  /** 'dep' lines, with their '=>' replacements. */
  readonly modules: readonly GoModule[];
  /** 'build' lines, in order. */
  readonly settings: readonly { key: string; value: string }[];
  readonly source: 'buildinfo' | 'runtime.buildVersion' | 'rodata-scan';
  /** Where the module text came from; undefined when the binary has none (GOPATH builds before 1.18). */
  readonly modulesSource?: 'buildinfo' | 'runtime.modinfo' | 'modinfo-scan';
}

/**
 * Reads the build info. `pclntab`, when given, narrows the version scan to Go
 * releases that write that table format and marks the file as Go even when no
 * version is found (then ERR_BUILDINFO_MALFORMED, not ERR_NOT_GO).
 */
export function readBuildInfo(elf: ElfFile, pclntab?: Pclntab): BuildInfo {
  try {
    return read(elf, pclntab);
  } catch (e) {
    const err = asBinaryError(e, 'ERR_BUILDINFO_MALFORMED', 'corrupted build info', elf.path);
    // Helpers build errors without the file name; name it here, once.
    throw err.file === undefined ? new BinaryFormatError(err.code, err.message, { file: elf.path, cause: err.cause }) : err;
  }
}

function read(elf: ElfFile, pclntab: Pclntab | undefined): BuildInfo {
  const blob = readBuildInfoBlob(elf);
  let goVersion: string | undefined, source: BuildInfo['source'];
  let modinfo: string | undefined, modulesSource: BuildInfo['modulesSource'];
  if (blob) {
    goVersion = blob.version;
    source = 'buildinfo';
    if (blob.modinfo !== '') [modinfo, modulesSource] = [blob.modinfo, 'buildinfo'];
  } else {
    goVersion = versionFromSymbol(elf);
    source = 'runtime.buildVersion';
    if (goVersion === undefined) [goVersion, source] = [scanBuildVersion(elf, pclntab?.version), 'rodata-scan'];
    modinfo = modinfoFromSymbol(elf);
    if (modinfo !== undefined) modulesSource = 'runtime.modinfo';
    else if ((modinfo = scanModinfo(elf)) !== undefined) modulesSource = 'modinfo-scan';
  }
  if (goVersion === undefined) {
    if (pclntab) {
      throw new BinaryFormatError('ERR_BUILDINFO_MALFORMED',
        `the file has a Go ${pclntab.version}-format function table but no Go version: no .go.buildinfo, no runtime.buildVersion symbol, no version string header in its data; pass the Go version explicitly if you know it`,
        { file: elf.path });
    }
    throw new BinaryFormatError('ERR_NOT_GO', 'no Go build info (.go.buildinfo), no runtime.buildVersion and no Go version string; is this a Go executable?', { file: elf.path });
  }
  const parsed = modinfo === undefined ? { deps: [], settings: [] } : parseModinfo(modinfo);
  const info: BuildInfo = {
    goVersion,
    ...(parsed.path !== undefined ? { path: parsed.path } : {}),
    ...(parsed.main ? { mainModule: freezeModule(parsed.main) } : {}),
    modules: Object.freeze(parsed.deps.map(freezeModule)),
    settings: Object.freeze(parsed.settings.map((s) => Object.freeze(s))),
    source,
    ...(modulesSource ? { modulesSource } : {}),
  };
  return Object.freeze(info);
}

function freezeModule(m: ParsedModule): GoModule {
  return Object.freeze({
    path: m.path, version: m.version,
    ...(m.sum !== undefined ? { sum: m.sum } : {}),
    ...(m.replace ? { replace: freezeModule(m.replace) } : {}),
  });
}

/** A build setting by key (e.g. 'CGO_ENABLED', '-trimpath'), the last one when repeated. */
export function buildSetting(info: BuildInfo, key: string): string | undefined {
  let v: string | undefined;
  for (const s of info.settings) if (s.key === key) v = s.value;
  return v;
}
