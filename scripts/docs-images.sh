#!/usr/bin/env bash
# Makes the pictures of docs/ from the commands the docs show: `npm run docs:images`.
# With --check, fails when the committed SVG differs from what the code makes now (the PNG is
# rasterized from that SVG with the machine's fonts, so only the SVG is compared).
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
[[ "${1:-}" == "--check" ]] && check=true

npm run --silent build
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# docs/simulate.md, "Rehearse a policy": the example policies over a day.
node dist/cli.js simulate \
  --policy examples/policies/conservative.yaml \
  --policy examples/policies/running.yaml \
  --load diurnal \
  --out "$work/diurnal" >/dev/null

if $check; then
  if ! diff -q "$work/diurnal/replicas.svg" docs/images/simulate-diurnal.svg >/dev/null; then
    echo "docs/images/simulate-diurnal.svg is stale: run \`npm run docs:images\` and commit the result" >&2
    exit 1
  fi
  echo "docs/images/ matches what simulate makes"
else
  cp "$work/diurnal/replicas.svg" docs/images/simulate-diurnal.svg
  cp "$work/diurnal/replicas.png" docs/images/simulate-diurnal.png
  echo "wrote docs/images/simulate-diurnal.svg and .png"
fi
