#!/usr/bin/env bash
# Installs what neargate needs, and only what is missing, so it is safe to run again.
#   scripts/setup.sh run    packages to run tasks (runc, conmon, networking, busybox)
#   scripts/setup.sh test   the above, plus the test peers (awscli, skopeo, PostgreSQL)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-run}

run_packages=(runc conmon nftables iproute2 busybox-static attr tini mount util-linux)
test_packages=(awscli skopeo podman docker-registry postgresql jq curl)

missing=()
want=("${run_packages[@]}")
[ "$mode" = test ] && want+=("${test_packages[@]}")
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "neargate: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
  else
    echo "neargate: installing ${missing[*]}" >&2
    # A fresh machine has no package lists yet; an old list may point at removed files.
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
fi

# npm packages: reinstall when package-lock.json changed since the last install.
stamp="$root/node_modules/.neargate-lock"
if ! cmp -s "$root/package-lock.json" "$stamp" 2>/dev/null; then
  echo "neargate: installing npm packages (better-sqlite3 builds from source, about 90 s)" >&2
  # `npm install`, not `npm ci`: this npm writes lockfiles without other platforms' optional
  # packages (Biome's), and `npm ci` then refuses them. With a lockfile, install follows it.
  (cd "$root" && npm install --no-audit --no-fund --loglevel=error >&2)
  cp "$root/package-lock.json" "$stamp"
fi
