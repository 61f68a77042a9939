#!/usr/bin/env bash
# Idempotent setup: Debian packages, npm dependencies, the native addon, BPF
# objects, the TypeScript build and the Go fixtures. Each step is skipped when
# its inputs have not changed, so a second run finishes in seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { echo "[setup] $*" >&2; }

# 1. Debian packages (we run as root on this machine kind; CI does too).
pkgs=(golang-go golang-google-grpc-dev golang-golang-x-net-dev golang-golang-x-arch-dev
      llvm clang libbpf-dev libelf-dev zlib1g-dev pkg-config bpftool curl wrk nghttp2-client
      python3 make g++)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. tracefs, for uprobe_events checks and tracepoints.
if [ -d /sys/kernel/tracing ] && ! mountpoint -q /sys/kernel/tracing; then
  mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || log "could not mount tracefs at /sys/kernel/tracing"
fi

# 3. npm dependencies, reinstalled only when the lock file changed.
mkdir -p build
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -d node_modules ] || [ "$(cat build/.npm-ci 2>/dev/null)" != "$lock_hash" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >build/.npm-ci
fi

# 4. Native addon and BPF objects (each script skips up-to-date work).
[ -f core/bpf/addon/build.sh ] && bash core/bpf/addon/build.sh
[ -f bpf/build.sh ] && bash bpf/build.sh

# 5. TypeScript (incremental) and the Go fixtures (cached by content hash).
npx tsc -p tsconfig.json
bash scripts/build-fixtures.sh
log "ready"
