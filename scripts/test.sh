#!/usr/bin/env bash
# The test command: sets everything up (scripts/setup.sh), type-checks, lints (ESLint with the
# import direction of docs/architecture.md, and Prettier's formatting), then runs the unit tests
# and the integration tests against real labs (started and stopped by the test run): the Liqo v0.3
# emulator lab and the lab running Liqo v1.2's own controllers, side by side; after the former, the
# tutorial flow on Liqo v1.0's and then v1.1's own controllers. Their tests spend most
# of their time waiting on controllers, grace periods and back-offs, not on the CPU; each has its own
# lab, so neither disturbs the other. The v1.2 suite's output follows once it is done.
# Its Node.js is 24 (fetched once from the npm registry, scripts/node.sh), for vitest, the labs and
# the CLI; the unit tests and the CLI's start-up also run on Node.js 22 and 26 (scripts/node-lines.sh),
# side by side with the type-check and the lint, which time nothing.
# The tests tagged "launcher" (start-up, signals, a prompt on a terminal, the board, completion) run a
# second time through the published launcher and its start-up snapshot (tests default to the sources).
# Each test file's duration is printed as it ends, and the ten slowest files of all runs at the end.
# Arguments go to vitest as they are (e.g. a file or --project integration-v1), in one run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node.sh
use_node_line "$LIQO_TOPOLOGY_MAIN_NODE"
echo "== Node.js $(node --version) runs the tests"
bash scripts/setup.sh
if (($#)); then
  npm run --silent typecheck
  npm run --silent lint
  npx vitest run "$@"
  exit
fi

started=$SECONDS
LIQO_TOPOLOGY_DURATIONS="$(mktemp)"
export LIQO_TOPOLOGY_DURATIONS
lines_log="$(mktemp)"
slowest() {
  local code=$?
  if [[ -s "$LIQO_TOPOLOGY_DURATIONS" ]]; then
    echo
    echo "== The ten slowest test files of the test command:"
    sort -t $'\t' -k1,1nr "$LIQO_TOPOLOGY_DURATIONS" | head -10 |
      awk -F '\t' '{printf "  %7.1f s  %s  %s\n", $1 / 1000, $2, $3}'
  fi
  echo "== The test command took $((SECONDS - started)) s (exit $code)"
  rm -f "$LIQO_TOPOLOGY_DURATIONS" "$lines_log"
}
trap slowest EXIT

# The other Node lines' unit tests, side by side with the type-check and the lint; their output
# follows once both are done.
env -u LIQO_TOPOLOGY_DURATIONS bash scripts/node-lines.sh >"$lines_log" 2>&1 &
lines_pid=$!
checks=0
npm run --silent typecheck || checks=$?
((checks)) || npm run --silent lint || checks=$?
lines=0
wait "$lines_pid" || lines=$?
cat "$lines_log"
if ((checks)); then echo "error: the type-check or the lint failed" >&2; fi
if ((lines)); then echo "error: the unit tests or the CLI's start-up failed on another Node line (above)" >&2; fi
if ((checks || lines)); then exit 1; fi

# The Liqo v1.2 suite first: its lab takes longest to come up.
v1_log="$(mktemp)"
node_modules/.bin/vitest run --project integration-v1 >"$v1_log" 2>&1 &
v1_pid=$!
stop_v1() { kill -INT "$v1_pid" 2>/dev/null || true; }
trap 'stop_v1; slowest' EXIT
here=0
npx vitest run --project unit --project integration || here=$?
# Again through the published launcher, started from its start-up snapshot (built first): the
# tests tagged "launcher", which exercise what the launcher changes.
if ((here == 0)); then
  LIQO_TOPOLOGY_SNAPSHOT=build packages/cli/dist/bundle/liqo-topology --version >/dev/null
  LIQO_TOPOLOGY_TEST_ENTRY=published npx vitest run --project integration --tags-filter launcher \
    packages/cli/test/integration/signals.test.ts packages/cli/test/integration/both/board.test.ts \
    packages/cli/test/integration/both/completion.test.ts packages/cli/test/integration/both/commands.test.ts \
    packages/cli/test/integration/both/interrupt.test.ts || here=$?
fi
# Liqo v1.0 and v1.1: the tutorial flow and what their drain does differently (DaemonSet pods), each
# on its own lab, one after the other, once the v0.3 line is done (it ends before the v1.2 suite).
older=0
for line in v1.0 v1.1; do
  npx vitest run --project "integration-$line" || older=$?
done
v1=0
wait "$v1_pid" || v1=$?
trap slowest EXIT
echo "== The Liqo v1.2 lab's suite (run beside the above):"
cat "$v1_log"
rm -f "$v1_log"
if ((here)); then echo "error: the unit tests, the Liqo v0.3 lab's suite or the launcher pass failed (above)" >&2; fi
if ((v1)); then echo "error: the Liqo v1.2 lab's suite failed (above)" >&2; fi
if ((older)); then echo "error: the tutorial flow on Liqo v1.0 or v1.1 failed (above)" >&2; fi
if ((here || v1 || older)); then exit 1; fi
