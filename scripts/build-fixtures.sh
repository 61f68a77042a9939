#!/usr/bin/env bash
# Builds every Go fixture under test/fixtures with Debian's Go in GOPATH mode
# (Debian ships grpc-go and x/net as source packages under /usr/share/gocode),
# in four variants each: plain, stripped (-s -w), PIE and -trimpath.
# Output: build/fixtures/<name>[-stripped|-pie|-trimpath]. Cached by a hash of
# the sources and the Go version, so a second run takes well under a second.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/fixtures"
gopath="$root/build/gopath"
mkdir -p "$out" "$gopath/src/gotrace"
# The fixtures import each other as gotrace/fixtures/<pkg>.
ln -sfn "$root/test/fixtures" "$gopath/src/gotrace/fixtures"
export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOFLAGS= CGO_ENABLED=0
gover=$(go version)
shared_hash=$(cat "$root"/test/fixtures/certs/*.go | sha256sum | cut -c1-16)

for dir in "$root"/test/fixtures/*/; do
  name=$(basename "$dir")
  ls "$dir"*.go >/dev/null 2>&1 || continue
  grep -q '^package main' "$dir"*.go || continue
  hash=$( (cat "$dir"*.go; echo "$gover $shared_hash"; cat "$0") | sha256sum | cut -c1-16)
  stamp="$out/.$name.hash"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && [ -x "$out/$name" ]; then continue; fi
  echo "building fixture $name"
  pkg="gotrace/fixtures/$name"
  (cd "$gopath/src/$pkg" &&
    go build -o "$out/$name" . &&
    go build -ldflags='-s -w' -o "$out/$name-stripped" . &&
    CGO_ENABLED=1 go build -buildmode=pie -o "$out/$name-pie" . &&
    go build -trimpath -o "$out/$name-trimpath" .)
  echo "$hash" >"$stamp"
done
