#!/usr/bin/env bash
# The README's first command: what a release does, for real, on this machine — action-templates/release.yml
# run by the template runner against a local registry, PostgreSQL, Docker Compose, nginx and Prometheus:
#   v1.0.0 released (build, backup + migrate, canary judged by Prometheus, smoke tests, `latest` by digest);
#   v1.1.0 a bad canary, caught and aborted, traffic back on stable;
#   v1.2.0 fails its smoke tests after promotion: app and database rolled back.
# Installs and starts what it needs exactly as `npm test` does, stops what it started.
# Usage: npm run demo [-- --keep]   (--keep: leave the stack up, print its URLs, stop on Ctrl-C)
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    *) echo "usage: npm run demo [-- --keep]" >&2; exit 2 ;;
  esac
done

if [ ! -x node_modules/.bin/vitest ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  echo "== installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

echo "== starting services (as npm test does)"
SERVICES_RUN_FILE=$(mktemp)
export SERVICES_RUN_FILE
work=$(mktemp -d "${TMPDIR:-/tmp}/deploy-kit-demo.XXXXXX")
story_log="$work/story.log"
vitest_log="$work/vitest.log"
: > "$story_log"
tail_pid=""
finish() {
  [ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null || true
  echo "== stopping services this demo started"
  bash scripts/services.sh down || true
  rm -f "$SERVICES_RUN_FILE"
}
trap finish EXIT
bash scripts/services.sh up
set -a
# shellcheck disable=SC1091
. .services/env
set +a

# The bundles the template runs (built once; npm run build rebuilds them all).
missing=()
for action in build-push migrate-db deploy-canary smoke-test rollback; do
  [ -f "dist/$action/index.js" ] || missing+=("$action")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== building ${missing[*]}"
  node scripts/build.mjs "${missing[@]}"
fi

echo "== the release story (action-templates/release.yml, run step by step)"
started=$(date +%s)
tail -n +1 -f "$story_log" &
tail_pid=$!
export DK_DEMO_LOG="$story_log" DK_DEMO_OUT="$work/summaries" DK_DEMO_KEEP="$keep"
node_modules/.bin/vitest run --config test/demo/vitest.config.ts test/demo/story.demo.ts > "$vitest_log" 2>&1 &
vitest_pid=$!
# Ctrl-C: with --keep it ends the wait (the story then stops its stack); otherwise it stops the story.
if [ "$keep" = 1 ]; then trap 'touch "$story_log.stop"' INT TERM; else trap 'kill -TERM "$vitest_pid" 2>/dev/null || true' INT TERM; fi
status=0
while :; do
  if wait "$vitest_pid"; then status=0; else status=$?; fi
  kill -0 "$vitest_pid" 2>/dev/null || break
done
trap - INT TERM
sleep 0.3
kill "$tail_pid" 2>/dev/null || true
tail_pid=""
if [ "$status" -ne 0 ]; then
  echo "== the demo failed; vitest's output:"
  tail -n 80 "$vitest_log"
  exit "$status"
fi
echo "== done in $(( $(date +%s) - started ))s; job summaries (Markdown) are in $work/summaries"
