#!/usr/bin/env bash
# The README's first command: runs deploy-kit for real on this machine.
# Starts the demo service on 127.0.0.1, runs the smoke-test action against it through the CLI
# (the same bundle a runner runs), and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/yaml ]; then
  echo "== installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

port=${DEMO_PORT:-18080}
node scripts/demo-server.mjs "$port" > /tmp/deploy-kit-demo-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  if node -e "fetch('http://127.0.0.1:$port/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then break; fi
  sleep 0.1
done

echo "== deploy-kit smoke-test against the demo service on http://127.0.0.1:$port"
node bin/deploy-kit.js smoke-test --checks examples/smoke.yml --base-url "http://127.0.0.1:$port"
