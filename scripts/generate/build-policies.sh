#!/usr/bin/env bash
# Compiles policies/ to WebAssembly and writes the committed bundle:
#   bundle/policy.wasm, bundle/data.json, bundle/rules.json (rule catalog from METADATA),
#   src/engine/policy/bundle-digest.ts (SHA-256 of each, checked by the engine before use).
# With --check, builds into a temp folder and fails if the committed bundle differs.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
bash "$ROOT/scripts/tools/install-tools.sh"
out="$ROOT/bundle"
digest="$ROOT/src/engine/policy/bundle-digest.ts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ "${1:-}" = "--check" ]; then
  out="$work/check"
  digest="$work/check/bundle-digest.ts"
fi
mkdir -p "$out"
node "$ROOT/scripts/generate/wasm-capabilities.js" > "$work/capabilities.json"
# Relative paths: the wasm embeds source locations, and the bundle must not depend on the checkout folder.
# The entrypoints are the rules whose METADATA says `entrypoint: true` (opa build reads it).
(cd "$ROOT" && opa build -t wasm --capabilities "$work/capabilities.json" --ignore '*_test.rego' -o "$work/bundle.tar.gz" policies)
tar -xzf "$work/bundle.tar.gz" -C "$work" 2>/dev/null; test -f "$work/policy.wasm"
cp "$work/policy.wasm" "$out/policy.wasm"
node -e 'const fs=require("fs");const d=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));fs.writeFileSync(process.argv[2],JSON.stringify(d,null,1)+"\n")' "$work/data.json" "$out/data.json"
(cd "$ROOT" && opa inspect -a -f json policies) > "$work/inspect.json"
node "$ROOT/scripts/generate/rule-catalog.js" "$work/inspect.json" "$out/rules.json" "$ROOT/package.json"
node "$ROOT/scripts/generate/bundle-digest.js" "$out" "$digest"
if [ "${1:-}" = "--check" ]; then
  for f in policy.wasm data.json rules.json; do
    cmp -s "$out/$f" "$ROOT/bundle/$f" || { echo "bundle/$f is stale: run npm run build:policies and commit" >&2; exit 1; }
  done
  cmp -s "$digest" "$ROOT/src/engine/policy/bundle-digest.ts" || { echo "src/engine/policy/bundle-digest.ts is stale: run npm run build:policies" >&2; exit 1; }
  echo "policy bundle is up to date" >&2
fi
