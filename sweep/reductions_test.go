package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/scorer"
)

// classOracle is an exact BEST_h over a finite class: it returns the
// hypothesis of least weighted error (the Lagrangian's minimiser).
func classOracle(class [][]bool) EGLearner {
	return func(y []bool, w []float64) ([]bool, []bool, error) {
		best, bestLoss := 0, math.Inf(1)
		for j, h := range class {
			var loss float64
			for i := range y {
				if h[i] != y[i] {
					loss += w[i]
				}
			}
			if loss < bestLoss-1e-12 {
				best, bestLoss = j, loss
			}
		}
		return class[best], class[best], nil
	}
}

// handCase: 2 positives and 2 negatives in each group. h1 is right on
// every majority row and predicts 0 on the minority (error 2/8, minority
// TPR 0, majority TPR 1); h2 predicts 1 and h3 predicts 0 everywhere (error
// 1/2, no gap). A mixture with weight q on h1 has γ_{min,1} = −q/2 and
// γ_{maj,1} = q/2 (the FPR moments are 0) and error 1/2 − q/4, so the best
// mixture under bound ε takes q = min(1, 2ε): error 1/2 − ε/2 for ε ≤ 1/2,
// and h1 alone (the unconstrained optimum) from ε = 1/2 on.
func handCase() (group []int8, y []bool, class [][]bool) {
	group = []int8{gMin, gMin, gMin, gMin, gMaj, gMaj, gMaj, gMaj}
	y = []bool{true, true, false, false, true, true, false, false}
	h1 := []bool{false, false, false, false, true, true, false, false}
	h2 := []bool{true, true, true, true, true, true, true, true}
	h3 := make([]bool, 8)
	return group, y, [][]bool{h1, h2, h3}
}

