#!/usr/bin/env bash
# npm run demo: the main job end to end on a local AWS emulator (see demo/main-job.ts).
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$ROOT"
npm run build --silent
chmod +x dist/src/cli/main.js
exec node -r ts-node/register/transpile-only demo/main-job.ts
