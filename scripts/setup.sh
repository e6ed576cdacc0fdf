#!/usr/bin/env bash
# Installs what neargate needs, and only what is missing, so it is safe to run again.
#   scripts/setup.sh run    packages to run tasks (runc, conmon, networking, busybox)
#   scripts/setup.sh test   the above, plus the test peers (awscli, skopeo, PostgreSQL)
#   scripts/setup.sh bench  the above, plus what benchmarks compare with (nginx, wrk); not for tests
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-run}

run_packages=(runc conmon nftables iproute2 busybox-static attr tini mount util-linux)
test_packages=(awscli skopeo podman docker-registry postgresql jq curl)
bench_packages=(nginx wrk)

missing=()
want=("${run_packages[@]}")
case "$mode" in
  test) want+=("${test_packages[@]}") ;;
  bench) want+=("${test_packages[@]}" "${bench_packages[@]}") ;;
esac
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
    # Debian starts nginx on port 80 when it is installed; the benchmark runs its own nginx, and
    # port 80 stays free for load balancer listeners.
    no_start=
    if [[ " ${missing[*]} " == *" nginx "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && no_start=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    if [ -n "$no_start" ]; then rm -f /usr/sbin/policy-rc.d; fi
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
