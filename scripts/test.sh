#!/usr/bin/env bash
# The test command: sets everything up (scripts/setup.sh), type-checks, lints (ESLint with the
# import direction of docs/architecture.md, and Prettier's formatting), then runs the unit tests
# and the integration tests against a real lab (started and stopped by the test run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
npm run --silent typecheck
npm run --silent lint
npx vitest run "$@"
