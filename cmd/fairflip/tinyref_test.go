package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
)

// compasFeatures are COMPAS's group, label and feature flags of
// docs/reproduce.sh (its row filter is sweep's --where; flip has none, and
// takes --majority Caucasian).
var compasFeatures = []string{"--sensitive", "race", "--minority", "African-American", "--label", "two_year_recid",
	"--positive", "0", "--negative", "1", "--features", "sex,age,juv_fel_count,juv_misd_count,juv_other_count,#15,c_charge_degree"}

// TestTinyReferenceFlip flips COMPAS with 10 majority rows (3 positive
// with seed 1) and k = 10: every learning method flips the 100 asked
// for, says what the small reference does, and orders by scores that
// vary (rb-prob, rb-dist); rb-label's count covers the whole reference,
// the same for every candidate, so it flips the rows rb-dist flips, as
// its notice says.
func TestTinyReferenceFlip(t *testing.T) {
	t.Parallel()
	in := testdata.Path(t, "compas/compas-scores-two-years.csv")
	dir := t.TempDir()
	score := regexp.MustCompile(`method=[a-z-]+ score=([^ ]+) `)
	flipped := map[string][]int{}
	for _, c := range []struct{ method, notice string }{
		{"rb-prob", ""},
		{"rb-label", "fairflip: k = 10 covers all 10 reference rows: rb-label's count is over all of them, the same (3) for every candidate, so the order is its tie-break, the mean distance to all 3 positive rows, and --flips auto flips none\n"},
		{"rb-dist", "fairflip: the reference has 3 positive and 7 negative rows, fewer than k = 10: rb-dist's score is the mean distance to all 3 positive rows"},
	} {
		out, sum := filepath.Join(dir, c.method+".csv"), filepath.Join(dir, c.method+".json")
		args := append([]string{"flip", in, "-o", out, "--summary", sum, "--majority", "Caucasian", "--alpha", "0.3", "--flips", "100",
			"--reference-sample", "10", "--method", c.method}, compasFeatures...)
		r := runCLI(t, "", args...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", c.method, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, c.notice) {
			t.Errorf("%s: stderr lacks %q:\n%s", c.method, c.notice, r.stderr)
		}
		raw, _ := os.ReadFile(sum)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil || m["flips"] != 100.0 || m["reference_rows"] != 10.0 {
			t.Fatalf("%s: summary %v %v", c.method, m, err)
		}
		rows := readCSV(t, out)
		audit := len(rows[0]) - 1
		scores := map[string]bool{}
		for i, row := range rows[1:] {
			if row[audit] == "" {
				continue
			}
			flipped[c.method] = append(flipped[c.method], i)
			sm := score.FindStringSubmatch(row[audit])
			if sm == nil {
				t.Fatalf("%s: audit cell %q", c.method, row[audit])
			}
			v, err := strconv.ParseFloat(sm[1], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: score %q", c.method, sm[1])
			}
			scores[sm[1]] = true
		}
		if len(flipped[c.method]) != 100 {
			t.Fatalf("%s: %d audited rows", c.method, len(flipped[c.method]))
		}
		if c.method != "rb-label" && len(scores) < 20 {
			t.Errorf("%s: %d distinct scores among the 100 flipped rows", c.method, len(scores))
		}
	}
	if !reflect.DeepEqual(flipped["rb-label"], flipped["rb-dist"]) {
		t.Error("rb-label with k = 10 on 10 reference rows does not flip the rows rb-dist flips")
	}
	if reflect.DeepEqual(flipped["rb-prob"], flipped["rb-dist"]) {
		t.Error("rb-prob and rb-dist flip the same rows: the scores are not used")
	}
}

// TestTinyReferenceSweep sweeps COMPAS with 10 majority rows per run, as
// docs/reproduce.sh's restricted-access section does (fewer runs): every
// learning method gives finite means, and its 100 flips lower EqOd below
// no action's; the k-NN methods say, once, what the small reference did.
func TestTinyReferenceSweep(t *testing.T) {
	t.Parallel()
	in := testdata.Path(t, "compas/compas-scores-two-years.csv")
	out := filepath.Join(t.TempDir(), "s.csv")
	args := append([]string{"sweep", in, "--test-split", "0.3",
		"--where", "days_b_screening_arrest>=-30,days_b_screening_arrest<=30,is_recid!=-1,c_charge_degree!=O,score_text!=N/A,race=African-American|Caucasian",
		"--alpha", "0.3", "--flips", "0,100", "--runs", "3", "--methods", "rb-prob,rb-label,rb-dist", "--reference-sample", "10",
		"--workers", "1", "-o", out}, compasFeatures...)
	r := runCLI(t, "", args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// The scorers' notices, once per method for all runs.
	for _, w := range []string{"fairflip: rb-label: the scorer's notices in 3 of 3 runs; run 0 (seed 1): k = 10 covers all 10 reference rows",
		"fairflip: rb-dist: the scorer's notices in 3 of 3 runs; run 0 (seed 1): the reference has "} {
		if strings.Count(r.stderr, w) != 1 {
			t.Errorf("stderr lacks %q once:\n%s", w, r.stderr)
		}
	}
	rows := readCSV(t, strings.TrimSuffix(out, ".csv")+".summary.csv")
	col := map[string]int{}
	for i, n := range rows[0] {
		col[n] = i
	}
	eqod := map[string]float64{}
	for _, row := range rows[1:] {
		v, err := strconv.ParseFloat(row[col["eqod_mean_mean"]], 64)
		e, err2 := strconv.ParseFloat(row[col["error_mean"]], 64)
		if err != nil || err2 != nil || math.IsNaN(v) || math.IsNaN(e) || row[col["runs"]] != "3" {
			t.Fatalf("row %q: %v %v", row, err, err2)
		}
		eqod[row[col["method"]]+"/"+row[col["flips_requested"]]] = v
	}
	for _, m := range []string{"rb-prob", "rb-label", "rb-dist"} {
		if !(eqod[m+"/100"] < eqod[m+"/0"]) {
			t.Errorf("%s: EqOd %v after 100 flips, %v without", m, eqod[m+"/100"], eqod[m+"/0"])
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
