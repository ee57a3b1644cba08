#!/usr/bin/env bash
# Installs what a fresh machine lacks: the Debian packages of the native stack and the npm dependencies.
# Sourced by every entry point (start, stop, status, test, db:*); quiet and quick when all is there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

APT_PACKAGES=(patroni etcd-server etcd-client haproxy redis-server nginx apache2-utils)
PG_BIN=/usr/lib/postgresql/15/bin

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "brigadeiro: these Debian packages are missing: ${missing[*]}" >&2
    echo "brigadeiro: install them as root, then run the command again:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "brigadeiro: installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

# npm dependencies: install when node_modules is missing or was installed from another lock file
# (compared by content, so a lock file rewritten with the same content does not trigger a reinstall).
stamp="$ROOT/node_modules/.brigadeiro-installed"
lock_sum="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "brigadeiro: installing npm dependencies (npm ci)" >&2
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$lock_sum" > "$stamp"
fi
