package sweep

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/scorer"
)

// TestFlagLabelIssuesByHand: the thresholds are each class's mean
// probability of its own label, and a row is flagged strictly below its
// class's threshold.
func TestFlagLabelIssuesByHand(t *testing.T) {
	t.Parallel()
	// Class 1 (rows 0–2): P(y=1) = 0.75, 0.5, 0.25 → t1 = 1.5/3 = 0.5;
	// row 1 sits on the threshold (not flagged), row 2 is below it.
	// Class 0 (rows 3–5): P(y=0) = 1−p = 0.875, 0.5, 0.375 → t0 = 1.75/3 ≈ 0.5833;
	// rows 4 and 5 are below it.
	p := []float64{0.75, 0.5, 0.25, 0.125, 0.5, 0.625}
	y := []bool{true, true, true, false, false, false}
	flag, th := FlagLabelIssues(p, y)
	if th[1] != 0.5 || th[0] != 1.75/3 {
		t.Errorf("thresholds t0 = %v, t1 = %v; want %v, 0.5", th[0], th[1], 1.75/3)
	}
	if want := []bool{false, false, true, false, true, true}; !slices.Equal(flag, want) {
		t.Errorf("flags %v, want %v", flag, want)
	}
	// A class without rows has no threshold (NaN), and flags nothing.
	flag, th = FlagLabelIssues([]float64{0.9, 0.1}, []bool{false, false})
	if !math.IsNaN(th[1]) || th[0] != 0.5 || !slices.Equal(flag, []bool{true, false}) {
		t.Errorf("one class: thresholds %v, flags %v", th, flag)
	}
}

// TestScreenSharesByHand: the shares' denominators, and an empty one
// (nothing flipped) is undefined, never 0.
func TestScreenSharesByHand(t *testing.T) {
	t.Parallel()
	flag := []bool{true, false, true, true, false, false}
	flipped := []bool{true, true, false, false, false, false}
	minority := []bool{true, true, true, true, false, false}
	y := []bool{true, true, true, false, true, false}
	d := screenShares(flag, flipped, minority, y)
	// flipped: rows 0, 1 (1 flagged); untouched: 2–5 (2 flagged); untouched
	// minority: 2, 3 (both flagged); of them positive: row 2 (flagged).
	if d.FlaggedFlipped != 0.5 || d.FlaggedUntouched != 0.5 || d.FlaggedUntouchedMi != 1 || d.FlaggedUntouchedMiPos != 1 || d.Dropped != 3 {
		t.Errorf("shares %+v", *d)
	}
	d = screenShares(flag, make([]bool, 6), minority, y)
	if !math.IsNaN(d.FlaggedFlipped) || d.FlaggedUntouched != 0.5 {
		t.Errorf("nothing flipped: flagged flipped %v (want undefined), untouched %v (want 0.5)", d.FlaggedFlipped, d.FlaggedUntouched)
	}
}

// TestAssignFolds: five folds of sizes differing by at most one, the same
// for the same seed, different for another.
func TestAssignFolds(t *testing.T) {
	t.Parallel()
	keys := make([]int, 103)
	for i := range keys {
		keys[i] = 2 * i
	}
	a, b, c := assignFolds(keys, 5, 1), assignFolds(keys, 5, 1), assignFolds(keys, 5, 2)
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Error("folds not a function of the seed")
	}
	var n [5]int
	for _, f := range a {
		n[f]++
	}
	if slices.Min(n[:]) < 20 || slices.Max(n[:]) > 21 {
		t.Errorf("fold sizes %v", n)
	}
}

// detectConfig is TestRunGrid's grid with --detect.
func detectConfig() Config {
	return Config{Options: synthOptions(), Methods: scorer.Names(), Alphas: []float64{0.3, 1}, Flips: []string{"0", "5", "10", "1000", "auto"},
		Runs: 2, Seed: 1, Baselines: []string{BaselineMassaging, BaselineReweighing}, Workers: 2, Detect: true}
}

