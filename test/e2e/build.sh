#!/usr/bin/env bash
# Builds the Go programs of the end-to-end suite into test/e2e/.bin from the modules pinned in
# test/e2e/*/go.mod. Go's build and module caches (GOCACHE, GOMODCACHE) make a second run a link.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || { echo 'the end-to-end suite needs Go (see docs/e2e.md)' >&2; exit 1; }
mkdir -p .bin
bin="$PWD/.bin"
step() { local start=$SECONDS; "$@"; echo "e2e build: $* took $((SECONDS - start)) s" >&2; }
(cd keda && step go build -o "$bin/keda" .)
