#!/usr/bin/env bash
# Runs an operator tool after making sure the machine has what it needs: `run-tool.sh stack ...` runs
# scripts/cli/stack.ts; a path ending in .ts (e.g. bench/cli.ts) runs that file, relative to the repo.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/ensure-deps.sh"
tool="$1"; shift
case "$tool" in
  *.ts) file="$ROOT/$tool" ;;
  *) file="$ROOT/scripts/cli/$tool.ts" ;;
esac
exec "$ROOT/node_modules/.bin/tsx" "$file" "$@"
