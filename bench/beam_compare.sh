#!/usr/bin/env bash
# fairflip-beam on the prism runner (this machine, loopback: the workers are
# goroutines of the launcher) vs fairflip flip --output-dir, on the same
# input, side by side in one run, median of $RUNS runs of each (round-robin).
#   bash bench/beam_compare.sh     (from the repository root; RUNS=3 by default;
#                                  TEN=0 skips the 10-file table; METHODS and
#                                  TEN_METHODS name the methods of each table,
#                                  by default all four on one file and
#                                  random and rb-prob on ten)
# Inputs, built by bench/gen from ../shared/data/adult (or $FAIRFLIP_DATA):
# one file of 1M rows (108 MB), and 10 files of 1M rows (1.08 GB: ten copies
# of that file, one table of 10M rows). Every Beam output is compared with
# the CLI's byte for byte. Nothing large is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${FAIRFLIP_DATA:-../shared/data}
RUNS=${RUNS:-3}
TEN=${TEN:-1}
METHODS=${METHODS:-random rb-prob rb-label rb-dist}
TEN_METHODS=${TEN_METHODS:-random rb-prob}
TMP=${BENCH_TMP:-$(mktemp -d)}
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/fairflip" ./cmd/fairflip
(cd beam && go build -o "$TMP/fairflip-beam" ./cmd/fairflip-beam)
mkdir -p "$TMP/one" "$TMP/ten" "$TMP/out-cli" "$TMP/out-beam"
go run ./bench/gen -rows 1000000 -data "$DATA" -o "$TMP/one/part-00.csv"
if [ "$TEN" = 1 ]; then
  for i in $(seq -w 0 9); do cp "$TMP/one/part-00.csv" "$TMP/ten/part-$i.csv"; done
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
flipargs=(--sensitive race --minority Black --label income --positive '>50K' --flips 1000 -q)
NAMES=(); declare -A CMD TIMES PEAK MED OUT
add() { local name=$1 out=$2; shift 2; NAMES+=("$name"); OUT[$name]=$out; CMD[$name]=$(printf '%q ' "$@"); TIMES[$name]=""; PEAK[$name]=0; }
tables=(one)
[ "$TEN" = 1 ] && tables+=(ten)
methods() { if [ "$1" = one ]; then echo $METHODS; else echo $TEN_METHODS; fi; }
for t in "${tables[@]}"; do
  for m in $(methods "$t"); do
    add "$t CLI $m" cli "$TMP/fairflip" flip --output-dir "$TMP/out-cli" "$TMP/$t/"'*.csv' "${flipargs[@]}" --method "$m"
    add "$t Beam prism $m" beam "$TMP/fairflip-beam" flip --output-dir "$TMP/out-beam" "$TMP/$t/"'*.csv' "${flipargs[@]}" --method "$m"
  done
done

for round in $(seq "$RUNS"); do
  for name in "${NAMES[@]}"; do
    rm -f "$TMP/out-${OUT[$name]}"/*
    eval "/usr/bin/time -o '$TMP/time' -f '%e %M' ${CMD[$name]}" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; exit 1; }
    out=$(tail -1 "$TMP/time")
    TIMES[$name]+="${out% *} "
    (( ${out#* } > PEAK[$name] )) && PEAK[$name]=${out#* }
    if [ "${OUT[$name]}" = beam ]; then
      # The CLI run of the same table and method came just before: same bytes.
      for f in "$TMP/out-beam"/*; do cmp -s "$f" "$TMP/out-cli/$(basename "$f")" || { echo "$name: $(basename "$f") differs from the CLI's"; exit 1; }; done
    fi
  done
  echo "round $round of $RUNS done" >&2
done
for name in "${NAMES[@]}"; do
  MED[$name]=$(printf '%s\n' ${TIMES[$name]} | median)
  printf '%-26s median %7.2f s  peak %6d MB  (runs: %s)\n' "$name" "${MED[$name]}" $((PEAK[$name] / 1024)) "${TIMES[$name]% }"
done
echo "every Beam output was identical to the CLI's"
for t in "${tables[@]}"; do for m in $(methods "$t"); do
  echo "$t $m: Beam/CLI $(echo "scale=2; ${MED["$t Beam prism $m"]} / ${MED["$t CLI $m"]}" | bc)"
done; done
