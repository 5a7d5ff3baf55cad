#!/usr/bin/env bash
# Regenerates the numbers, tables and figures of docs/REPRODUCTION.md:
#   bash docs/reproduce.sh            (from the repository root; about 2 minutes on 2 idle cores)
#   FIRMS=1 bash docs/reproduce.sh    (also the transfer table: the ready
#                                      non-linear firms, Python, slow)
# The data sets are read from ../shared/data (or $FAIRFLIP_DATA); derived
# inputs (the joined ACS file) go to a temporary folder. Outputs:
# docs/reproduction/ (each section's time in timings.txt; the tables as
# Markdown in *.md, made by docs/tables.py from the sweeps' summaries).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${FAIRFLIP_DATA:-../shared/data}
OUT=docs/reproduction
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
: > "$OUT/timings.txt"
# timed NAME CMD...: runs CMD and appends its wall time to timings.txt.
timed() {
  local name=$1 start=$SECONDS
  shift
  echo "== $name" >&2
  "$@"
  echo "$name: $((SECONDS - start)) s" | tee -a "$OUT/timings.txt" >&2
}
FIRMSIDE=massaging,reweighing,eqodds-postproc,calibrated-eqodds,calibrated-eqodds-random
go build -o "$TMP/fairflip" ./cmd/fairflip
FF="$TMP/fairflip"
ADULT_COLS=age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country,income

# Adult: train adult.data, test adult.test (its junk first line skipped as a comment).
adult=(--test "$DATA/adult/adult.test" --no-header --comment '|' --header-names "$ADULT_COLS"
       --sensitive race --minority Black --label income --positive '>50K' --positive '>50K.')
timed adult "$FF" sweep "$DATA/adult/adult.data" "${adult[@]}" \
  --alpha 0.05,0.1,0.2,0.3,0.4 --flips 0,20,40,60,80,100,120,140,160,180 --runs 10 \
  --baselines "$FIRMSIDE" --target-eqod 0.025 -q \
  -o "$OUT/adult.csv" --plots "$OUT/adult" > "$OUT/adult.txt"

# COMPAS: ProPublica's row filter, African-American vs Caucasian; favourable label = no two-year recidivism.
# 30% of the rows are held out as the test set, re-drawn in every run. priors_count appears twice: #15 is the first.
compas=(--test-split 0.3
  --where 'days_b_screening_arrest>=-30,days_b_screening_arrest<=30,is_recid!=-1,c_charge_degree!=O,score_text!=N/A,race=African-American|Caucasian'
  --sensitive race --minority African-American --label two_year_recid --positive 0 --negative 1
  --features 'sex,age,juv_fel_count,juv_misd_count,juv_other_count,#15,c_charge_degree')
timed compas "$FF" sweep "$DATA/compas/compas-scores-two-years.csv" "${compas[@]}" \
  --alpha 0.05,0.1,0.2,0.3,0.4 --flips 0,20,60,100,140,180,220,260,300 --runs 10 \
  --baselines "$FIRMSIDE" --target-eqod 0.07 -q \
  -o "$OUT/compas.csv" --plots "$OUT/compas" > "$OUT/compas.txt"

# ACS income, Colorado: features and labels joined row by row; sex, minority 2 (female); codes as categories.
paste -d, "$DATA/acs-income/acsincome_co_allfeaturesTP2.csv" "$DATA/acs-income/acsincome_co_labelTP2.csv" > "$TMP/acs_co.csv"
acs=(--test-split 0.3 --sensitive SEX --minority 2 --label PINCP --positive 1 --negative 0 --categorical COW,MAR,OCCP,POBP,RELP,RAC1P)
timed acs-income-co "$FF" sweep "$TMP/acs_co.csv" "${acs[@]}" \
  --alpha 0.05,0.1,0.2,0.3,0.4 --flips 0,200,400,600,800,1000,1200,1400 --runs 10 \
  --baselines "$FIRMSIDE" --target-eqod 0.025 -q \
  -o "$OUT/acs_co.csv" --plots "$OUT/acs_co" > "$OUT/acs_co.txt"

