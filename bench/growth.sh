#!/usr/bin/env bash
# Growth curves (docs/PERFORMANCE.md, goal 4):
#  1. the I/O path: `fairflip flip --method random --flips 1000` on CSV (and
#     on Parquet when DuckDB is installed, to make the copies) from 100k to
#     10M rows: median wall time of $RUNS runs, time per row, peak RSS;
#  2. exact k-NN with the index against the reference size (Go benchmark
#     BenchmarkKNNGrowth: build + 5,000 queries, k = 10).
#   bash bench/growth.sh             (from the repository root)
#   SIZES="100000 1000000" RUNS=3 bash bench/growth.sh
#   METHODS="random rb-prob rb-label rb-dist" bash bench/growth.sh
#     (also times each scoring method on the CSV, --alpha 0.3, the whole
#     majority as reference; by default only the random flip)
# Needs ../shared/data/adult/adult.data (or $FAIRFLIP_DATA). The 10M-row CSV
# is about 1.1 GB, written under $TMPDIR and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${FAIRFLIP_DATA:-../shared/data}
SIZES=${SIZES:-100000 300000 1000000 3000000 10000000}
RUNS=${RUNS:-3}
METHODS=${METHODS:-random}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/fairflip" ./cmd/fairflip
go build -o "$TMP/gen" ./bench/gen
parquet=0
if [ -d tools/duckdb/node_modules ]; then parquet=1; fi
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# timeit FILE [METHOD]: median wall seconds and the largest peak RSS (MB) of
# $RUNS flips of FILE (the random flip, or METHOD with --alpha 0.3).
timeit() {
  local ts=() peak=0 out how=(--method random)
  [ -n "${2:-}" ] && [ "$2" != random ] && how=(--method "$2" --alpha 0.3)
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$TMP/time" -f "%e %M" "$TMP/fairflip" flip "$1" -o "$TMP/out.${1##*.}" \
      --sensitive race --minority Black --label income --positive '>50K' "${how[@]}" --flips 1000 -q
    out=$(tail -1 "$TMP/time"); ts+=("${out% *}"); peak=$(( ${out#* } > peak ? ${out#* } : peak ))
  done
  echo "$(printf '%s\n' "${ts[@]}" | median) $((peak / 1024))"
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB"
printf '%-10s %-13s %10s %12s %10s\n' rows format "median s" "ns per row" "peak MB"
for n in $SIZES; do
  "$TMP/gen" -rows "$n" -data "$DATA" -o "$TMP/in.csv"
  for m in $METHODS; do
    read -r s mb < <(timeit "$TMP/in.csv" "$m")
    what=CSV
    [ "$m" != random ] && what="CSV $m"
    printf '%-10s %-13s %10.2f %12.0f %10d\n' "$n" "$what" "$s" "$(echo "$s * 1000000000 / $n" | bc -l)" "$mb"
  done
  if [ "$parquet" = 1 ]; then
    node tools/duckdb/query.mjs "SET threads=1; COPY (SELECT * FROM read_csv('$TMP/in.csv')) TO '$TMP/in.parquet' (FORMAT parquet, COMPRESSION zstd)" >/dev/null
    read -r s mb < <(timeit "$TMP/in.parquet")
    printf '%-10s %-13s %10.2f %12.0f %10d\n' "$n" Parquet "$s" "$(echo "$s * 1000000000 / $n" | bc -l)" "$mb"
    rm -f "$TMP/in.parquet"
  fi
  rm -f "$TMP/in.csv" "$TMP"/out.*
done
echo
echo "exact k-NN with the index, build + 5,000 queries, k = 10 (median of $RUNS):"
printf '%-10s %10s %16s\n' reference "median s" "ns/(n·log2 n)"
go test ./model -run XXX -bench KNNGrowth -benchtime 1x -count "$RUNS" | awk '
  /^BenchmarkKNNGrowth/ { split($1, a, "="); n = a[2]; sub(/-[0-9]+$/, "", n); t[n] = t[n] " " $3; m[n] = m[n] " " $5; ns[n] = 1 }
  END { for (n in ns) print n, t[n], m[n] | "sort -n" }' | while read -r n rest; do
    read -r -a v <<<"$rest"
    half=$(( ${#v[@]} / 2 ))
    ts=$(printf '%s\n' "${v[@]:0:$half}" | median); ms=$(printf '%s\n' "${v[@]:$half}" | median)
    printf '%-10s %10.3f %16.3f\n' "$n" "$(echo "$ts / 1000000000" | bc -l)" "$ms"
  done
