#!/usr/bin/env bash
# The README's first command: small Go services from test/fixtures exchange
# HTTPS, HTTP/2 and gRPC while `gotrace run --rules rules/` traces them for a
# few seconds (real uprobes; needs root). Records print pretty on a terminal
# and as JSON lines when piped. Then `gotrace trace` on one function.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fx=build/fixtures
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
trap "exit 130" INT TERM  # so that EXIT runs and no demo server outlives the demo

# Starts a fixture server in this shell (not a $(...) subshell, or cleanup
# would never learn its pid) and sets $addr to the address it listens on.
serve() {
  local out; out=$(mktemp)
  "$@" >"$out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 50); do grep -q listening "$out" && break; sleep 0.1; done
  addr=$(awk '/listening/ {print $2}' "$out")
  rm -f "$out"
}
serve "$fx/https" -mode server; https_addr=$addr
serve "$fx/http2" -mode bundled; h2_addr=$addr
serve "$fx/grpc" -mode server; grpc_addr=$addr

echo "== gotrace run --rules rules/ --exe '$root/$fx/*' --duration 6   (HTTPS, HTTP/2 and gRPC between the demo services)" >&2
node dist/core/cli/main.js run --rules rules/ --exe "$root/$fx/*" --duration 6 &
gotrace=$!
sleep 2
"$fx/https" -mode client -url "https://$https_addr/hello" -n 3 >/dev/null
curl -sS --http2 -k -H 'X-Name: demo' "https://$h2_addr/hello" >/dev/null
"$fx/http2" -mode client -url "https://$h2_addr/hello" -n 2 >/dev/null
"$fx/grpc" -mode client -addr "$grpc_addr" -call check -n 2 >/dev/null
"$fx/grpc" -mode client -addr "$grpc_addr" -call notfound -n 1 >/dev/null || true
wait "$gotrace"

echo >&2
echo "== gotrace trace --func main.Divide -- $fx/divide -calls 3 -goroutines 2" >&2
node dist/core/cli/main.js trace --func main.Divide -- "$fx/divide" -calls 3 -goroutines 2
