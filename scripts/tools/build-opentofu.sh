#!/usr/bin/env bash
# Builds the pinned OpenTofu CLI from source into .tools/bin/tofu, and writes the project-local provider
# mirror and CLI configuration tofu plans with offline (.tools/tofu-plugins, .tools/tofu.rc).
# A test tool only: the OpenTofu tests and regenerating the fixtures' opentofu-plan.json need it.
# The source comes from the Go module proxy (`go mod download`, checked against the pinned go.sum hash);
# `go install ...@version` cannot build it because its go.mod has a replace directive.
#
# A test build, made for CI's budget (2 cores, empty caches): the remote-state backends whose cloud SDKs
# are most of the compile (azurerm, consul, cos, gcs, kubernetes, oss, s3) are left out of the backend
# table (internal/backend/init/init.go), and the state-encryption key providers that need a cloud SDK
# (aws_kms, gcp_kms, openbao) out of internal/encryption/default_registry.go; the tests keep their state
# unencrypted in local files. OpenTofu and its third-party packages are compiled without
# optimization (-N -l; the standard library optimized, as OPA's build compiles it: scripts/env.sh).
# Planning, applying and `tofu show -json` are OpenTofu's own code, unchanged. Measured with an empty Go
# build cache (and the module downloaded): 153 CPU s without the six backends, against 311 for the release
# build; 151 -> 121 without s3 and the three key providers too; after OPA's build, which compiled the
# standard library it reuses, 124 before that.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
source "$(dirname "$0")/go-module.sh"
TOFU_VERSION=v1.10.10
TOFU_SUM="h1:ELFHOkY0x/bHvkgBP4KK3i7Y19CSFuHOyeZOLc0cqWY="
bin="$ROOT/.tools/bin/tofu"

# tofu resolves "hashicorp/aws" to registry.opentofu.org: the same provider binaries as the Terraform
# mirror, linked under that host name.
write_mirror() {
  local mirror="$ROOT/.tools/tofu-plugins" rc="$ROOT/.tools/tofu.rc" src host_dir
  rm -rf "$mirror"
  for src in /opt/tf-plugins/registry.terraform.io/*/*/*/* "$ROOT"/.tools/tf-plugins/registry.terraform.io/*/*/*/*; do
    [ -d "$src" ] || continue
    host_dir="${src#*/registry.terraform.io/}"
    mkdir -p "$mirror/registry.opentofu.org/$(dirname "$host_dir")"
    ln -s "$src" "$mirror/registry.opentofu.org/$host_dir"
  done
  cat >"$rc" <<RC
# Written by scripts/tools/build-opentofu.sh: providers come from the local mirror only.
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.opentofu.org/*/*"]
  }
  direct {
    exclude = ["registry.opentofu.org/*/*"]
  }
}
disable_checkpoint = true
RC
}

# What this script builds, recorded beside the binary: a build made by an earlier version of it is redone.
build_note="OpenTofu $TOFU_VERSION test build: without the azurerm, consul, cos, gcs, kubernetes, oss and s3 backends and the aws_kms, gcp_kms and openbao key providers, compiled without optimization"
if [ -x "$bin" ] && [ "$("$bin" version | head -1)" = "OpenTofu ${TOFU_VERSION}" ] && [ "$(cat "$bin.test-build" 2>/dev/null)" = "$build_note" ]; then
  write_mirror
  exit 0
fi
echo "building opentofu $TOFU_VERSION into .tools/bin (minutes with an empty Go cache)" >&2
go_module_copy github.com/opentofu/opentofu "$TOFU_VERSION" "$TOFU_SUM"
mkdir -p "$ROOT/.tools/bin"
init="$src/internal/backend/init/init.go"
for backend in azurerm:Azure consul:Consul cos:Cos gcs:GCS kubernetes:Kubernetes oss:OSS s3:S3; do
  name="${backend%%:*}" pkg="backend${backend#*:}"
  grep -q "^		\"$name\": " "$init" && grep -q "^	$pkg \"" "$init" || {
    echo "error: opentofu $TOFU_VERSION: the $name backend is not where this script expects it in $init" >&2
    exit 2
  }
  sed -i -e "/^		\"$name\": /d" -e "/^	$pkg \"/d" "$init"
done
registry="$src/internal/encryption/default_registry.go"
for provider in aws_kms gcp_kms openbao; do
  grep -q "^	\"github.com/opentofu/opentofu/internal/encryption/keyprovider/$provider\"$" "$registry" &&
    grep -q "^	if err := DefaultRegistry.RegisterKeyProvider($provider.New()); err != nil {$" "$registry" || {
    echo "error: opentofu $TOFU_VERSION: the $provider key provider is not where this script expects it in $registry" >&2
    exit 2
  }
  sed -i -e "/^	\"github.com\/opentofu\/opentofu\/internal\/encryption\/keyprovider\/$provider\"$/d" \
    -e "/^	if err := DefaultRegistry.RegisterKeyProvider($provider.New()); err != nil {$/,+2d" "$registry"
done
(cd "$src" && CGO_ENABLED=0 GOGC="$GO_BUILD_GOGC" go build "${GO_BUILD_GCFLAGS[@]}" \
  -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$bin" ./cmd/tofu)
echo "$build_note" >"$bin.test-build"
write_mirror
echo "opentofu $TOFU_VERSION built: $bin" >&2
