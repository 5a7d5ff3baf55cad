#!/usr/bin/env bash
# fairflip vs DuckDB vs Miller on the same label rewrite of a 1M-row table,
# CSV and Parquet, side by side in one run (median of $RUNS runs each).
#   bash bench/compare.sh                 (from the repository root; ROWS=1000000 RUNS=5 by default)
# The input is built deterministically by bench/gen from
# ../shared/data/adult/adult.data (or $FAIRFLIP_DATA): Adult's rows repeated,
# fnlwgt varied per copy; the Parquet copy is DuckDB's (ZSTD, its default
# row groups). Nothing large is committed. Installs the peers from
# the registries if missing: Debian's miller, npm's @duckdb/node-api.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${FAIRFLIP_DATA:-../shared/data}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
command -v mlr >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq miller >/dev/null; }
bash tools/duckdb/install.sh >/dev/null
go build -o "$TMP/fairflip" ./cmd/fairflip
duck() { node tools/duckdb/query.mjs "$1" >/dev/null; }
go run ./bench/gen -rows "$ROWS" -data "$DATA" -o "$TMP/in.csv"
duck "SET threads=1; COPY (SELECT * FROM read_csv('$TMP/in.csv')) TO '$TMP/in.parquet' (FORMAT parquet, COMPRESSION zstd)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; inputs: $ROWS rows, CSV $(du -h "$TMP/in.csv" | cut -f1), Parquet $(du -h "$TMP/in.parquet" | cut -f1)"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# run NAME CMD...: time CMD $RUNS times (wall seconds), print the median and the peak RSS of the last run.
declare -A MED
run() {
  local name=$1; shift
  local ts=() peak=0
  for _ in $(seq "$RUNS"); do
    local out
    /usr/bin/time -o "$TMP/time" -f "%e %M" "$@" >/dev/null 2>&1
    out=$(tail -1 "$TMP/time")
    ts+=("${out% *}"); peak=${out#* }
  done
  MED[$name]=$(printf '%s\n' "${ts[@]}" | median)
  printf '%-34s median %6.2f s  peak %5d MB  (runs: %s)\n' "$name" "${MED[$name]}" $((peak / 1024)) "${ts[*]}"
}
flipargs=(--sensitive race --minority Black --label income --positive '>50K' --method random --flips 1000 -q)
rewrite="CASE WHEN race='Black' AND income='<=50K' AND hash(fnlwgt, age) % 80 = 0 THEN '>50K' ELSE income END AS income"

run "fairflip CSV" "$TMP/fairflip" flip "$TMP/in.csv" -o "$TMP/ff.csv" "${flipargs[@]}"
run "DuckDB CSV (node)" node tools/duckdb/query.mjs "COPY (SELECT * REPLACE ($rewrite) FROM read_csv('$TMP/in.csv')) TO '$TMP/dd.csv' (FORMAT csv, HEADER true)"
run "Miller CSV" sh -c "mlr --icsv --ocsv put 'if (\$race == \"Black\" && \$income == \"<=50K\" && urandint(0,79) == 0) {\$income = \">50K\"}' '$TMP/in.csv' > '$TMP/mlr.csv'"
run "fairflip Parquet" "$TMP/fairflip" flip "$TMP/in.parquet" -o "$TMP/ff.parquet" "${flipargs[@]}"
run "DuckDB Parquet (node)" node tools/duckdb/query.mjs "COPY (SELECT * REPLACE ($rewrite) FROM read_parquet('$TMP/in.parquet')) TO '$TMP/dd.parquet' (FORMAT parquet, COMPRESSION zstd)"
run "node + DuckDB start-up" node tools/duckdb/query.mjs "SELECT 1"
run "fairflip CSV rb-prob (alpha 0.3)" "$TMP/fairflip" flip "$TMP/in.csv" -o "$TMP/ff.csv" --sensitive race --minority Black --label income --positive '>50K' --method rb-prob --alpha 0.3 --flips 1000 -q
ratio() { echo "scale=2; ${MED[$1]} / ${MED[$2]}" | bc; }
echo "CSV:     fairflip/DuckDB $(ratio 'fairflip CSV' 'DuckDB CSV (node)'), Miller/fairflip $(ratio 'Miller CSV' 'fairflip CSV')"
echo "Parquet: fairflip/DuckDB $(ratio 'fairflip Parquet' 'DuckDB Parquet (node)')"
echo "rb-prob / I/O-only (CSV): $(ratio 'fairflip CSV rb-prob (alpha 0.3)' 'fairflip CSV')"
