#!/usr/bin/env bash
# Runs every compiled *.test.js with node's test runner. Tests that need BPF
# fail (never skip) when CI is set and BPF cannot be used.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "no test files found under dist/" >&2; exit 1; fi
exec node --test --test-reporter=spec "${files[@]}"
