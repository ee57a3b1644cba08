#!/usr/bin/env bash
# npm test: install what is missing, build, bring up a separate test stack (its own state folder and
# ports shifted by 1000, so a stack a person left running is not touched), run jest against it, always
# stop it, and end with one line "N passed, N failed" (from jest's JSON report).
# Extra arguments go to jest (e.g. npm test -- test/stack.status.test.ts).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/ensure-deps.sh"
cd "$ROOT"

export BRIGADEIRO_HOME="$ROOT/.brigadeiro/test-stack"
export BRIGADEIRO_PORT_OFFSET="${BRIGADEIRO_TEST_PORT_OFFSET:-1000}"  # another offset lets two clones test side by side
unset BRIGADEIRO_CARRINHO_INSTANCES
TSX="$ROOT/node_modules/.bin/tsx"
REPORT="$BRIGADEIRO_HOME/jest.json"

stack_failed=0
build_failed=0
stop_stack() { "$TSX" "$ROOT/scripts/cli/stack.ts" stop >&2 || true; }

"$TSX" "$ROOT/scripts/cli/build.ts" || build_failed=1

# A test stack left over by an interrupted run: stop it, then start from a clean state folder.
stop_stack
trap stop_stack EXIT
trap 'exit 130' INT TERM
if [ "$build_failed" -eq 1 ] || ! "$TSX" "$ROOT/scripts/cli/stack.ts" start --detach --fresh >&2; then
  stack_failed=1
  echo "brigadeiro: the test stack did not come up (or the build failed); tests that need it will fail" >&2
fi

mkdir -p "$BRIGADEIRO_HOME"
rm -f "$REPORT"
jest_rc=0
"$ROOT/node_modules/.bin/jest" --json --outputFile="$REPORT" "$@" || jest_rc=$?

summary="$(node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  try {
    const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    passed = r.numPassedTests;
    failed = r.numFailedTests;
    // A suite that failed without running a test (syntax error, failing import) counts as one failure.
    for (const s of r.testResults || []) if (s.status === "failed" && (s.assertionResults || []).length === 0) failed++;
  } catch (e) {
    failed = 1; // no report: jest itself failed
  }
  console.log(`${passed} ${failed}`);
' "$REPORT")"
passed="${summary% *}"
failed="${summary#* }"
failed=$((failed + stack_failed + build_failed))

stop_stack
trap - EXIT
echo "$passed passed, $failed failed"
if [ "$failed" -gt 0 ] || [ "$jest_rc" -ne 0 ]; then exit 1; fi
