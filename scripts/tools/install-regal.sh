#!/usr/bin/env bash
# Builds the pinned Regal linter into .tools/bin (scripts/test/regal-lint.sh runs it), against the pinned
# OPA: Regal embeds OPA, so linting, formatting and the builtins it knows are those of the opa that builds
# the bundle, and, built after OPA (scripts/tools/install-tools.sh) with the same flags, Regal reuses OPA's
# compiled packages from the Go build cache. Measured against the Regal v0.29.2 this replaced (user +
# system CPU): its build with an empty build cache 89 s, this one after OPA's 45 s; linting policies/
# 25.7 s, 7.0 s (scripts/test/regal-lint.sh).
#
# The source comes from the Go module proxy (`go mod download`, checked against the pinned go.sum hash);
# the proxy refuses Regal's version list, which `go install ...@version` reads. Regal v0.42.0 pins OPA
# v1.18.2; under OPA v1.22.2's gobwas/glob v1 its one use of the v0 interface type `glob.Glob` is the v1
# type `*glob.Pattern` (the same methods), the only edit.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
source "$(dirname "$0")/go-module.sh"
REGAL_VERSION=v0.42.0
REGAL_SUM="h1:G05bY17Cw8+eiv9ntODgEVSKqueNyEabUzwngoZLWvw="
bin="$ROOT/.tools/bin/regal"
if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -q "^Version: *${REGAL_VERSION#v}$" &&
  "$bin" version 2>/dev/null | grep -q "^OPA Version: *${OPA_VERSION#v}$"; then
  exit 0
fi
echo "building regal $REGAL_VERSION against opa $OPA_VERSION into .tools/bin" >&2
go_module_copy github.com/open-policy-agent/regal "$REGAL_VERSION" "$REGAL_SUM"
filter="$src/pkg/config/filter.go"
if [ "$(grep -c '\bglob\.Glob\b' "$filter")" != 3 ] || [ "$(grep -rl --include='*.go' '\bglob\.Glob\b' "$src" | wc -l)" != 1 ]; then
  echo "error: regal $REGAL_VERSION: glob.Glob is not where this script expects it ($filter)" >&2
  exit 2
fi
sed -i 's/\bglob\.Glob\b/*glob.Pattern/g' "$filter"
mkdir -p "$ROOT/.tools/bin"
(
  cd "$src"
  go mod edit -require="github.com/open-policy-agent/opa@$OPA_VERSION"
  GOFLAGS=-mod=mod CGO_ENABLED=0 GOGC="$GO_BUILD_GOGC" go build "${GO_BUILD_GCFLAGS[@]}" \
    -ldflags "-X github.com/open-policy-agent/regal/pkg/version.Version=${REGAL_VERSION#v}" -o "$bin" .
)
