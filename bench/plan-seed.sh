#!/usr/bin/env bash
# Plans bench/seed for real (terraform plan + show -json, offline) with N copies of the service
# unit, one `module "unit_NNNNN"` block each, as a monorepo declares its services.
#   bench/plan-seed.sh 1 > bench/seed/plan.json     the seed the generator replicates (committed)
#   bench/plan-seed.sh 20 > /tmp/real-2000.json     a real plan to compare the generated shape with
#   bench/plan-seed.sh 1 mixed > bench/seed/mixed/plan.json
#                                                   the mixed stack (bench/seed/mixed: a unit of 20 resources
#                                                   and, once in the root module, the account's audit trail)
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
units="${1:?usage: plan-seed.sh UNITS [mixed]}"
shape="${2:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/root"
if [ "$shape" = mixed ]; then
  cp -r "$ROOT/bench/seed/mixed/unit" "$work"/
  cp "$ROOT/bench/seed/mixed/root.tf" "$work/root/root.tf"
elif [ -z "$shape" ]; then
  cp -r "$ROOT/bench/seed/unit" "$ROOT/bench/seed/table" "$work"/
else
  echo "plan-seed: unknown shape $shape (mixed, or none)" >&2
  exit 2
fi
cp "$ROOT/test/fixtures/offline-provider.tf" "$work/root/_offline_provider.tf"
{
  echo 'variable "vpc_cidr" {'
  echo '  type    = string'
  echo '  default = "10.20.0.0/16"'
  echo '}'
  for ((i = 1; i <= units; i++)); do
    printf '\nmodule "unit_%05d" {\n  source   = "../unit"\n  name     = "unit-%05d"\n  vpc_cidr = var.vpc_cidr\n}\n' "$i" "$i"
  done
} > "$work/root/main.tf"
cd "$work/root"
terraform init -input=false -no-color >/dev/null
if ! terraform plan -input=false -no-color -refresh=false -parallelism=20 -out=tfplan >plan.log 2>&1; then
  cat plan.log >&2
  exit 1
fi
terraform show -json tfplan
