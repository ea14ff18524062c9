#!/usr/bin/env bash
# Fails when the test run left engine state on the machine: mounts of test
# folders, engine processes, cgroups, network namespaces, ce's links and
# firewall chains. `--record FILE` instead writes the host's network state
# that tests must not change (docker0, forwarding); `--against FILE` also
# fails when that state differs from the recorded one.
set -uo pipefail

host_network_state() {
  if ip link show docker0 >/dev/null 2>&1; then
    echo "docker0 $(ip -o link show docker0 | cut -d: -f1) $(ip -o -4 addr show dev docker0 | awk '{print $4}' | sort | tr '\n' ' ')"
  else
    echo "docker0 absent"
  fi
  echo "net.ipv4.ip_forward $(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)"
  echo "net.bridge.bridge-nf-call-iptables $(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo absent)"
}

# Bridges and chains of ce that a ced outside the tests owns (quickstart's, on the
# default ce0 and CE chains): recorded with the baseline, not counted as left by the run.
ce_bridge_names() {
  ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | grep -E '^ce' || true
}
ce_chain_names() {
  command -v iptables-save >/dev/null && iptables-save 2>/dev/null | awk '/^:CE[A-Za-z0-9_-]* / {sub(/^:/, "", $1); print $1}' | sort -u
}

if [ "${1:-}" = --record ]; then
  { host_network_state; ce_bridge_names | sed 's/^/owned-link /'; ce_chain_names | sed 's/^/owned-chain /'; } >"$2"
  exit 0
fi
baseline=""
[ "${1:-}" = --against ] && baseline=$2
owned() { [ -n "$baseline" ] && [ -f "$baseline" ] && awk -v k="owned-$1" '$1 == k {print $2}' "$baseline"; }

problems=()
m=$(awk '$2 ~ /\/ce-(e2e|it|test)-|\/ce-[a-z]+-test/' /proc/mounts | wc -l)
[ "$m" -gt 0 ] && problems+=("$m mounts of test folders: $(awk '$2 ~ /\/ce-/ {print $2}' /proc/mounts | head -5 | tr '\n' ' ')")
p=$(pgrep -f 'ce-e2e-|ce-it-' | grep -v "^$$\$" | wc -l)
[ "$p" -gt 0 ] && problems+=("$p processes of test runs: $(pgrep -af 'ce-e2e-|ce-it-' | head -5 | tr '\n' ';')")
c=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -path '*/ce-test*' 2>/dev/null | wc -l)
[ "$c" -gt 0 ] && problems+=("$c test cgroups left")

# Network namespaces: named ones of tests (ip netns), ones pinned by ce (/run/ce/netns, nsfs mounts in ce folders).
ns=$( (ip netns list 2>/dev/null | awk '$1 ~ /^ce/ {print $1}'; ls /run/ce/netns 2>/dev/null; awk '$3 == "nsfs" && $2 ~ /\/ce/ && $2 !~ /^\/run\/netns\// {print $2}' /proc/mounts) | sort -u)
[ -n "$ns" ] && problems+=("$(echo "$ns" | wc -l) network namespaces of ce or its tests: $(echo "$ns" | head -5 | tr '\n' ' ')")

# Links: ce's bridges (ce0, test names ce*, the private dockerd's cedk*), Docker-style br-<12 hex> when no
# system dockerd owns them, and veths left without a bridge or on one of those.
links=$(ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}')
ce_bridges=$(echo "$links" | grep -E '^ce' || true)
if ! pgrep -x dockerd >/dev/null; then ce_bridges=$(printf '%s\n%s' "$ce_bridges" "$(echo "$links" | grep -E '^br-[0-9a-f]{12}$' || true)" | grep . || true); fi
stray_veths=$(ip -o link show type veth 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); m = ""; if (match($0, / master [^ ]+/)) m = substr($0, RSTART + 8, RLENGTH - 8); print $2, m}' |
  while read -r name master; do
    if [ -z "$master" ] || echo "$ce_bridges" | grep -qx "$master"; then echo "$name"; fi
  done)
left=$(printf '%s\n%s' "$ce_bridges" "$stray_veths" | grep . | grep -v -x -F -f <(owned link; echo '') || true)
[ -n "$left" ] && problems+=("$(echo "$left" | wc -l) links of ce or its tests: $(echo "$left" | head -5 | tr '\n' ' ')")

# Firewall: chains named CE* (ce's default prefix and the tests' own) in iptables, tables named ce* in nftables.
if command -v iptables-save >/dev/null; then
  chains=$(ce_chain_names | grep -v -x -F -f <(owned chain; echo '') || true)
  [ -n "$chains" ] && problems+=("$(echo "$chains" | wc -l) iptables chains of ce: $(echo "$chains" | head -5 | tr '\n' ' ')")
  # tools/lib/bridge-forwarding.mjs's rules, by their comment.
  accepts=$(iptables-save -t filter 2>/dev/null | grep -c 'ce test: bridge forwarding')
  [ "$accepts" -gt 0 ] && problems+=("$accepts FORWARD rules of tests' bridges left")
fi
if command -v nft >/dev/null; then
  tables=$(nft list tables 2>/dev/null | awk '$3 ~ /^ce/ {print $2 " " $3}')
  [ -n "$tables" ] && problems+=("nftables tables of ce: $(echo "$tables" | tr '\n' ';')")
fi

if [ -n "$baseline" ] && [ -f "$baseline" ]; then
  changed=$(diff <(cat "$baseline") <(host_network_state) | grep '^>' | cut -c3-)
  [ -n "$changed" ] && problems+=("the host's network state changed (was: $(grep -F -f <(echo "$changed" | awk '{print $1}') "$baseline" | tr '\n' ';') now: $(echo "$changed" | tr '\n' ';'))")
fi

if [ ${#problems[@]} -gt 0 ]; then
  echo "check-leaks: the test run left state behind:" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "check-leaks: nothing left behind"
