#!/usr/bin/env bash
# npm run lint: TypeScript/JavaScript (Biome) and Rego (opa fmt, opa check --strict, Regal), the same
# checks npm test runs, without the tests. npm run format fixes what Biome can.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
cd "$ROOT"
npx biome check .
bash scripts/tools/install-tools.sh
opa fmt --fail --list policies >/dev/null || { echo "opa fmt: these files need formatting:" >&2; opa fmt --list policies >&2; exit 1; }
opa check --strict policies
bash scripts/test/regal-lint.sh
