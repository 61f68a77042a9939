// Go toolchain version strings as binaries record them (runtime.Version(),
// .go.buildinfo), parsed into numbers that features can be gated on.
//
// The shapes come from the Go release process and cmd/dist:
//   go1.19, go1.19.8          releases (before 1.21 the first release has no ".0")
//   go1.21.0, go1.21rc2       from 1.21 on, ".0" marks the first release; rcN/betaN are pre-releases
//   devel go1.22-abcdef Tue … development builds (cmd/dist findgoversion)
//   go1.21.0 X:boringcrypto   GOEXPERIMENT suffix, comma-separated
//     (https://github.com/golang/go/blob/go1.21.0/src/internal/buildcfg/exp.go, runtime.Version)

export interface GoVersion {
  readonly raw: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** `1.19.8`; pre-releases as `1.21.0-rc.2`, devel builds as `1.22.0-devel`, so `semver` orders them. */
  readonly semver: string;
  readonly devel: boolean;
  readonly experiments: readonly string[];
}

const RELEASE = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta|alpha)(\d+))?(?=$|[\s+-])/;

/** Parses `raw`; undefined when it names no Go release (e.g. `devel +abc` with no base version). */
export function parseGoVersion(raw: string): GoVersion | undefined {
  const text = raw.trim();
  let rest = text;
  let devel = false;
  if (rest.startsWith('devel ')) {
    devel = true;
    rest = rest.slice('devel '.length).trimStart();
  }
  const m = RELEASE.exec(rest);
  if (!m) return undefined;
  const major = Number(m[1]), minor = Number(m[2]), patch = m[3] === undefined ? 0 : Number(m[3]);
  if (![major, minor, patch].every(Number.isSafeInteger)) return undefined;
  const experiments: string[] = [];
  for (const word of rest.slice(m[0].length).split(/\s+/)) {
    if (word.startsWith('X:')) experiments.push(...word.slice(2).split(',').filter((x) => x.length > 0));
  }
  let semver = `${major}.${minor}.${patch}`;
  if (m[4]) semver += `-${m[4]}.${m[5]}`;
  else if (devel) semver += '-devel';
  return { raw, major, minor, patch, semver, devel, experiments };
}

/** True when `v` is at least `major.minor` (pre-releases and devel builds of that minor count). */
export function goAtLeast(v: GoVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/**
 * amd64 passes arguments and results in registers (ABIInternal) from Go 1.17
 * (https://go.dev/doc/go1.17#compiler, design in
 * https://github.com/golang/go/blob/go1.17/src/cmd/compile/abi-internal.md).
 * The `regabi` experiment existed in 1.16 but was never on by default there.
 */
export function usesRegisterAbi(v: GoVersion): boolean {
  return goAtLeast(v, 1, 17);
}
