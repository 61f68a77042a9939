#!/usr/bin/env bash
# Runs every compiled *.test.js with node's test runner: a readable report on
# stdout, a TAP copy in build/test-results.tap, and a plain closing line
# "N passed, N failed". Tests that need BPF fail (never skip) under CI=true
# when BPF cannot be used.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "no test files found under dist/" >&2; exit 1; fi
mkdir -p build
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination=build/test-results.tap "${files[@]}"
status=$?
pass=$(grep -E '^# pass ' build/test-results.tap | awk '{print $3}')
fail=$(grep -E '^# fail ' build/test-results.tap | awk '{print $3}')
skip=$(grep -E '^# skipped ' build/test-results.tap | awk '{print $3}')
echo "${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
exit $status
