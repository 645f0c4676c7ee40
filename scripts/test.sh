#!/usr/bin/env bash
# The test command: sets everything up (scripts/setup.sh), type-checks, lints (ESLint with the
# import direction of docs/architecture.md, and Prettier's formatting), then runs the unit tests
# and the integration tests against real labs (started and stopped by the test run): first the
# Liqo v0.3 emulator lab, then the lab running Liqo v1.2's own controllers. The two lab suites run
# one after the other so that neither competes with the other for the machine. The unit tests and
# the CLI's start-up also run on the other supported Node.js lines (22 and 24; scripts/node-lines.sh).
# A few integration suites run a second time through the published launcher and its start-up
# snapshot (bin/liqo-topology; tests default to the sources).
# Arguments go to vitest as they are (e.g. a file or --project integration-v1), in one run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
npm run --silent typecheck
npm run --silent lint
if (($#)); then
  npx vitest run "$@"
else
  bash scripts/node-lines.sh
  npx vitest run --project unit --project integration
  # Again through the published launcher, started from its start-up snapshot (built first): the
  # suites that run every command, prompts and signals on a terminal, hostile text and the board.
  LIQO_TOPOLOGY_SNAPSHOT=build bin/liqo-topology --version >/dev/null
  LIQO_TOPOLOGY_TEST_ENTRY=published npx vitest run --project integration test/integration/both/commands.test.ts \
    test/integration/both/interrupt.test.ts test/integration/signals.test.ts test/integration/both/hostile-text.test.ts \
    test/integration/both/board.test.ts test/integration/both/completion.test.ts
  npx vitest run --project integration-v1
fi
