#!/usr/bin/env bash
# Regenerates every generated file, in dependency order (npm run generate). With --check, writes
# nothing and fails when any committed file is stale (npm test runs it).
#   policies/data/*.rego, policies/iam_managed_policies.json  IAM data from pinned packages
#   src/engine/plan/resource-schema.json the AWS provider schema subset the plan checks read
#   src/engine/plan/plan-validator.ts    plan-schema.json compiled ahead of time by ajv
#   bundle/, src/engine/policy/bundle-digest.ts  the compiled policies and their digests
#   docs/rules.md                  rule docs from METADATA
#   terraform/                     plain Terraform modules from the constructs
#   docs/reliability.md            the table of refused plans, from test/reliability/bad-plans.ts
set -euo pipefail
source "$(dirname "$0")/../env.sh"
cd "$ROOT"
check=()
[ "${1:-}" = "--check" ] && check=(--check)
node scripts/generate/iam-actions.js "${check[@]}"
node scripts/generate/iam-managed-policies.js "${check[@]}"
bash scripts/generate/resource-schema.sh "${check[@]}"
node scripts/generate/plan-validator.js "${check[@]}"
bash scripts/generate/build-policies.sh "${check[@]}"
node scripts/generate/rule-docs.js "${check[@]}"
node -r ts-node/register/transpile-only scripts/generate/terraform-modules.ts "${check[@]}"
node -r ts-node/register/transpile-only scripts/generate/reliability-doc.ts "${check[@]}"
