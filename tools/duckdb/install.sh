#!/usr/bin/env bash
# Installs DuckDB for the Parquet interoperability tests: exactly the
# @duckdb/node-api version locked in package-lock.json (with the native
# binary for this platform, shipped inside the npm package) into
# tools/duckdb/node_modules. Needs node, npm and the npm registry.
#
# Idempotent: when node_modules is newer than the lock file and DuckDB
# answers a query, it does nothing; otherwise `npm ci` (re)installs from the
# lock file.
set -euo pipefail
cd "$(dirname "$0")"
if [ node_modules/.package-lock.json -nt package-lock.json ] \
   && node query.mjs 'SELECT 1' > /dev/null 2>&1; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error > /dev/null
node query.mjs "SELECT 'duckdb ' || version() AS v" > /dev/null
