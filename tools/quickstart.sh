#!/usr/bin/env bash
# npm run quickstart: installs what is missing, builds, starts ced in the
# background with the default folders (/var/lib/ce, /run/ce) and runs the
# embedded hello-world image through every layer.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "quickstart: ce needs root (namespaces, mounts); run it as root" >&2
  exit 1
fi
bash tools/install.sh build

ce=(node packages/cli/bin/ce.cjs)
if "${ce[@]}" version >/dev/null 2>&1; then
  echo "quickstart: ced is already running"
else
  mkdir -p /run/ce /var/lib/ce
  nohup node packages/api/bin/ced.mjs >>/var/lib/ce/ced.out 2>&1 &
  for _ in $(seq 1 100); do
    "${ce[@]}" version >/dev/null 2>&1 && break
    sleep 0.1
  done
  "${ce[@]}" version >/dev/null || { echo "quickstart: ced did not start; see /var/lib/ce/ced.out and /var/lib/ce/ced.log" >&2; exit 1; }
  echo "quickstart: ced started (pid $(cat /run/ce/ced.pid)); stop it with: npm run ced:stop"
fi
echo "quickstart: ce run --rm hello-world"
"${ce[@]}" run --rm hello-world
