#!/usr/bin/env bash
# Builds the pinned Regal linter into .tools/bin (used by scripts/test/test-policies.sh when present).
# Built from a throwaway module rather than `go install regal@version`: the module proxy serves the
# pinned version but refuses its version list, which `go install` reads for deprecation notices.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
REGAL_VERSION=v0.29.2
if [ -x "$ROOT/.tools/bin/regal" ] && "$ROOT/.tools/bin/regal" version 2>/dev/null | grep -q "^Version: *${REGAL_VERSION#v}$"; then
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "building regal $REGAL_VERSION into .tools/bin (a few minutes)" >&2
(
  cd "$work"
  go mod init regal-build >/dev/null 2>&1
  go mod edit -require="github.com/styrainc/regal@$REGAL_VERSION"
  GOFLAGS=-mod=mod CGO_ENABLED=0 GOGC="$GO_BUILD_GOGC" go build -trimpath \
    -ldflags "-X github.com/styrainc/regal/pkg/version.Version=${REGAL_VERSION#v}" \
    -o "$ROOT/.tools/bin/regal" github.com/styrainc/regal
)
