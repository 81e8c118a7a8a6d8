#!/usr/bin/env bash
# Runs the Rego unit tests against the real fixture plans, which are exposed to the tests as
# data.fixtures["<case>"] (the plan.json of test/fixtures/<case>), and enforces the coverage bar.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
bash "$ROOT/scripts/tools/install-tools.sh"
MIN_COVERAGE="${MIN_COVERAGE:-95}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for plan in "$ROOT"/test/fixtures/*/plan.json; do
  case_dir="$work/fixtures-root/fixtures/$(basename "$(dirname "$plan")")"
  mkdir -p "$case_dir"
  cp "$plan" "$case_dir/data.json"
done
# The input the engine builds from each plan (src/engine/input/policy-input.ts), not the raw plan.
(cd "$ROOT" && TS_NODE_PREFER_TS_EXTS=true node -r ts-node/register/transpile-only scripts/test/policy-input.ts "$work"/fixtures-root/fixtures/*/data.json)
opa fmt --fail --list "$ROOT/policies" >/dev/null || { echo "opa fmt: these files need formatting:" >&2; opa fmt --list "$ROOT/policies" >&2; exit 1; }
opa check --strict "$ROOT/policies"
bash "$ROOT/scripts/test/regal-lint.sh"
# --coverage-runs= skips the extra passes that only label why a line is not covered: a third of the time.
opa test --timeout 300s "$ROOT/policies" "$work/fixtures-root" --coverage --coverage-runs= --format json > "$work/coverage.json" || {
  opa test --timeout 300s "$ROOT/policies" "$work/fixtures-root" -v >&2 || true
  exit 1
}
opa test --timeout 300s "$ROOT/policies" "$work/fixtures-root" --format json > "$work/results.json"
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const failed = r.filter((t) => t.fail || t.error).length;
const skipped = r.filter((t) => t.skip).length;
console.log(`rego: ${r.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
if (process.argv[2]) require("fs").writeFileSync(process.argv[2], JSON.stringify({ passed: r.length - failed - skipped, failed, skipped }));
if (failed) process.exit(1);' "$work/results.json" "${REGO_RESULTS_FILE:-}"
node -e '
const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const min = Number(process.argv[2]);
const pct = c.coverage;
console.log(`rego coverage: ${pct.toFixed(2)}% of policy lines (minimum ${min}%)`);
if (pct < min) {
  for (const [file, f] of Object.entries(c.files)) {
    if ((f.not_covered || []).length) console.log(`  ${file}: not covered ${f.not_covered.map(r => r.start.row + (r.end.row !== r.start.row ? "-" + r.end.row : "")).join(", ")}`);
  }
  process.exit(1);
}' "$work/coverage.json" "$MIN_COVERAGE"
