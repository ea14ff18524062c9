#!/usr/bin/env bash
# Installs npm packages and builds every package (native addon, ce-init, the
# embedded hello-world image, TypeScript). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-debian.sh "${1:-build}"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
