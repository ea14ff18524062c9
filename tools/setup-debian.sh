#!/usr/bin/env bash
# Installs the Debian packages ce needs and are missing. Usage:
#   tools/setup-debian.sh build   # compilers for the native addon and the embedded image, and what ced runs
#   tools/setup-debian.sh test    # plus what the test tiers use
set -euo pipefail
tier=${1:-build}

packages=(g++ make python3 libc6-dev)
# ce-monitor gzips rotated container logs with zlib
packages+=(zlib1g-dev)
# ced reads bzip2, xz (and, on a Node without zstd, zstd) archives with the host's tools, as dockerd runs xz
packages+=(bzip2 xz-utils zstd)
# ced's default bridge network programs NAT and isolation rules with iptables
# (dockerd needs it too); a fresh Debian 12 does not have it
packages+=(iptables)
if [ "$tier" = test ]; then
  # peers the interop tests drive: Docker 20.10 and runc, the distribution
  # registry, skopeo and umoci, and openssl for the registry's test CA
  packages+=(busybox-static iproute2 iptables util-linux docker.io runc docker-registry skopeo umoci openssl)
  # the CNI driver's integration tests run Debian's plugins (in /usr/lib/cni)
  packages+=(containernetworking-plugins)
  # the Docker API's interop tests drive Docker Compose 1.29 against ced
  packages+=(docker-compose)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# No service may start from the install (a system dockerd or registry would
# add bridges, iptables rules and listeners): a policy-rc.d forbids it for the
# time of the install, unless one is there already.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