// TestRunDetect: every collective cell has a detection, the baselines
// none; with no flips the flipped share is undefined (empty in the CSV,
// null in JSON, "undefined" in the table); everything else is as without
// --detect, whose outputs have no trace of it; and the results do not
// depend on the number of workers.
func TestRunDetect(t *testing.T) {
	t.Parallel()
	train := load(t, "train.csv", synthTable(600, 1))
	test := load(t, "test.csv", synthTable(300, 2))
	cfg := detectConfig()
	res, _, err := Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	SortResults(res)
	for _, r := range res {
		switch {
		case r.Side != SideCollective:
			if r.Detect != nil {
				t.Fatalf("baseline %s has a detection", r.Method)
			}
		case r.Detect == nil:
			t.Fatalf("cell %s %v %s has no detection", r.Method, r.Alpha, r.FlipsRequested)
		case r.Flips == 0:
			if !math.IsNaN(r.Detect.FlaggedFlipped) {
				t.Fatalf("no flips: flagged flipped share %v, want undefined", r.Detect.FlaggedFlipped)
			}
		default:
			d := r.Detect
			for _, x := range []float64{d.FlaggedFlipped, d.FlaggedUntouched, d.FlaggedUntouchedMi} {
				if !(x >= 0 && x <= 1) {
					t.Fatalf("cell %s %v %s: share %v", r.Method, r.Alpha, r.FlipsRequested, x)
				}
			}
			if !(d.Dropped > 0 && d.Error >= 0 && d.EqOdMean >= 0) {
				t.Fatalf("detection %+v", *d)
			}
		}
	}

	plain := cfg
	plain.Detect = false
	res0, _, err := Run(context.Background(), plain, train, test)
	if err != nil {
		t.Fatal(err)
	}
	SortResults(res0)
	outs := func(rs []Result) (string, string, string, string) {
		cells, err := Summarize(rs)
		if err != nil {
			t.Fatal(err)
		}
		recs := Recommend(cells, 0)
		var a, b, c, d bytes.Buffer
		if err := WriteResultsCSV(&a, rs); err != nil {
			t.Fatal(err)
		}
		if err := WriteSummaryCSV(&b, cells); err != nil {
			t.Fatal(err)
		}
		if err := WriteSummaryJSON(&c, PlotInfo{}, cells, recs); err != nil {
			t.Fatal(err)
		}
		if err := WriteSummaryTable(&d, cells, recs); err != nil {
			t.Fatal(err)
		}
		return a.String(), b.String(), c.String(), d.String()
	}
	csv0, sum0, json0, table0 := outs(res0)
	csv1, sum1, json1, table1 := outs(res)
	// Without --detect: nothing of it.
	for _, s := range []string{csv0, sum0, json0, table0} {
		if strings.Contains(s, "detect") || strings.Contains(s, "flagged") {
			t.Fatalf("output without --detect mentions it:\n%s", s)
		}
	}
	// Dropping the detection from the results gives the outputs without
	// --detect, byte for byte: the screen changes nothing else.
	stripped := slices.Clone(res)
	for i := range stripped {
		stripped[i].Detect = nil
	}
	if a, b, c, d := outs(stripped); a != csv0 || b != sum0 || c != json0 || d != table0 {
		t.Fatal("the results with --detect, their detection removed, differ from those without")
	}
	// The CSV's detection columns: after the usual ones; empty for the
	// baselines and for the flipped share at no flips.
	recs, err := csv.NewReader(strings.NewReader(csv1)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], append(slices.Clone(CSVHeader), DetectCSVHeader...)) {
		t.Fatalf("header %v", recs[0])
	}
	for _, rec := range recs[1:] {
		det := rec[len(CSVHeader):]
		switch {
		case rec[0] != SideCollective:
			if strings.Join(det, "") != "" {
				t.Fatalf("baseline row %v has detection values", rec)
			}
		case rec[4] == "0":
			if det[0] != "" || det[1] == "" {
				t.Fatalf("no flips: %v", rec)
			}
		default:
			if slices.Contains(det, "") {
				t.Fatalf("row %v: an empty detection value", rec)
			}
		}
	}
	if !strings.Contains(sum1, "detect_flagged_flipped_mean") || !strings.Contains(table1, "Would the firm notice?") {
		t.Fatalf("summary lacks the detection:\n%s\n%s", sum1, table1)
	}
	var js struct {
		Cells []struct {
			Side           string `json:"side"`
			FlipsRequested string `json:"flips_requested"`
			Detect         map[string]struct {
				Mean *float64 `json:"mean"`
				N    int      `json:"n"`
			} `json:"detect"`
		} `json:"cells"`
	}
	if err := json.Unmarshal([]byte(json1), &js); err != nil {
		t.Fatal(err)
	}
	zero := 0
	for _, c := range js.Cells {
		if (c.Detect == nil) != (c.Side != SideCollective) {
			t.Fatalf("cell %+v", c)
		}
		if c.Side == SideCollective && c.FlipsRequested == "0" {
			zero++
			if got := c.Detect["flagged_flipped"]; got.Mean != nil || got.N != 0 {
				t.Fatalf("no flips: flagged_flipped %+v, want undefined (null)", got)
			}
			if got := c.Detect["flagged_untouched"]; got.Mean == nil || got.N == 0 {
				t.Fatalf("no flips: flagged_untouched %+v, want a number", got)
			}
		}
	}
	if zero == 0 {
		t.Fatal("no cell without flips")
	}

	// One worker: the same results.
	cfg.Workers = 1
	res1, _, err := Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	SortResults(res1)
	if c, _, _, _ := outs(res1); c != csv1 {
		t.Fatal("the detection depends on the number of workers")
	}
}

