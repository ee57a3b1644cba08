#!/usr/bin/env bash
# Installs Debian's docker-compose (v1, Python) for the compose checks of npm test: its `docker-compose config`
# validates and resolves docker-compose.yml without a Docker engine. --no-install-recommends: the checks need
# neither the engine (docker.io) nor containerd. Same approach as scripts/ensure-deps.sh; quiet when present.
set -euo pipefail
command -v docker-compose >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "brigadeiro: docker-compose is missing; install it as root: sudo apt-get install --no-install-recommends docker-compose" >&2
  exit 1
fi
# One install at a time (jest runs test files in parallel; dpkg has its own lock but fails instead of waiting).
exec 9>/tmp/brigadeiro-ensure-compose.lock
flock 9
command -v docker-compose >/dev/null 2>&1 && exit 0
echo "brigadeiro: installing Debian package docker-compose" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >&2