# Restricted access (the paper's "10 majority samples vs all"): the sweeps above, the collective seeing
# only 10 majority rows drawn per run (--reference-sample 10), with k = 10 (the default) and with k = 3;
# random reads no reference, so its sweep above is the comparison, and so are the "all majority rows"
# fronts (the summaries above). Figures: tools/paperfront, beside the paper's points.
R="$OUT/restricted"
mkdir -p "$R"
restricted() { # restricted K: the three sweeps with 10 majority rows per run and k = K
  local sfx=ref10 grid=(--methods rb-prob,rb-label,rb-dist --reference-sample 10 --k "$1" --runs 10 --alpha 0.05,0.1,0.2,0.3,0.4 -q)
  [ "$1" = 10 ] || sfx=ref10_k$1
  "$FF" sweep "$DATA/adult/adult.data" "${adult[@]}" "${grid[@]}" --flips 0,20,40,60,80,100,120,140,160,180 \
    -o "$TMP/adult_$sfx.csv" > "$R/adult_$sfx.txt"
  "$FF" sweep "$DATA/compas/compas-scores-two-years.csv" "${compas[@]}" "${grid[@]}" --flips 0,20,60,100,140,180,220,260,300 \
    -o "$TMP/compas_$sfx.csv" > "$R/compas_$sfx.txt"
  "$FF" sweep "$TMP/acs_co.csv" "${acs[@]}" "${grid[@]}" --flips 0,200,400,600,800,1000,1200,1400 \
    -o "$TMP/acs_co_$sfx.csv" > "$R/acs_co_$sfx.txt"
  for d in adult compas acs_co; do cp "$TMP/${d}_$sfx.summary.csv" "$R/"; done
}
timed restricted-k10 restricted 10
timed restricted-k3 restricted 3
go build -o "$TMP/paperfront" ./tools/paperfront
RB=method=rb-prob,rb-label,rb-dist
for d in adult:Adult:firm-side:'base,collective action' compas:COMPAS:restricted: acs_co:ACS-Income:restricted:; do
  IFS=: read -r f name table only <<< "$d"
  "$TMP/paperfront" -paper "$OUT/paper_points.csv" -dataset "$name" -paper-table "$table" -paper-series "$only" \
    -title "$name: a collective that sees 10 majority rows vs all (rb-prob, rb-label, rb-dist; alpha 0.05-0.4)" \
    -series "fairflip, 10 majority rows=$R/${f}_ref10.summary.csv:$RB" \
    -series "fairflip, all majority rows=$OUT/$f.summary.csv:$RB" -o "$R/$f.png"
done

# Speed: the full Adult grid, 4 methods x 8 alphas x 10 flip counts x 10 runs (3,200 fits), three times.
echo "== speed" >&2
: > "$OUT/speed.txt"
for i in 1 2 3; do
  /usr/bin/time -f "%e s wall, %M KB peak" "$FF" sweep "$DATA/adult/adult.data" "${adult[@]}" \
    --alpha 0.05,0.1,0.2,0.3,0.4,0.5,0.75,1 --flips 0,20,40,60,80,100,120,140,160,180 --runs 10 -q > /dev/null 2>> "$OUT/speed.txt"
done
cat "$OUT/speed.txt" >&2
# Keep the PNGs of alpha 0.3 and the two summary figures (the rest is regenerated by the same commands).
find "$OUT" -name '*.svg' -delete
find "$OUT" -name 'eqod_vs_flips_alpha*.png' ! -name 'eqod_vs_flips_alpha0.3.png' -delete
rm -f "$OUT"/adult.csv "$OUT"/compas.csv "$OUT"/acs_co.csv  # per-run rows: regenerated, not kept

# The firm-side baselines beside the collective's best cell at alpha 0.3.
for d in adult compas acs_co; do
  /usr/bin/python3 docs/tables.py firmside 0.3 "$OUT/$d.summary.csv" > "$OUT/$d.firmside.md"
done

# Firm-side in-processing: the reductions front (Agarwal et al. 2018, exponentiated
# gradient) over its bound eps, beside the collective at alpha 0.3.
timed reductions-adult "$FF" sweep "$DATA/adult/adult.data" "${adult[@]}" \
  --alpha 0.3 --flips 0,60,120,180 --runs 10 --baselines eqodds-reductions -q \
  -o "$TMP/red_adult.csv" --plots "$OUT/reductions_adult" > /dev/null
timed reductions-compas "$FF" sweep "$DATA/compas/compas-scores-two-years.csv" "${compas[@]}" \
  --alpha 0.3 --flips 0,60,140,220 --runs 10 --baselines eqodds-reductions -q \
  -o "$TMP/red_compas.csv" --plots "$OUT/reductions_compas" > /dev/null
timed reductions-acs_co "$FF" sweep "$TMP/acs_co.csv" "${acs[@]}" \
  --alpha 0.3 --flips 0,400,800,1200 --runs 5 --baselines eqodds-reductions -q \
  -o "$TMP/red_acs_co.csv" --plots "$OUT/reductions_acs_co" > /dev/null
