// The grpc-go version of a binary. A module build records it in the build
// info; a GOPATH build (Debian's packaged grpc-go) or a vendored copy may
// not. grpc-go still carries its own version in every binary: the user agent
// it sends, `grpcUA = "grpc-go/" + Version` (rpc_util.go), is a constant the
// linker keeps in read-only data (http2_client.go sends it on every call,
// so it is never dead code). That string is what a stripped GOPATH binary has
// left; every occurrence must name the same version, or none is trusted.
// https://github.com/grpc/grpc-go/blob/v1.33.3/rpc_util.go#L938
import semver from 'semver';
import type { GoBinary } from '../../core/binary/go-binary';
import type { KnownVersion } from '../../core/offsets/struct-offset';

export const GRPC_MODULE = 'google.golang.org/grpc';

export type GrpcVersion =
  | { readonly version: string; readonly raw: string; readonly source: 'buildinfo' | 'rodata'; readonly detail: string }
  | { readonly why: string };

// A release or a -dev build; what follows the version in the string blob
// (Go packs string constants back to back) must not continue it.
const UA = /grpc-go\/(\d{1,3}\.\d{1,3}\.\d{1,3}(?:-dev)?)(?![0-9.])/g;

/** The user-agent versions in .rodata (or .data.rel.ro, where PIE builds may put string data). */
export function userAgentVersions(bin: GoBinary): string[] {
  const found = new Set<string>();
  for (const name of ['.rodata', '.data.rel.ro']) {
    const s = bin.elf.section(name);
    if (!s) continue;
    const text = bin.elf.rawData(s).toString('latin1');
    for (const m of text.matchAll(UA)) found.add(m[1]!);
  }
  return [...found];
}

export function grpcVersion(bin: GoBinary): GrpcVersion {
  const m = bin.buildInfo.modules.find((x) => x.path === GRPC_MODULE);
  if (m) {
    const v = m.replace?.version || m.version;
    const clean = semver.valid(v.replace(/^v/, ''));
    return clean ? { version: clean, raw: `${GRPC_MODULE}@${v}`, source: 'buildinfo', detail: 'the module version the build info records' }
      : { why: `${GRPC_MODULE}@${v} in the build info is not a semver version` };
  }
  const ua = userAgentVersions(bin);
  if (ua.length === 1) {
    return { version: ua[0]!, raw: `${GRPC_MODULE}@${ua[0]} (user agent "grpc-go/${ua[0]}" in read-only data)`, source: 'rodata',
      detail: `no ${GRPC_MODULE} in the build info (a GOPATH build); grpc-go's user-agent constant "grpc-go/${ua[0]}" in read-only data` };
  }
  if (ua.length > 1) return { why: `read-only data names several grpc-go versions (${ua.join(', ')}); none is trusted` };
  return { why: `no ${GRPC_MODULE} in the build info and no "grpc-go/<version>" user-agent string in read-only data` };
}

/** For resolveStructOffset: the version a table keyed by the grpc module uses when the build info has none. */
export function knownVersions(v: GrpcVersion): Record<string, KnownVersion> {
  return 'why' in v || v.source === 'buildinfo' ? {} : { [GRPC_MODULE]: { version: v.version, raw: v.raw } };
}