// TestDetectNeedsBuiltinFirm: the screen is the built-in logistic
// regression's; an external firm is refused as a usage error.
func TestDetectNeedsBuiltinFirm(t *testing.T) {
	t.Parallel()
	cfg := detectConfig()
	cfg.FirmCmd = "cat"
	cfg.Baselines = nil
	if err := cfg.Check(true); err != errDetectCmdFirm {
		t.Fatalf("Check: %v", err)
	}
}

// TestDetectAdult: on Adult (race, Black vs the rest, adult.test as the
// test set, alpha 0.3), the screen flags random flips at a higher rate
// than the rows left untouched, and the sweep's other figures are those
// without --detect.
func TestDetectAdult(t *testing.T) {
	if testing.Short() {
		t.Skip("Adult sweep")
	}
	t.Parallel()
	train, test := loadAdult(t)
	cfg := Config{Options: adultOptions(), Methods: []string{"random"}, Alphas: []float64{0.3}, Flips: []string{"0", "160"},
		Runs: 2, Seed: 1, Workers: 2, Detect: true}
	res, _, err := Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	plain := cfg
	plain.Detect = false
	res0, _, err := Run(context.Background(), plain, train, test)
	if err != nil {
		t.Fatal(err)
	}
	SortResults(res)
	SortResults(res0)
	stripped := slices.Clone(res)
	for i := range stripped {
		stripped[i].Detect = nil
	}
	if csvOf(t, stripped) != csvOf(t, res0) {
		t.Fatal("--detect changed the sweep's other figures")
	}
	n := 0
	for _, r := range res {
		if r.Flips == 0 {
			continue
		}
		d := r.Detect
		t.Logf("run %d: %d random flips; flagged: %.3f of them, %.3f of the untouched rows, %.3f of the untouched minority rows (%.3f of its positives); EqOd %.4f → %.4f after screening",
			r.Run, r.Flips, d.FlaggedFlipped, d.FlaggedUntouched, d.FlaggedUntouchedMi, d.FlaggedUntouchedMiPos, r.EqOdMean, d.EqOdMean)
		if !(d.FlaggedFlipped > d.FlaggedUntouched) {
			t.Errorf("run %d: random flips flagged at %v, untouched rows at %v", r.Run, d.FlaggedFlipped, d.FlaggedUntouched)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d cells with flips, want 2", n)
	}
}