func TestExpGradByHand(t *testing.T) {
	t.Parallel()
	group, y, class := handCase()
	for _, eps := range []float64{0.01, 0.05, 0.1, 0.2, 0.4} {
		res, err := ExpGradEqOdds(group, y, EGOptions{Eps: eps}, classOracle(class), nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := 0.5 - eps/2; math.Abs(res.Error-want) > 1e-9 {
			t.Errorf("ε %v: training error %v, want %v", eps, res.Error, want)
		}
		if math.Abs(res.Violation-eps) > 1e-9 {
			t.Errorf("ε %v: violation %v, want ε (the constraint binds)", eps, res.Violation)
		}
		if res.Fits != 2*res.Iter {
			t.Errorf("ε %v: %d fits in %d iterations", eps, res.Fits, res.Iter)
		}
	}
	// A bound no mixture can violate: the unconstrained optimum, h1, alone.
	res, err := ExpGradEqOdds(group, y, EGOptions{Eps: 0.6}, classOracle(class), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range res.TrainProb {
		if p != float64(b2i(class[0][i])) {
			t.Fatalf("ε 0.6: mixture %v, want h1 %v", res.TrainProb, class[0])
		}
	}
	if res.Error != 0.25 {
		t.Errorf("ε 0.6: error %v", res.Error)
	}
}

// TestExpGradCosts checks BEST_h's costs on the hand case: with all of
// λ on "γ_{min,1} ≥ −ε" (its − side), the minority positives get label 1
// and weight 1 + n·λ·(1/2 − 1/4), every other row its own label, the
// majority positives' weight lowered by n·λ/4.
func TestExpGradCosts(t *testing.T) {
	t.Parallel()
	group, y, _ := handCase()
	m, err := newEGMoments(group, y)
	if err != nil {
		t.Fatal(err)
	}
	lambda := make([]float64, len(m.cons))
	for k, c := range m.cons {
		if c.g == gMin && c.y == 1 && c.sign < 0 {
			lambda[k] = 0.5
		}
	}
	lab, w := m.costs(lambda)
	// c_i·n: minority positive −1 − 8·0.5·(1/2 − 1/4) = −2; majority positive −1 + 8·0.5/4 = 0.
	want := []float64{2, 2, 1, 1, 0, 0, 1, 1}
	for i := range y {
		if math.Abs(w[i]-want[i]) > 1e-12 || (w[i] > 0 && lab[i] != y[i]) {
			t.Fatalf("row %d: label %v weight %v, want %v weight %v", i, lab[i], w[i], y[i], want[i])
		}
	}
}

// egData is a generated data set whose unconstrained logistic regression
// violates equalized odds: the minority's labels are shifted down.
func egData(n int, seed uint64) (X *model.Matrix, group []int8, y []bool) {
	rng := rand.New(rand.NewPCG(seed, 7))
	X = &model.Matrix{N: n, P: 3}
	for i := 0; i < n; i++ {
		g := gMaj
		a := 0.0
		if rng.Float64() < 0.3 {
			g, a = gMin, 1
		}
		x1, x2 := rng.NormFloat64(), rng.NormFloat64()
		z := x1 + 0.5*x2 - 2*a + rng.NormFloat64()
		X.Num = append(X.Num, x1, x2, a)
		group = append(group, g)
		y = append(y, z > 0)
	}
	return X, group, y
}

func lrLearner(X *model.Matrix) EGLearner {
	var warm *model.LogReg
	return func(y []bool, w []float64) ([]bool, []bool, error) {
		m, err := model.FitLogReg(X, y, model.LogRegOptions{Weights: w, Init: warm, Workers: 1})
		if err != nil {
			return nil, nil, err
		}
		warm = m
		pred := make([]bool, X.N)
		for i := range pred {
			pred[i] = m.Decision(X, i) > 0
		}
		return pred, nil, nil
	}
}

// TestExpGradLogReg runs the reduction with the firm's learner: the
// unconstrained fit violates the constraints by far more than the bounds;
// the mixture meets each bound on the training rows (the linear program's
// slack is 0), at an error that does not fall as ε shrinks.
func TestExpGradLogReg(t *testing.T) {
	t.Parallel()
	X, group, y := egData(800, 1)
	base, _, err := lrLearner(X)(y, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := newEGMoments(group, y)
	if err != nil {
		t.Fatal(err)
	}
	h0 := make([]float64, len(base))
	for i, b := range base {
		h0[i] = float64(b2i(b))
	}
	_, viol0 := m.eval(h0, 0)
	var v0 float64
	for _, v := range viol0 {
		v0 = max(v0, v)
	}
	if v0 < 0.15 {
		t.Fatalf("the unconstrained fit violates by %v only: the case tests nothing", v0)
	}
	prevErr := math.Inf(1)
	for _, eps := range []float64{0.005, 0.02, 0.05, 0.1} {
		res, err := ExpGradEqOdds(group, y, EGOptions{Eps: eps, Nu: 1e-3}, lrLearner(X), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("ε %v: training error %.4f, violation %.4f (unconstrained %.4f)", eps, res.Error, res.Violation, v0)
		if res.Violation > eps+1e-9 {
			t.Errorf("ε %v: training violation %v", eps, res.Violation)
		}
		if res.Error > prevErr+0.01 {
			t.Errorf("ε %v: training error %v above the smaller bound's %v", eps, res.Error, prevErr)
		}
		prevErr = res.Error
	}
}

func TestExpGradRefusals(t *testing.T) {
	t.Parallel()
	group, y, class := handCase()
	for _, o := range []EGOptions{{Eps: 0}, {Eps: -1}, {Eps: math.NaN()}, {Eps: 0.1, Nu: -1}, {Eps: 0.1, T: -1}} {
		if _, err := ExpGradEqOdds(group, y, o, classOracle(class), nil); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, err := ExpGradEqOdds([]int8{gMin, gMin}, []bool{true, false}, EGOptions{Eps: 0.1}, classOracle(nil), nil); !errors.Is(err, fferr.ErrData) {
		t.Errorf("no majority rows: %v", err)
	}
	cfg := Config{Options: synthOptions(), Flips: []string{"0"}, Runs: 1, TestSplit: 0.3, Baselines: []string{BaselineReductions}}
	for _, f := range []func(*Config){func(c *Config) { c.FirmCmd = "cat" }, func(c *Config) { c.Firm = "hgb" }} {
		c := cfg
		f(&c)
		if err := c.Check(false); err != errReductionsFirm || !errors.Is(err, fferr.ErrUsage) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// TestReductionsInSweep runs the baseline through Run: one firm-side cell
// per bound and run, in the order of ε, the same results whatever the
// number of workers, the progress counted to its total.
func TestReductionsInSweep(t *testing.T) {
	t.Parallel()
	train := load(t, "train.csv", synthTable(600, 1))
	test := load(t, "test.csv", synthTable(600, 2))
	cfg := Config{Options: synthOptions(), Methods: []string{scorer.Names()[0]}, Alphas: []float64{1}, Flips: []string{"0"},
		Runs: 2, Seed: 1, Baselines: []string{BaselineReductions}, Workers: 2}
	var last, total int
	cfg.Progress = func(done, tot int) { last, total = done, tot }
	res, _, err := Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	if last != total || total != 2*(1+2*egMaxIter*len(ReductionsBounds)) {
		t.Errorf("progress ended at %d of %d", last, total)
	}
	SortResults(res)
	var cells []string
	for _, r := range res {
		if r.Method != BaselineReductions {
			continue
		}
		if r.Side != SideFirm || r.Flips != 0 || !math.IsNaN(r.Alpha) || r.N != 600 {
			t.Fatalf("row %+v", r)
		}
		if r.Run == 0 {
			cells = append(cells, r.FlipsRequested)
		}
	}
	var want []string
	for _, e := range ReductionsBounds {
		want = append(want, ReductionsCell(e))
	}
	if strings.Join(cells, ",") != strings.Join(want, ",") {
		t.Fatalf("cells %v, want %v", cells, want)
	}
	cfg.Workers, cfg.Progress = 1, nil
	res1, _, err := Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	SortResults(res1)
	if csvOf(t, res) != csvOf(t, res1) {
		t.Fatal("results depend on the number of workers")
	}
	// Held-out rows re-drawn per run: each run fits its own mixtures.
	cfg.TestSplit, cfg.Progress = 0.3, func(done, tot int) { last, total = done, tot }
	res, _, err = Run(context.Background(), cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range res {
		if r.Method == BaselineReductions && r.N == 180 {
			n++
		}
	}
	if n != 2*len(ReductionsBounds) || last != total {
		t.Fatalf("--test-split: %d reductions cells of 180 test rows, progress %d of %d", n, last, total)
	}
}

// TestReductionsMatchesSklearn cross-checks the reduction against an
// independent implementation, testdata/reductions_check.py (numpy,
// scikit-learn's LogisticRegression with sample_weight and scipy's
// linprog), on generated rows. The two learners agree to their solvers'
// tolerances, not bit for bit, so a row near a boundary can go either way
// and the runs' paths can part; tolerances: the training error within
// 0.01, and each side's violation within ε + 1e-6.
func TestReductionsMatchesSklearn(t *testing.T) {
	t.Parallel()
	if err := exec.Command("/usr/bin/python3", "-c", "import numpy, scipy.optimize, sklearn.linear_model").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("numpy/scipy/scikit-learn are not installed for /usr/bin/python3 (.ci/run installs python3-sklearn)")
		}
		t.Skip("numpy/scipy/scikit-learn are not installed for /usr/bin/python3")
	}
	X, group, y := egData(600, 3)
	var b strings.Builder
	b.WriteString("x1,x2,a,group,label\n")
	for i := 0; i < X.N; i++ {
		fmt.Fprintf(&b, "%s,%s,%s,%d,%d\n", fmtFloat(X.Num[3*i]), fmtFloat(X.Num[3*i+1]), fmtFloat(X.Num[3*i+2]), group[i], b2i(y[i]))
	}
	path := filepath.Join(t.TempDir(), "rows.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, eps := range []float64{0.01, 0.05} {
		out, err := exec.Command("/usr/bin/python3", "../testdata/reductions_check.py", path, fmtFloat(eps), "1e-9").Output()
		if err != nil {
			t.Fatalf("reductions_check.py: %v", err)
		}
		var py struct {
			Error     float64 `json:"error"`
			Violation float64 `json:"violation"`
			Iter      int     `json:"iterations"`
		}
		if err := json.Unmarshal(out, &py); err != nil {
			t.Fatalf("reductions_check.py printed %q: %v", out, err)
		}
		res, err := ExpGradEqOdds(group, y, EGOptions{Eps: eps, Nu: 1e-9}, lrLearner(X), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("ε %v: fairflip error %.5f violation %.5f gap %.4g; python error %.5f violation %.5f", eps, res.Error, res.Violation, res.Gap, py.Error, py.Violation)
		if math.Abs(res.Error-py.Error) > 0.01 || res.Violation > eps+1e-6 || py.Violation > eps+1e-6 || py.Iter != res.Iter {
			t.Errorf("ε %v: fairflip error %v violation %v (%d iterations), python error %v violation %v (%d)", eps, res.Error, res.Violation, res.Iter, py.Error, py.Violation, py.Iter)
		}
	}
}
