#!/usr/bin/env bash
# Flip throughput on a 1M-row Parquet file, fairflip vs DuckDB doing the same
# label rewrite, side by side in one run (median of $RUNS runs each).
#   bash bench/parquet_compare.sh            (from the repository root)
# Builds the input from ../shared/data/adult/adult.data (or $FAIRFLIP_DATA)
# with DuckDB: Adult's rows repeated to 1,000,000 rows (fnlwgt and hours
# varied per copy so that the file does not compress to nothing), ZSTD, 122,880-row
# row groups (DuckDB's default). Needs tools/duckdb installed (bash tools/duckdb/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${FAIRFLIP_DATA:-../shared/data}
RUNS=${RUNS:-5}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
bash tools/duckdb/install.sh >/dev/null
go build -o "$TMP/fairflip" ./cmd/fairflip
duck() { node tools/duckdb/query.mjs "$1" >/dev/null; }
cols="['age','workclass','fnlwgt','education','education_num','marital_status','occupation','relationship','race','sex','capital_gain','capital_loss','hours_per_week','native_country','income']"
duck "SET threads=1; COPY (SELECT a.* REPLACE (a.fnlwgt + r.range * 7919 AS fnlwgt, a.hours_per_week + r.range % 5 AS hours_per_week) FROM read_csv('$DATA/adult/adult.data', header=false, delim=', ', names=$cols) a CROSS JOIN range(31) r LIMIT 1000000) TO '$TMP/in.parquet' (FORMAT parquet, COMPRESSION zstd)"
echo "input: $(du -h "$TMP/in.parquet" | cut -f1) Parquet, 1,000,000 rows, $(node tools/duckdb/query.mjs "SELECT count(*) FROM parquet_metadata('$TMP/in.parquet') WHERE column_id=0" | sed 's/.*\[\["\?\([0-9]*\).*/\1/') row groups"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }

ff=(); dd=(); node0=()
for i in $(seq "$RUNS"); do
  # fairflip: 1000 random flips among the Black people with a negative label (the I/O path).
  ff+=("$(t "$TMP/fairflip" flip "$TMP/in.parquet" -o "$TMP/ff.parquet" --sensitive race --minority Black --label income --positive '>50K' --method random --flips 1000 -q)")
  # DuckDB: the same rewrite of the label column (about 1000 rows of the same kind).
  dd+=("$(t node tools/duckdb/query.mjs "COPY (SELECT * REPLACE (CASE WHEN race='Black' AND income='<=50K' AND hash(fnlwgt, age, hours_per_week) % 80 = 0 THEN '>50K' ELSE income END AS income) FROM read_parquet('$TMP/in.parquet')) TO '$TMP/dd.parquet' (FORMAT parquet, COMPRESSION zstd)")")
  node0+=("$(t node tools/duckdb/query.mjs "SELECT 1")")
done
F=$(printf '%s\n' "${ff[@]}" | median); D=$(printf '%s\n' "${dd[@]}" | median); N=$(printf '%s\n' "${node0[@]}" | median)
peak=$( { /usr/bin/time -f "%M" "$TMP/fairflip" flip "$TMP/in.parquet" -o "$TMP/ff.parquet" --sensitive race --minority Black --label income --positive '>50K' --method random --flips 1000 -q; } 2>&1 | tail -1)
echo "fairflip flip (random, 1000 flips): median ${F}s  (runs: ${ff[*]}), peak RSS $((peak/1024)) MB"
echo "DuckDB COPY ... CASE ... (via node): median ${D}s  (runs: ${dd[*]}); node+DuckDB start-up alone: ${N}s"
echo "ratio fairflip / DuckDB: $(echo "scale=2; $F / $D" | bc)"
