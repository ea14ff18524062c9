#!/usr/bin/env bash
# npm test: every tier (unit, integration as root, e2e with real ce and ced),
# after checking the generated protocol code, then a check that nothing leaked.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh test
npm run proto:check
npx vitest run "$@"
bash tools/check-leaks.sh
