#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libbpf addon: core/bpf/addon/build/Release/gotrace_bpf.node
#
#   bash core/bpf/addon/build.sh          # only when an input changed
#   bash core/bpf/addon/build.sh --force  # always
#
# Inputs: binding.gyp, src/*, this script, the Node ABI and the libbpf
# version; their hash is kept in build/.inputs.sha256. When only sources
# changed, `node-gyp build` recompiles what make finds stale; a changed
# binding.gyp (or no build yet) means `node-gyp rebuild`.
# Needs: g++, make, python3, libbpf-dev, libelf-dev, zlib1g-dev, Node headers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
out="$here/build/Release/gotrace_bpf.node"

die() { echo "core/bpf/addon/build.sh: $*" >&2; exit 1; }

[[ -f /usr/include/bpf/libbpf.h ]] || die "libbpf headers are missing; install libbpf-dev (apt-get install libbpf-dev libelf-dev zlib1g-dev)"

mkdir -p "$here/build"
# Serialize concurrent builds (setup and a test run at once).
exec 9>"$here/build/.lock"
flock 9

hash_of() { sha256sum | cut -d' ' -f1; }
inputs=$({
  cat "$here/binding.gyp" "${BASH_SOURCE[0]}" "$here"/src/*
  node -p 'process.version + " abi " + process.versions.modules'
  cat /usr/include/bpf/libbpf_version.h
} | hash_of)
gyp_hash=$(hash_of <"$here/binding.gyp")

if [[ "${1:-}" != "--force" && -f "$out" && "$(cat "$here/build/.inputs.sha256" 2>/dev/null)" == "$inputs" ]]; then
  echo "core/bpf/addon: up to date"
  exit 0
fi

if [[ -x "$root/node_modules/.bin/node-gyp" ]]; then
  gyp=("$root/node_modules/.bin/node-gyp")
else
  gyp=(npx --no node-gyp)
fi
# Debian's nodejs ships its headers under /usr/include/node: point node-gyp
# there instead of letting it download them (this machine has no network).
args=()
if [[ -z "${npm_config_nodedir:-}" && -f /usr/include/node/node_api.h ]]; then
  args+=(--nodedir=/usr)
fi

cd "$here"
if [[ "${1:-}" != "--force" && -f build/Makefile && "$(cat build/.gyp.sha256 2>/dev/null)" == "$gyp_hash" ]]; then
  "${gyp[@]}" build "${args[@]}"
else
  "${gyp[@]}" rebuild "${args[@]}"
fi
[[ -f "$out" ]] || die "node-gyp finished but $out is missing"
echo "$gyp_hash" >build/.gyp.sha256
echo "$inputs" >build/.inputs.sha256
echo "core/bpf/addon: built ${out#"$root"/}"
