#!/usr/bin/env bash
# Regal on policies/ (npm test and npm run lint), with .regal/config.yaml and the capabilities the bundle
# is built with (scripts/generate/wasm-capabilities.js): Regal then suggests no builtin the wasm runtime
# lacks.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
bash "$ROOT/scripts/tools/install-tools.sh"
bash "$ROOT/scripts/tools/install-regal.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
node "$ROOT/scripts/generate/wasm-capabilities.js" >"$work/capabilities.json"
{
  cat "$ROOT/.regal/config.yaml"
  printf 'capabilities:\n  from:\n    file: %s\n' "$work/capabilities.json"
} >"$work/config.yaml"
cd "$ROOT"
regal lint --config-file "$work/config.yaml" policies
