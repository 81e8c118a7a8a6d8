#!/usr/bin/env bash
# Regenerates src/engine/plan/resource-schema.json from the pinned AWS provider's schema (offline mirror).
# With --check, fails if the committed file is stale (e.g. a policy names a type it does not cover).
set -euo pipefail
source "$(dirname "$0")/../env.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$ROOT/test/fixtures/offline-provider.tf" "$work/"
(cd "$work" && terraform init -input=false -no-color >/dev/null && terraform providers schema -json >"$work/schema.json")
out="$ROOT/src/engine/plan/resource-schema.json"
if [ "${1:-}" = "--check" ]; then
  node "$ROOT/scripts/generate/resource-schema.js" "$work/schema.json" "$work/resource-schema.json"
  cmp -s "$work/resource-schema.json" "$out" || { echo "src/engine/plan/resource-schema.json is stale: run bash scripts/generate/resource-schema.sh and commit" >&2; exit 1; }
  echo "resource schema is up to date" >&2
else
  node "$ROOT/scripts/generate/resource-schema.js" "$work/schema.json" "$out"
fi
