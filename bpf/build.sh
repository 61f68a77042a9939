#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds gotrace's BPF objects: <dir>/<name>.bpf.c -> build/bpf/<name>.bpf.o
#
#   bash bpf/build.sh                 # every *.bpf.c under bpf/, plugins/*/, core/bpf/testdata/, bench/floor/
#   bash bpf/build.sh a.bpf.c b.bpf.c # just these
#
# Incremental: an object is rebuilt only when its source, a header it
# includes (from clang's dependency file), or this script is newer.
# build/bpf/vmlinux.h is generated from the running kernel's BTF only when
# it is missing or older than /sys/kernel/btf/vmlinux.
# Environment: CLANG (default clang), BPFTOOL (default bpftool), BTF_FILE.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/build/bpf"
clang_bin=${CLANG:-clang}
bpftool_bin=${BPFTOOL:-bpftool}
btf_file=${BTF_FILE:-/sys/kernel/btf/vmlinux}
self="$root/bpf/build.sh"

die() { echo "bpf/build.sh: $*" >&2; exit 1; }

trap 'rm -f "$out"/*.tmp.$$' EXIT
command -v "$clang_bin" >/dev/null || die "$clang_bin not found; install clang (apt-get install clang)"
mkdir -p "$out"

# vmlinux.h: every kernel type, for CO-RE. Written to a temporary file and
# renamed so that a concurrent build never sees half a header.
vmlinux_h="$out/vmlinux.h"
if [[ ! -s "$vmlinux_h" || "$btf_file" -nt "$vmlinux_h" ]]; then
  [[ -r "$btf_file" ]] || die "$btf_file is missing: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF=y is needed)"
  command -v "$bpftool_bin" >/dev/null || die "$bpftool_bin not found; install bpftool (apt-get install bpftool)"
  tmp="$vmlinux_h.tmp.$$"
  "$bpftool_bin" btf dump file "$btf_file" format c >"$tmp"
  mv -f "$tmp" "$vmlinux_h"
  echo "generated build/bpf/vmlinux.h"
fi

sources=()
if (($# > 0)); then
  for s in "$@"; do
    [[ -f "$s" ]] || die "$s: no such file"
    sources+=("$(cd "$(dirname "$s")" && pwd)/$(basename "$s")")
  done
else
  dirs=()
  for d in "$root/bpf" "$root"/plugins/*/ "$root/core/bpf/testdata" "$root/bench/floor"; do
    [[ -d "$d" ]] && dirs+=("$d")
  done
  if ((${#dirs[@]} > 0)); then
    while IFS= read -r -d '' s; do sources+=("$s"); done \
      < <(find "${dirs[@]}" -name '*.bpf.c' -type f -print0 | sort -z)
  fi
fi

# True when $1 (an object) is missing or older than anything it was built from.
stale() {
  local obj=$1 dep=$2 f
  [[ -f "$obj" && -f "$dep" && ! "$self" -nt "$obj" ]] || return 0
  # The .d file is "target: dep dep \<newline> dep ..."; drop the target.
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep"); do
    [[ -e "$f" && ! "$f" -nt "$obj" ]] || return 0
  done
  return 1
}

declare -A seen=()
built=0
for src in "${sources[@]}"; do
  name=$(basename "$src" .bpf.c)
  if [[ -n "${seen[$name]:-}" ]]; then
    die "$src and ${seen[$name]} would both build build/bpf/$name.bpf.o; rename one"
  fi
  seen[$name]=$src
  obj="$out/$name.bpf.o"
  dep="$out/$name.bpf.d"
  stale "$obj" "$dep" || continue
  "$clang_bin" -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall \
    -I "$out" -I "$root/bpf/include" \
    -MD -MF "$dep.tmp.$$" -MT "$obj" \
    -c "$src" -o "$obj.tmp.$$"
  mv -f "$dep.tmp.$$" "$dep"
  mv -f "$obj.tmp.$$" "$obj"
  echo "built build/bpf/$name.bpf.o"
  built=$((built + 1))
done
echo "bpf/build.sh: ${#sources[@]} object(s), $built rebuilt"
