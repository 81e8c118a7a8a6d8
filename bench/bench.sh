#!/usr/bin/env bash
# npm run bench: installs the pinned opa and conftest, builds the policy bundle and the CLI, and runs
# bench/run.js, which writes docs/benchmarks.md, with the monorepo benchmark (bench/monorepo.js: 50 plans of
# 1,000 resources in one run vs 50 separate runs). Arguments go to run.js
# (--sizes 100,1000 --reps 3 --reps-large 3 --timeout 600 --monorepo 50x1000 --pull-request 5).
# Peak RSS comes from GNU time (/usr/bin/time -v); on a machine without it: apt-get install time.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$ROOT"
test -x /usr/bin/time || { echo "bench: /usr/bin/time (GNU time) is needed for peak RSS: apt-get install time" >&2; exit 2; }
bash scripts/tools/install-tools.sh
bash bench/install-conftest.sh
bash scripts/generate/build-policies.sh
npm run build --silent
node bench/run.js "$@"
