package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
)

// TestDocsTables runs docs/tables.py, which docs/reproduce.sh uses to write
// REPRODUCTION.md's tables, on a real sweep's summary (Adult, a post-
// processing baseline and the detection screen) and checks its rows
// against the summary: the no-action cell, the baseline, the collective's
// lowest-EqOd cell, the detection shares and the transfer row's best cell.
func TestDocsTables(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a sweep with --detect on Adult: the full pass only")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import csv").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("/usr/bin/python3 is missing")
		}
		t.Skip("/usr/bin/python3 is missing")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "adult.csv")
	r := runCLI(t, "", append([]string{"sweep", testdata.Path(t, "adult/adult.data"), "--test", testdata.Path(t, "adult/adult.test"),
		"--alpha", "0.3", "--flips", "0,60,120", "--runs", "2", "--methods", "rb-prob,random",
		"--baselines", "eqodds-postproc", "--detect", "-q", "-o", out}, adultArgs(t)...)...)
	if r.code != 0 {
		t.Fatalf("sweep: exit %d: %s", r.code, r.stderr)
	}
	summary := strings.TrimSuffix(out, ".csv") + ".summary.csv"
	rows := readSummary(t, summary)
	cell := func(side, method, flips string) map[string]string {
		for _, row := range rows {
			if row["side"] == side && row["method"] == method && row["flips_requested"] == flips {
				return row
			}
		}
		t.Fatalf("no summary row %s %s %s", side, method, flips)
		return nil
	}
	f4 := func(row map[string]string, col string) string {
		v, err := strconv.ParseFloat(row[col], 64)
		if err != nil {
			t.Fatalf("%s = %q: %v", col, row[col], err)
		}
		return fmt.Sprintf("%.4f", v)
	}
	tables := func(args ...string) string {
		cmd := exec.Command("/usr/bin/python3", append([]string{"../../docs/tables.py"}, args...)...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tables.py %v: %v\n%s", args, err, b)
		}
		return string(b)
	}
	base := cell("collective", "rb-prob", "0")
	// The collective's lowest mean EqOd, over both methods' flipped cells.
	best := cell("collective", "rb-prob", "60")
	for _, row := range rows {
		if row["side"] == "collective" && row["flips_requested"] != "0" && mustFloat(t, row["eqod_mean_mean"]) < mustFloat(t, best["eqod_mean_mean"]) {
			best = row
		}
	}
	post := cell("firm-side", "eqodds-postproc", "0")
	firmside := tables("firmside", "0.3", summary)
	for _, want := range []string{
		"| no action | " + f4(base, "error_mean"),
		"| eqodds-postproc | " + f4(post, "error_mean"),
		fmt.Sprintf("| collective, lowest EqOd: %s α 0.3 M %s | %s", best["method"], best["flips_requested"], f4(best, "error_mean")),
	} {
		if !strings.Contains(firmside, want) {
			t.Errorf("tables.py firmside: no line with %q in\n%s", want, firmside)
		}
	}
	det := tables("detect", "0.3", summary)
	flipped := cell("collective", "random", "120")
	share, _ := strconv.ParseFloat(flipped["detect_flagged_flipped_mean"], 64)
	if want := fmt.Sprintf("| random | 120 | %.3f", share); !strings.Contains(det, want) {
		t.Errorf("tables.py detect: no line with %q in\n%s", want, det)
	}
	if want := fmt.Sprintf("%s → %s", f4(base, "eqod_mean_mean"), f4(base, "detect_eqod_mean_mean")); !strings.Contains(det, want) {
		t.Errorf("tables.py detect: no %q in\n%s", want, det)
	}
	tr := tables("transfer", "adult", "logreg="+summary)
	lowest := cell("collective", "rb-prob", "60")
	if mustFloat(t, cell("collective", "rb-prob", "120")["eqod_mean_mean"]) < mustFloat(t, lowest["eqod_mean_mean"]) {
		lowest = cell("collective", "rb-prob", "120")
	}
	if want := fmt.Sprintf("| adult | logreg | %s / %s | ", f4(base, "eqod_mean_mean"), f4(base, "error_mean")); !strings.Contains(tr, want) {
		t.Errorf("tables.py transfer: no %q in\n%s", want, tr)
	}
	re := regexp.MustCompile(regexp.QuoteMeta(f4(lowest, "eqod_mean_mean")) + `(\*\*)?±[0-9.]+, [+-][0-9.]+, ` + lowest["flips_requested"] + `(\\\*)? \|`)
	if !re.MatchString(tr) {
		t.Errorf("tables.py transfer: rb-prob's best (%s at %s) missing in\n%s", f4(lowest, "eqod_mean_mean"), lowest["flips_requested"], tr)
	}
}

// readSummary reads a summary CSV as one map per row, by column name.
func readSummary(t *testing.T, path string) []map[string]string {
	t.Helper()
	recs := readCSV(t, path)
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) {
		t.Fatalf("%q is not a number", s)
	}
	return v
}
