#!/usr/bin/env bash
# Runs one of the operator tools in scripts/cli/<tool>.ts after making sure the machine has what it needs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/ensure-deps.sh"
tool="$1"; shift
exec "$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/cli/$tool.ts" "$@"
