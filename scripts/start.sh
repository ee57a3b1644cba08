#!/usr/bin/env bash
# npm start: install what is missing, then check the options, build and bring up the whole stack (see
# scripts/cli/stack.ts). stack.ts runs the build itself (--build) so that a misspelt option fails before it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/ensure-deps.sh"
exec "$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/cli/stack.ts" start --build "$@"
