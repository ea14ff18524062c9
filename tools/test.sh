#!/usr/bin/env bash
# npm test: every tier (unit, integration as root, e2e with real ce and ced),
# after checking that every workspace bin is linked and the generated protocol
# code is current, then a check that nothing leaked and that the host's
# docker0 and forwarding settings are as they were.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh test
node tools/check-workspace-bins.mjs
npm run proto:check
baseline=$(mktemp)
trap 'rm -f "$baseline"' EXIT
bash tools/check-leaks.sh --record "$baseline"
npx vitest run "$@"
bash tools/check-leaks.sh --against "$baseline"
