#!/usr/bin/env bash
# Fails when the test run left engine state on the machine: mounts of test
# folders, engine processes, cgroups, network namespaces.
set -uo pipefail
problems=()
m=$(awk '$2 ~ /\/ce-(e2e|it|test)-|\/ce-[a-z]+-test/' /proc/mounts | wc -l)
[ "$m" -gt 0 ] && problems+=("$m mounts of test folders: $(awk '$2 ~ /\/ce-/ {print $2}' /proc/mounts | head -5 | tr '\n' ' ')")
p=$(pgrep -f 'ce-e2e-|ce-it-' | grep -v "^$$\$" | wc -l)
[ "$p" -gt 0 ] && problems+=("$p processes of test runs: $(pgrep -af 'ce-e2e-|ce-it-' | head -5 | tr '\n' ';')")
c=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -path '*/ce-test*' 2>/dev/null | wc -l)
[ "$c" -gt 0 ] && problems+=("$c test cgroups left")
if [ ${#problems[@]} -gt 0 ]; then
  echo "check-leaks: the test run left state behind:" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "check-leaks: nothing left behind"
