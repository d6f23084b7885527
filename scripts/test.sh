#!/usr/bin/env bash
# Install everything and run every check: lint, format, types, and all test suites
# (core, plugins, adapters). pytest exits 5 when no test ran, which fails this script.
source "$(dirname "$0")/_env.sh"
# A throwaway PostgreSQL for the ledger tests (skipped, with a notice, when none can start).
source scripts/postgres.sh
# Debian's Chromium for the hospital report's browser test (skipped, with a notice, without).
source scripts/chromium.sh
ruff check .
ruff format --check .
mypy
test_dirs=(tests)
for dir in plugins/*/tests adapters/*/tests; do
  [ -d "$dir" ] && test_dirs+=("$dir")
done
pytest "${test_dirs[@]}"
