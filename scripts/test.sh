#!/usr/bin/env bash
# The whole test suite (npm test): build, policy bundle freshness, Rego tests, jest.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/install-tools.sh
bash scripts/build-policies.sh --check
node scripts/generate-rule-docs.js --check
node -r ts-node/register/transpile-only scripts/generate-terraform-modules.ts --check
bash scripts/test-policies.sh
npx tsc -p tsconfig.json
chmod +x dist/src/cli/main.js
npx jest --ci "$@"
