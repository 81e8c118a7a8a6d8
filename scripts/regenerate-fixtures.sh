#!/usr/bin/env bash
# Regenerates test/fixtures/<case>/plan.json (and tfplan.bin where asked) from each fixture's HCL
# with a real `terraform plan` + `terraform show -json`, offline. Plans are never hand-edited.
# Usage: scripts/regenerate-fixtures.sh [case ...]   (default: every fixture with a main.tf)
# Fixtures of cloudposse modules also need hashicorp/null, which /opt/tf-plugins lacks: build it once
# with scripts/build-null-provider.sh into .tools/tf-plugins, which is then a second mirror. Tests
# never need it: they read the committed plan.json files.
set -euo pipefail
source "$(dirname "$0")/env.sh"
local_mirror="$ROOT/.tools/tf-plugins"
if [ -d "$local_mirror" ]; then
  # Terraform expands no variables in mirror paths, so the configuration is written per run.
  TF_CLI_CONFIG_FILE="$(mktemp)"
  trap 'rm -f "$TF_CLI_CONFIG_FILE"' EXIT
  {
    echo 'provider_installation {'
    printf '  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/hashicorp/null"]\n  }\n' "$local_mirror"
    sed '1,/^provider_installation {/d' "$ROOT/scripts/terraform.rc"
  } >"$TF_CLI_CONFIG_FILE"
  export TF_CLI_CONFIG_FILE
fi
fixtures="$ROOT/test/fixtures"
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  for dir in "$fixtures"/*/; do
    [ -f "$dir/main.tf" ] && cases+=("$(basename "$dir")")
  done
fi
plan_one() {
  local name="$1" src="$fixtures/$1" work
  local base
  base="$(mktemp -d)"
  # Same depth as in the repository, with terraform/ beside it: "../../../terraform/<module>" resolves.
  work="$base/test/fixtures/$1"
  mkdir -p "$work"
  ln -s "$ROOT/terraform" "$base/terraform"
  # Vendored public modules: "../vendor/<module>@<version>" resolves as in the repository.
  ln -s "$fixtures/vendor" "$base/test/fixtures/vendor"
  cp -r "$src"/. "$work"/
  rm -f "$work/plan.json"
  cp "$fixtures/offline-provider.tf" "$work/_offline_provider.tf"
  if ! (cd "$work" && terraform init -input=false -no-color >/dev/null && \
        terraform plan -input=false -no-color -refresh=false -out=tfplan >"$work/plan.log" 2>&1); then
    echo "fixture $name: terraform failed" >&2
    cat "$work/plan.log" >&2
    rm -rf "$base"
    return 1
  fi
  (cd "$work" && terraform show -json tfplan) > "$src/plan.json"
  rm -rf "$base"
  echo "fixture $name: plan.json regenerated" >&2
}
export -f plan_one
export fixtures
printf '%s\n' "${cases[@]}" | xargs -P 2 -I{} bash -c 'plan_one "$@"' _ {}
