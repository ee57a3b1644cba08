#!/usr/bin/env bash
# npm start: install what is missing, build, then bring up the whole stack (see scripts/cli/stack.ts).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/ensure-deps.sh"
"$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/cli/build.ts"
exec "$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/cli/stack.ts" start "$@"
