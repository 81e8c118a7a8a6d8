#!/usr/bin/env bash
# Builds the hashicorp/null provider from source into a project-local filesystem mirror
# (.tools/tf-plugins), which scripts/fixtures/regenerate-fixtures.sh adds to the Terraform CLI configuration.
# Only regenerating fixtures that plan cloudposse modules (they declare null_resource) needs it:
# tests read the committed plan.json files and never run this.
# Usage: scripts/tools/build-null-provider.sh <git repository: directory or URL> [tag]   (tag: v3.2.4)
# Go modules come from the Go module proxy.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
src="${1:?usage: build-null-provider.sh <git repository: directory or URL> [tag]}"
tag="${2:-v3.2.4}"
version="${tag#v}"
mirror="$ROOT/.tools/tf-plugins"
platform="$(go env GOOS)_$(go env GOARCH)"
out="$mirror/registry.terraform.io/hashicorp/null/$version/$platform/terraform-provider-null_v${version}_x5"
if [ -x "$out" ]; then
  echo "null provider $version already built: $out" >&2
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -d "$src" ]; then
  repo="$src"
else
  git clone --quiet --bare --depth 1 --branch "$tag" "$src" "$work/repo.git"
  repo="$work/repo.git"
fi
mkdir -p "$work/src"
git -C "$repo" archive "$tag" | tar -x -C "$work/src"
mkdir -p "$(dirname "$out")"
(cd "$work/src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out" .)
echo "null provider $version built: $out" >&2
