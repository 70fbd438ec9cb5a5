#!/bin/sh
# `npm test`: every test. Installs what is missing (chromium too), type-checks, runs the unit
# tests, then the kernel and browser tests inside private network namespace sandboxes
# (scripts/sandbox), so this machine's own network is never touched.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh --build --test

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0

echo "==> type check"
npx tsc --noEmit -p . || status=1

echo "==> unit tests"
npx vitest run test/unit --reporter=default --reporter=json --outputFile.json="$results/unit.json" || status=1

echo "==> kernel tests (in two private network namespaces side by side, half of the files each)"
# each sandbox has its own network namespaces, /run/netns and processes, so the halves cannot
# meet; the second half's output follows the first's (the command they run was built by setup,
# so neither half's global setup builds it again)
scripts/sandbox npx vitest run $(node scripts/kernel-shards.mjs 2) --reporter=default --reporter=json --outputFile.json="$results/kernel-2.json" > "$results/kernel-2.log" 2>&1 &
second=$!
scripts/sandbox npx vitest run $(node scripts/kernel-shards.mjs 1) --reporter=default --reporter=json --outputFile.json="$results/kernel-1.json" || status=1
wait $second || status=1
cat "$results/kernel-2.log"

echo "==> browser tests (Playwright + Chromium, in a private network namespace)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/e2e.json" scripts/sandbox npx playwright test --reporter=list,json || status=1

node scripts/summary.mjs "$results" || status=1
exit $status
