package sweep

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/metrics"
	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/transform"
)

// synthTable is a table where the minority's labels are biased: x predicts
// the label, but minority rows with high x are often labelled 0.
func synthTable(n int, seed int) string {
	var b strings.Builder
	b.WriteString("x,z,g,y\n")
	for i := 0; i < n; i++ {
		g := "maj"
		if (i*7+seed)%4 == 0 {
			g = "min"
		}
		x := (i*37 + seed*11) % 100
		z := []string{"a", "b", "c"}[(i*13)%3]
		y := 0
		if x > 50 {
			y = 1
		}
		if g == "min" && x > 50 && (i*3)%5 < 3 {
			y = 0
		}
		if (i*17)%23 == 0 {
			y = 1 - y // noise
		}
		fmt.Fprintf(&b, "%d,%s,%s,%d\n", x, z, g, y)
	}
	return b.String()
}

func synthOptions() transform.Options {
	return transform.Options{Config: transform.Config{
		Dialect: tableio.Dialect{Header: true}, Sensitive: []string{"g"}, Minority: []string{"min"},
		Label: "y", Positive: []string{"1"}, Method: transform.MethodRBProb, K: 5, MaxFlips: -1, Seed: 1, IgnoreAudit: true,
	}}
}

// load reads a table written to a file named name; features, if given,
// name its features (as the CLI names the training table's for a test
// table).
func load(t *testing.T, name, content string, features ...string) *transform.Dataset {
	t.Helper()
	o := synthOptions()
	if len(features) > 0 {
		o.Features = features
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := o.LoadLocal(context.Background(), transform.Source{Path: path, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRunGrid(t *testing.T) {
	t.Parallel()
	train := load(t, "train.csv", synthTable(600, 1))
	test := load(t, "test.csv", synthTable(300, 2))
	cfg := Config{Options: synthOptions(), Methods: scorer.Names(), Alphas: []float64{0.3, 1}, Flips: []string{"0", "5", "10", "1000", "auto"},
		Runs: 3, Seed: 1, Baselines: []string{BaselineMassaging, BaselineReweighing}, Workers: 2}
	res, model, err := Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(model, "logistic regression") {
		t.Errorf("model %q", model)
	}
	// 3 RB methods × 2 alphas × 5 grid values + random × 2 × 4 (no auto), + massaging 4 + reweighing 1, per run.
	want := 3 * (3*2*5 + 2*4 + 4 + 1)
	if len(res) != want {
		t.Fatalf("%d results, want %d", len(res), want)
	}
	var base *Result
	for i, r := range res {
		if r.Side == SideCollective && r.FlipsRequested == "0" && r.Run == 0 {
			if base == nil {
				base = &res[i]
			} else if r.Error != base.Error || r.EqOdMean != base.EqOdMean {
				t.Fatalf("the 0-flip cells differ: %+v vs %+v", r, *base)
			}
		}
		switch {
		case r.Side == SideCollective && r.FlipsRequested != "auto":
			var m int
			fmt.Sscan(r.FlipsRequested, &m)
			if r.Flips != min(m, r.Pool) {
				t.Fatalf("%s alpha %v asked %d: flipped %d of a pool of %d", r.Method, r.Alpha, m, r.Flips, r.Pool)
			}
		case r.Side == SideCollective:
			if r.Method == transform.MethodRandom || r.Flips > r.Pool {
				t.Fatalf("auto cell %+v", r)
			}
		case r.Method == BaselineMassaging:
			if !math.IsNaN(r.Alpha) || r.Collective != 0 {
				t.Fatalf("massaging row %+v", r)
			}
		}
		if r.Side == SideCollective && r.Alpha == 1 && r.Collective != 150 {
			t.Fatalf("alpha 1: collective %d, want every minority row (150)", r.Collective)
		}
	}
	if base == nil {
		t.Fatal("no base cell")
	}
	// The same grid on one worker gives the same results.
	cfg.Workers = 1
	res1, _, err := Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	SortResults(res)
	SortResults(res1)
	if !reflect.DeepEqual(csvOf(t, res), csvOf(t, res1)) {
		t.Fatal("results depend on the number of workers")
	}
}

func csvOf(t *testing.T, rs []Result) string {
	var b bytes.Buffer
	if err := WriteResultsCSV(&b, rs); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSweepMatchesFlipThenEval: run 0 of a sweep cell flips exactly what
// `fairflip flip --seed SEED` flips, so its metrics equal eval on the
// flipped file (up to the solver tolerance: the sweep warm-starts).
func TestSweepMatchesFlipThenEval(t *testing.T) {
	t.Parallel()
	trainCSV := synthTable(800, 3)
	train := load(t, "train.csv", trainCSV)
	test := load(t, "test.csv", synthTable(400, 4))
	for _, m := range []string{transform.MethodRBProb, transform.MethodRBDist, transform.MethodRandom} {
		cfg := Config{Options: synthOptions(), Methods: []string{m}, Alphas: []float64{0.5}, Flips: []string{"0", "8", "16"}, Runs: 1, Seed: 5}
		res, _, err := Run(context.Background(), cfg, train, test)
		if err != nil {
			t.Fatal(err)
		}
		var cell Result
		for _, r := range res {
			if r.FlipsRequested == "16" {
				cell = r
			}
		}
		o := synthOptions()
		o.Method, o.Alpha, o.Seed, o.IgnoreAudit = m, 0.5, 5, false
		o.Flips = transform.FlipRule{Kind: transform.FlipCount, N: 16}
		path := filepath.Join(t.TempDir(), "train.csv")
		if err := os.WriteFile(path, []byte(trainCSV), 0o644); err != nil {
			t.Fatal(err)
		}
		lf, err := o.PlanLocal(context.Background(), []transform.Source{{Path: path, Name: "train.csv"}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var flipped bytes.Buffer
		if err := o.WriteDist(context.Background(), lf.Files[0], lf.Plan, &flipped); err != nil {
			t.Fatal(err)
		}
		ftrain := load(t, "flipped.csv", flipped.String())
		rep, _, err := Evaluate(context.Background(), Config{Options: synthOptions()}, ftrain, test)
		if err != nil {
			t.Fatal(err)
		}
		if p := lf.Plan; p.Summary.Flips != cell.Flips || p.Summary.Collective != cell.Collective || p.Summary.Pool != cell.Pool {
			t.Fatalf("%s: flip made %d flips (collective %d, pool %d), sweep %d (%d, %d)", m, lf.Plan.Summary.Flips, lf.Plan.Summary.Collective, lf.Plan.Summary.Pool, cell.Flips, cell.Collective, cell.Pool)
		}
		if math.Abs(rep.Error-cell.Error) > 1.5/400 || math.Abs(rep.EqOdMean-cell.EqOdMean) > 0.02 {
			t.Fatalf("%s: eval on the flipped file gives error %v EqOd %v, the sweep cell %v %v", m, rep.Error, rep.EqOdMean, cell.Error, cell.EqOdMean)
		}
	}
}

func TestTestSplit(t *testing.T) {
	t.Parallel()
	data := load(t, "all.csv", synthTable(500, 5))
	cfg := Config{Options: synthOptions(), Methods: []string{"rb-prob"}, Alphas: []float64{0.5}, Flips: []string{"0", "10"}, Runs: 2, Seed: 1, TestSplit: 0.3}
	res, _, err := Run(context.Background(), cfg, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.N != 150 {
			t.Fatalf("test rows %d, want ⌈0.3·500⌉ = 150", r.N)
		}
	}
	if res[0].Error == res[2].Error && res[0].EqOdMean == res[2].EqOdMean {
		t.Error("both runs measured on the same split (the split is re-drawn per run)")
	}
	if err := (&Config{Runs: 1, Flips: []string{"0"}}).Check(false); err == nil || !strings.Contains(err.Error(), "--test-split") {
		t.Errorf("no test set: %v", err)
	}
}

func TestReweighingWeights(t *testing.T) {
	t.Parallel()
	// 4 minority rows (1 positive), 6 majority rows (3 positive), 1 in neither group.
	// n = 10; P(min) = 0.4, P(maj) = 0.6, P(y=1) = 0.4, P(y=0) = 0.6.
	// w(min,1) = 0.4·0.4/0.1 = 1.6; w(min,0) = 0.4·0.6/0.3 = 0.8;
	// w(maj,1) = 0.6·0.4/0.3 = 0.8; w(maj,0) = 0.6·0.6/0.3 = 1.2.
	g := []int8{1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0}
	y := []bool{true, false, false, false, true, true, true, false, false, false, true}
	want := []float64{1.6, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 1.2, 1.2, 1.2, 1}
	got := ReweighingWeights(g, y)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("weights %v, want %v", got, want)
		}
	}
}

func TestSummarizeAndRecommend(t *testing.T) {
	t.Parallel()
	mk := func(method string, alpha float64, flips string, run, made int, errv, eq float64) Result {
		return Result{Side: SideCollective, Method: method, Alpha: alpha, FlipsRequested: flips, Flips: made, Run: run, Error: errv, EqOdMean: eq, EqOdMax: eq, SP: eq}
	}
	rs := []Result{
		mk("rb-prob", 0.3, "0", 0, 0, 0.20, 0.10), mk("rb-prob", 0.3, "0", 1, 0, 0.20, 0.10),
		mk("rb-prob", 0.3, "10", 0, 10, 0.21, 0.04), mk("rb-prob", 0.3, "10", 1, 10, 0.23, 0.06),
		mk("rb-prob", 0.3, "20", 0, 20, 0.22, 0.02), mk("rb-prob", 0.3, "20", 1, 20, 0.22, math.NaN()),
		mk("random", 0.3, "10", 0, 10, 0.21, 0.08), mk("random", 0.3, "10", 1, 10, 0.21, 0.09),
	}
	cells, err := Summarize(rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 4 {
		t.Fatalf("%d cells", len(cells))
	}
	c := cells[1] // rb-prob 0.3 10
	if c.FlipsRequested != "10" || math.Abs(c.Error.Mean-0.22) > 1e-12 || math.Abs(c.Error.SD-math.Sqrt(0.0002)) > 1e-12 || math.Abs(c.EqOdMean.Mean-0.05) > 1e-12 {
		t.Fatalf("cell %+v", c)
	}
	if c20 := cells[2]; c20.EqOdMean.N != 1 || c20.EqOdMean.Mean != 0.02 || !math.IsNaN(c20.EqOdMean.SD) {
		t.Fatalf("NaN run not left out: %+v", c20.EqOdMean)
	}
	recs := Recommend(cells, 0.05)
	if len(recs) != 1 {
		t.Fatalf("%d recommendations", len(recs))
	}
	r := recs[0]
	if r.BestMethod != "rb-prob" || r.BestFlips != "20" || !r.TargetReached || r.TargetFlips != 10 || r.TargetMethod != "rb-prob" {
		t.Fatalf("recommendation %+v", r)
	}
	var table bytes.Buffer
	if err := WriteSummaryTable(&table, cells, recs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"EqOd (mean of gaps)", "0.0500 ± 0.0141", "target EqOd <= 0.05: reached with 10.0 flips (rb-prob)", "without action: EqOd 0.1000"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("summary table lacks %q:\n%s", want, table.String())
		}
	}
	var js bytes.Buffer
	if err := WriteSummaryJSON(&js, PlotInfo{Dataset: "d"}, cells, recs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"sd": null`) || !strings.Contains(js.String(), `"best_method": "rb-prob"`) {
		t.Errorf("summary JSON:\n%s", js.String())
	}
}

func TestParsePredictions(t *testing.T) {
	t.Parallel()
	got, err := ParsePredictions(strings.NewReader("1\n0\ntrue\nno\n0.7\n0.2\n"), 6)
	if err != nil || !reflect.DeepEqual(got, []bool{true, false, true, false, true, false}) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"1\n", "1\nmaybe\n", "1\n1.5\n"} {
		if _, err := ParsePredictions(strings.NewReader(bad), 2); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestCmdFirm runs external firms through the --firm-cmd protocol.
func TestCmdFirm(t *testing.T) {
	t.Parallel()
	train := load(t, "train.csv", synthTable(200, 1))
	// Its x is a permutation of 0..99, which alone would be left out as an
	// identifier: the CLI names the training table's features for the test
	// table, and so does this test.
	test := load(t, "test.csv", synthTable(100, 2), train.FeatureNames()...)
	// A firm that predicts positive when x > 50 (column 1 of the test file).
	cfg := Config{Options: synthOptions(), FirmCmd: `test "$(head -1 "$1")" = "x,z,g,y" && test "$(head -1 "$2")" = "x,z,g" && awk -F, 'NR>1{print ($1>50)?1:0}' "$FAIRFLIP_TEST"`}
	rep, desc, err := Evaluate(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(desc, "external firm") || rep.N != 100 {
		t.Fatalf("%s, n %d", desc, rep.N)
	}
	// The same rule computed here.
	var yTrue, yPred []bool
	var g []metrics.Group
	for i := 0; i < test.Rows; i++ {
		yTrue = append(yTrue, test.Positive[i])
		yPred = append(yPred, test.Features[0].Num[i] > 50)
		g = append(g, metrics.Group(test.Group[i]))
	}
	want, _ := metrics.Evaluate(yTrue, yPred, g)
	if rep.Error != want.Error || rep.EqOdMean != want.EqOdMean {
		t.Fatalf("external firm: error %v EqOd %v, want %v %v", rep.Error, rep.EqOdMean, want.Error, want.EqOdMean)
	}
	// A firm that fails says why.
	cfg.FirmCmd = `echo "no model here" >&2; exit 3`
	if _, _, err := Evaluate(context.Background(), cfg, train, test); err == nil || !strings.Contains(err.Error(), "no model here") {
		t.Fatalf("failing firm: %v", err)
	}
	cfg.FirmCmd = `echo 1`
	if _, _, err := Evaluate(context.Background(), cfg, train, test); err == nil || !strings.Contains(err.Error(), "printed 1 of the 100 predictions wanted") {
		t.Fatalf("short firm: %v", err)
	}
}

// TestCmdFirmSklearn runs the README's scikit-learn firm, when scikit-learn
// is installed (CI installs Debian's python3-sklearn), and checks that it
// agrees with the built-in logistic regression on most test rows.
func TestCmdFirmSklearn(t *testing.T) {
	t.Parallel()
	if err := exec.Command("/usr/bin/python3", "-c", "import sklearn").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("scikit-learn is not installed for /usr/bin/python3 (.ci/run installs python3-sklearn)")
		}
		t.Skip("scikit-learn is not installed for /usr/bin/python3")
	}
	train := load(t, "train.csv", synthTable(600, 1))
	test := load(t, "test.csv", synthTable(300, 2))
	cfg := Config{Options: synthOptions(), FirmCmd: "/usr/bin/python3 ../testdata/firm_sklearn.py"}
	ext, _, err := Evaluate(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	cfg.FirmCmd = ""
	own, _, err := Evaluate(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ext.Error-own.Error) > 0.01 {
		t.Fatalf("scikit-learn firm error %v, built-in %v", ext.Error, own.Error)
	}
}