for d in adult compas acs_co; do
  cp "$TMP/red_$d.summary.csv" "$OUT/reductions_$d.summary.csv"
  /usr/bin/python3 docs/tables.py firmside 0.3 "$OUT/reductions_$d.summary.csv" > "$OUT/reductions_$d.md"
  find "$OUT/reductions_$d" -name '*.svg' -delete
done

# The firm-side comparison figure: fairflip's collective front (rb methods, every alpha) and its
# firm-side baselines beside the paper's collective-action, FARE and calibrated-EqOd points.
mkdir -p "$OUT/firmside"
for d in adult:Adult compas:COMPAS acs_co:ACS-Income; do
  IFS=: read -r f name <<< "$d"
  "$TMP/paperfront" -paper "$OUT/paper_points.csv" -dataset "$name" -paper-table firm-side \
    -title "$name: the collective vs firm-side methods" \
    -series "fairflip, collective (rb methods, alpha 0.05-0.4)=$OUT/$f.summary.csv:$RB" \
    -series "fairflip, eqodds-reductions (eps 0.001-0.1)=$OUT/reductions_$f.summary.csv:side=firm-side:method=eqodds-reductions" \
    -series "fairflip, eqodds-postproc=$OUT/$f.summary.csv:side=firm-side:method=eqodds-postproc" \
    -series "fairflip, calibrated-eqodds=$OUT/$f.summary.csv:side=firm-side:method=calibrated-eqodds" \
    -series "fairflip, massaging, reweighing=$OUT/$f.summary.csv:side=firm-side:method=massaging,reweighing" \
    -o "$OUT/firmside/$f.png"
done

# Would the firm notice? Adult, alpha 0.3, the firm screens its labels (confident learning), 5 runs.
mkdir -p "$OUT/detect"
timed detect-adult "$FF" sweep "$DATA/adult/adult.data" "${adult[@]}" \
  --alpha 0.3 --flips 0,40,80,120,160,240 --runs 5 --detect -q \
  -o "$TMP/detect_adult.csv" --plots "$OUT/detect" > /dev/null
cp "$TMP/detect_adult.summary.csv" "$OUT/detect_adult.summary.csv"
/usr/bin/python3 docs/tables.py detect 0.3 "$OUT/detect_adult.summary.csv" > "$OUT/detect_adult.md"
find "$OUT/detect" -name '*.svg' -delete

# The transfer table (FIRMS=1): flips chosen at alpha 0.3 by each method, the
# firm one of the ready firms; 3 runs. logreg takes seconds, the Python firms
# minutes each (see timings.txt).
if [ "${FIRMS:-0}" = 1 ]; then
  mkdir -p "$OUT/transfer"
  pct=0,20%,40%,60%,80%,100%
  for firm in logreg hgb xgb rf mlp; do
    timed "transfer-adult-$firm" "$FF" sweep "$DATA/adult/adult.data" "${adult[@]}" --firm "$firm" \
      --alpha 0.3 --flips 0,40,80,120,160,240 --runs 3 -q -o "$TMP/t.csv" > /dev/null
    cp "$TMP/t.summary.csv" "$OUT/transfer/adult_$firm.summary.csv"
    timed "transfer-compas-$firm" "$FF" sweep "$DATA/compas/compas-scores-two-years.csv" "${compas[@]}" --firm "$firm" \
      --alpha 0.3 --flips "$pct" --runs 3 -q -o "$TMP/t.csv" > /dev/null
    cp "$TMP/t.summary.csv" "$OUT/transfer/compas_$firm.summary.csv"
    timed "transfer-acs_co-$firm" "$FF" sweep "$TMP/acs_co.csv" "${acs[@]}" --firm "$firm" \
      --alpha 0.3 --flips "$pct" --runs 3 -q -o "$TMP/t.csv" > /dev/null
    cp "$TMP/t.summary.csv" "$OUT/transfer/acs_co_$firm.summary.csv"
  done
  for d in adult compas acs_co; do
    specs=()
    for firm in logreg hgb xgb rf mlp; do specs+=("$firm=$OUT/transfer/${d}_$firm.summary.csv"); done
    /usr/bin/python3 docs/tables.py transfer "$d" "${specs[@]}"
  done > "$OUT/transfer.md"
  # One figure per data set: the collective's error-EqOd front (rb methods and random, alpha 0.3) under each firm.
  for d in adult compas acs_co; do
    series=()
    for firm in logreg hgb xgb rf mlp; do series+=(-series "$firm=$OUT/transfer/${d}_$firm.summary.csv"); done
    "$TMP/paperfront" -title "$d: the collective's front under each firm (alpha 0.3, 3 runs)" "${series[@]}" -o "$OUT/transfer/$d.png"
  done
fi
cat "$OUT/timings.txt" >&2
