#!/usr/bin/env bash
# The README's first command: what gotrace reads from a Go binary, then a live
# trace of one of its functions (real uprobes; needs root).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
demo=build/fixtures/divide
echo "== gotrace inspect $demo --symbol main.Divide --rules rules/"
node dist/core/cli/main.js inspect "$demo" --symbol main.Divide --rules rules/
echo
echo "== gotrace trace --func main.Divide -- $demo -calls 3 -goroutines 2"
node dist/core/cli/main.js trace --func main.Divide -- "$demo" -calls 3 -goroutines 2
