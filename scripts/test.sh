#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what is missing, starts the real services
# (Docker engine + registries, PostgreSQL, MariaDB; nginx and Prometheus are started per test),
# runs vitest, stops what it started, and prints `N passed, N failed` as its last line.
# Usage: bash scripts/test.sh [vitest filters…]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/vitest ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  echo "== installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

echo "== starting services"
# Stop only what this run starts: services a developer already had running stay up.
SERVICES_RUN_FILE=$(mktemp)
export SERVICES_RUN_FILE
bash scripts/services.sh up
stop_services() { echo "== stopping services this run started"; bash scripts/services.sh down || true; rm -f "$SERVICES_RUN_FILE"; }
trap stop_services EXIT
set -a
# shellcheck disable=SC1091
. .services/env
set +a

mkdir -p test-results
rm -f test-results/vitest.json
status=0
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?
trap - EXIT
stop_services
# The count comes last, from vitest's JSON report.
node scripts/count-results.mjs test-results/vitest.json || status=$?
exit "$status"
