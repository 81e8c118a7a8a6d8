# Sourced by every script: the environment terraform, opa and cdktf need to run offline.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export PATH="$ROOT/.tools/bin:$ROOT/node_modules/.bin:$PATH"
export TF_CLI_CONFIG_FILE="$ROOT/scripts/terraform.rc"
export TF_PLUGIN_CACHE_DIR=""
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_REGION="${AWS_REGION:-eu-west-1}"
export AWS_EC2_METADATA_DISABLED=true
export DISABLE_VERSION_CHECK=1
# The Go builds of OPA, Regal and OpenTofu (scripts/tools/) give the compiler's collector more room. With an
# empty build cache, GOGC 100 -> 400: OPA 155 -> 129 CPU s, OpenTofu 169 -> 145 (peak 0.79 GB).
export GO_BUILD_GOGC="${GO_BUILD_GOGC:-400}"
# The pinned OPA: scripts/tools/install-tools.sh installs it, and Regal is built against it.
OPA_VERSION=v1.22.2
# They compile their third-party packages without optimization (-N -l), and the standard library and OPA
# optimized, all three alike, so that one built after another reuses what the first compiled (the build
# cache keys a package by its flags). What the tests run hot is OPA's own code and the standard library:
# `opa test --coverage` of policies/ took 28.1 CPU s with everything optimized, 26.5 with these flags.
GO_BUILD_GCFLAGS=(-trimpath "-gcflags=all=-N -l" "-gcflags=std=" "-gcflags=github.com/open-policy-agent/opa/...=")
