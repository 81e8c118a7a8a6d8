#!/usr/bin/env bash
# Installs the pinned OPA CLI into .tools/bin (a build and test tool only; the CLI needs Node alone).
set -euo pipefail
source "$(dirname "$0")/../env.sh"
OPA_VERSION=v1.22.2
if [ -x "$ROOT/.tools/bin/opa" ] && [ "$("$ROOT/.tools/bin/opa" version | head -1)" = "Version: ${OPA_VERSION#v}" ]; then
  exit 0
fi
echo "installing opa $OPA_VERSION into .tools/bin" >&2
# -trimpath and CGO_ENABLED=0 as scripts/tools/install-regal.sh builds Regal, which then reuses these packages.
GOBIN="$ROOT/.tools/bin" CGO_ENABLED=0 GOGC="$GO_BUILD_GOGC" go install -trimpath "github.com/open-policy-agent/opa@$OPA_VERSION"
