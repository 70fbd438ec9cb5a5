#!/bin/sh
# `npm test`: every test. Installs what is missing (chromium too), type-checks, runs the unit
# tests, then the kernel and browser tests inside a private network namespace sandbox
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

echo "==> kernel tests (in a private network namespace)"
scripts/sandbox npx vitest run test/kernel --reporter=default --reporter=json --outputFile.json="$results/kernel.json" || status=1

echo "==> browser tests (Playwright + Chromium, in a private network namespace)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/e2e.json" scripts/sandbox npx playwright test --reporter=list,json || status=1

node scripts/summary.mjs "$results" || status=1
exit $status
