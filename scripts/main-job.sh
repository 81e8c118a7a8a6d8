#!/usr/bin/env bash
# The main job (npm run main): synthesize Snowy's session stack (main.ts), plan it offline with the
# real AWS provider, and validate the plan with the guardrails. Prints the verdict; exits like the CLI.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
export DDB_GUARDRAILS_OFFLINE=1
# A state file of its own: the plan shows what the stack creates, whatever a deployment left behind.
export DDB_GUARDRAILS_STATE_FILE=plan-only.tfstate
stack="$ROOT/cdktf.out/stacks/snowy-sessions"

echo "==> build the CLI" >&2
npm run build --silent
echo "==> synthesize main.ts" >&2
# Running the app directly is what `cdktf synth` does underneath, without the CLI's start-up cost.
start=$(date +%s%N)
CDKTF_OUTDIR="$ROOT/cdktf.out" node dist/main.js
echo "    synth: $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2
cd "$stack"
echo "==> terraform init + plan (offline)" >&2
start=$(date +%s%N)
terraform init -input=false -no-color -lockfile=readonly >/dev/null
terraform plan -input=false -no-color -refresh=false -lock=false -out=tfplan >plan.log 2>&1 || { cat plan.log >&2; exit 2; }
terraform show -json tfplan > plan.json
echo "    init+plan: $(( ($(date +%s%N) - start) / 1000000 )) ms, $(grep -o 'Plan: .*' plan.log)" >&2
echo "==> ddb-guardrails validate" >&2
node "$ROOT/dist/src/cli/main.js" validate plan.json
