#!/usr/bin/env bash
# Makes the pictures of docs/ from the commands the docs show: `npm run docs:images`.
# With --check, fails when a committed SVG differs from what the code makes now (each PNG is
# rasterized from its SVG with the machine's fonts, so only the SVGs are compared).
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
[[ "${1:-}" == "--check" ]] && check=true

npm run --silent build
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stale=0

# picture NAME ARGS...: `simulate ARGS` makes docs/images/simulate-NAME.svg and .png.
picture() {
  local name="$1"
  shift
  node dist/cli.js simulate "$@" --out "$work/$name" >/dev/null
  local svg="docs/images/simulate-$name.svg"
  if $check; then
    if ! diff -q "$work/$name/replicas.svg" "$svg" >/dev/null 2>&1; then
      echo "$svg is stale: run \`npm run docs:images\` and commit the result" >&2
      stale=1
    fi
  else
    cp "$work/$name/replicas.svg" "$svg"
    cp "$work/$name/replicas.png" "docs/images/simulate-$name.png"
    echo "wrote $svg and its PNG"
  fi
}

# docs/simulate.md shows these commands, in this order.
picture diurnal --policy examples/policies/conservative.yaml --policy examples/policies/running.yaml --load diurnal
picture step --policy examples/policies/conservative.yaml --policy examples/policies/faster.yaml --load step

if $check; then
  [[ $stale -eq 0 ]] || exit 1
  echo "docs/images/ matches what simulate makes"
fi
