#!/usr/bin/env bash
# Installs the Debian packages ce needs and are missing. Usage:
#   tools/setup-debian.sh build   # compilers for the native addon and the embedded image
#   tools/setup-debian.sh test    # plus what the test tiers use
set -euo pipefail
tier=${1:-build}

packages=(g++ make python3 libc6-dev)
if [ "$tier" = test ]; then
  packages+=(busybox-static iproute2 util-linux)
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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
