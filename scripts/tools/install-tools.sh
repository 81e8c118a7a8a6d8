#!/usr/bin/env bash
# Installs the pinned OPA CLI into .tools/bin (a build and test tool only; the CLI needs Node alone).
set -euo pipefail
source "$(dirname "$0")/../env.sh"
if [ -x "$ROOT/.tools/bin/opa" ] && [ "$("$ROOT/.tools/bin/opa" version | head -1)" = "Version: ${OPA_VERSION#v}" ]; then
  exit 0
fi
echo "installing opa $OPA_VERSION into .tools/bin" >&2
# The flags Regal and OpenTofu are built with (scripts/env.sh), so that they reuse these packages.
GOBIN="$ROOT/.tools/bin" CGO_ENABLED=0 GOGC="$GO_BUILD_GOGC" go install "${GO_BUILD_GCFLAGS[@]}" "github.com/open-policy-agent/opa@$OPA_VERSION"
