#!/usr/bin/env bash
# The whole test suite (npm test): build, policy bundle freshness, Rego tests, jest.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
cd "$ROOT"
# The Go programs the tests run (terraform and the AWS provider, tofu, opa, regal) get more room before
# collecting: measured GOGC 100 -> 400, a fixture's terraform plan 3.1 -> 2.2 CPU s and show 2.1 -> 1.6,
# opa test with coverage 29.9 -> 22.3; about 40 MB more per terraform process.
export GOGC="${GOGC:-400}"
# Each step's start on stderr, in seconds since the start: where a slow run spent its time.
step() { echo "[npm test +${SECONDS}s] $*" >&2; }
step "tools"
bash scripts/tools/install-tools.sh
bash scripts/tools/build-opentofu.sh   # the OpenTofu deploy test runs tofu (minutes once, then skipped)
results="$(mktemp -d)"
# Every temporary folder of the run (the suites', terraform's, the quick start's npm install of about
# 800 MB) goes under one folder that is removed at the end, passed or failed: runs left 30 GB behind
# in /tmp before, and a full disk then failed a later install.
scratch="$(mktemp -d -t ddb-guardrails-test-run-XXXXXX)"
# Jest's transform cache stays where it is by default (under the usual temporary folder), from run to run.
jest_cache="$(node -p 'require("node:path").join(require("node:os").tmpdir(), "jest_" + process.getuid().toString(36))')"
# A failing step ends the run: the steps still running beside it (and their children) end with it.
kill_tree() { local child; for child in $(pgrep -P "$1"); do kill_tree "$child"; done; kill "$1" 2>/dev/null || true; }
trap 'for job in $(jobs -pr); do kill_tree "$job"; done; rm -rf "$results" "$scratch"' EXIT
export TMPDIR="$scratch"
# The build, the tests' type check and the generated-files check need nothing the Rego steps make: they
# run beside them, so that one's single-threaded stretches (each tsc, node, opa check) leave no core idle.
# The tests are type-checked once here; ts-jest only transpiles them (isolatedModules in
# test/tsconfig.json), which cut a suite's cold start from about 2 minutes to 30 s.
step "build and type check, generated files up to date (beside biome and the Rego steps)"
(npm run build --silent && npx tsc -p test/tsconfig.json && chmod +x dist/src/cli/main.js) >"$results/build.log" 2>&1 &
build=$!
bash scripts/generate/generate.sh --check >"$results/generate.log" 2>&1 &
generate=$!
step "biome"
npx biome check .   # TypeScript/JavaScript format and lint (npm run lint also runs the Rego linters; npm run format fixes)
step "Rego"
REGO_RESULTS_FILE="$results/rego.json" bash scripts/test/test-policies.sh
finish() { # finish <pid> <log> <what failed>
  local status=0
  wait "$1" || status=$?
  cat "$2" >&2
  if [ "$status" != 0 ]; then
    echo "error: $3 failed (above)" >&2
    exit 1
  fi
}
finish "$generate" "$results/generate.log" "the generated-files check"
finish "$build" "$results/build.log" "the build or the tests' type check"
step "jest"
status=0
npx jest --ci --cacheDirectory="$jest_cache" --json --outputFile="$results/jest.json" "$@" || status=$?
# One closing line for both runners: N passed, N failed, N skipped.
node -e '
const fs = require("fs");
const rego = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const jest = fs.existsSync(process.argv[2]) ? JSON.parse(fs.readFileSync(process.argv[2], "utf8")) : { numPassedTests: 0, numFailedTests: 1, numPendingTests: 0 };
// A suite that fails to run (e.g. a type error) has no failed test of its own: count it as one.
const passed = rego.passed + jest.numPassedTests, failed = rego.failed + jest.numFailedTests + (jest.numRuntimeErrorTestSuites || 0), skipped = rego.skipped + jest.numPendingTests + (jest.numTodoTests || 0);
console.log(`tests: ${passed} passed, ${failed || Number(process.argv[3] !== "0")} failed, ${skipped} skipped`);' "$results/rego.json" "$results/jest.json" "$status"
exit "$status"
