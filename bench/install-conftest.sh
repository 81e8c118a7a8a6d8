#!/usr/bin/env bash
# Installs the pinned conftest into .tools/bin for the benchmark (skipped when already there).
# v0.71.1 is built on OPA v1.21 (Rego v1 syntax, like policies/); GOTOOLCHAIN=local so the
# Go already installed builds it instead of fetching a newer toolchain.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
CONFTEST_VERSION=v0.71.1
# go install leaves "Conftest: dev" in --version; the module version is in the binary build info.
if [ -x "$ROOT/.tools/bin/conftest" ] && go version -m "$ROOT/.tools/bin/conftest" | grep -qE "^\s+mod\s+github.com/open-policy-agent/conftest\s+$CONFTEST_VERSION\s"; then
  exit 0
fi
echo "installing conftest $CONFTEST_VERSION into .tools/bin" >&2
GOTOOLCHAIN=local GOBIN="$ROOT/.tools/bin" CGO_ENABLED=0 go install "github.com/open-policy-agent/conftest@$CONFTEST_VERSION"
