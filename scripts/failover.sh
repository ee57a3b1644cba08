#!/usr/bin/env bash
# Kill the PostgreSQL primary of the running stack and measure detection, failover, first checkout, rejoin
# and lost writes: scripts/failover.sh [--compose] [--postgres-only] [--load] [--rejoin] [--json FILE] (see scripts/cli/failover.ts).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$ROOT/scripts/run-tool.sh" failover "$@"
