#!/usr/bin/env bash
# Fails when scaler/generated/ is not what `npm run generate` makes from proto/ now:
# regenerates into a temporary folder and compares.
set -euo pipefail
cd "$(dirname "$0")/.."

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

npx --no-install buf generate --output "$out"
if ! diff -ru scaler/generated "$out/scaler/generated"; then
  echo "scaler/generated/ is stale or was edited by hand: run \`npm run generate\` and commit the result" >&2
  exit 1
fi
echo "scaler/generated/ matches proto/"
