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
	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/transform"
)

const (
	gMin = transform.GroupMinority
	gMaj = transform.GroupMajority
)

// cells builds rows from counts: for each (group, label, base prediction)
// the given number of rows.
type cellCount struct {
	g       int8
	y, base bool
	n       int
}

func rowsOf(cs ...cellCount) (group []int8, y, base []bool) {
	for _, c := range cs {
		for i := 0; i < c.n; i++ {
			group = append(group, c.g)
			y = append(y, c.y)
			base = append(base, c.base)
		}
	}
	return
}

// derivedRates returns the TPR and FPR of group g under the mix, computed
// from the rows.
func derivedRates(m EqOddsMix, group []int8, y, base []bool, g int8) (tpr, fpr float64) {
	var tp, p, fp, n float64
	for i := range group {
		if group[i] != g {
			continue
		}
		q := m.P[g][b2i(base[i])]
		if y[i] {
			tp += q
			p++
		} else {
			fp += q
			n++
		}
	}
	return tp / p, fp / n
}

func expectedError(m EqOddsMix, group []int8, y, base []bool) float64 {
	var e, n float64
	for i := range group {
		if group[i] == transform.GroupNone {
			continue
		}
		q := m.P[group[i]][b2i(base[i])]
		if y[i] {
			e += 1 - q
		} else {
			e += q
		}
		n++
	}
	return e / n
}

func TestEqOddsPostprocByHand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		rows     []cellCount
		min, maj [2]float64 // P[g][0], P[g][1]
		err      float64
	}{
		{
			// Majority: base TPR 0.8, FPR 0.2; minority: TPR 0.6, FPR 0.4.
			// Both groups pay 10(1−T)+10F at a common (F, T); the best point
			// the minority can reach is its own base (0.4, 0.6), error
			// 20·0.8/40 = 0.4. The majority reaches it with p1·0.8+p0·0.2 =
			// 0.6 and p1·0.2+p0·0.8 = 0.4: p1 = 2/3, p0 = 1/3.
			name: "interior",
			rows: []cellCount{
				{gMaj, true, true, 8}, {gMaj, true, false, 2}, {gMaj, false, true, 2}, {gMaj, false, false, 8},
				{gMin, true, true, 6}, {gMin, true, false, 4}, {gMin, false, true, 4}, {gMin, false, false, 6},
			},
			min: [2]float64{0, 1}, maj: [2]float64{1.0 / 3, 2.0 / 3}, err: 0.4,
		},
		{
			// Majority perfect (30 positives, 10 negatives), minority random
			// (TPR = FPR = 0.5): the common points are the diagonal T = F = r,
			// error (30(1−r) + 10r + 10)/60, least at r = 1: everybody
			// predicted positive, error 20/60.
			name: "diagonal",
			rows: []cellCount{
				{gMaj, true, true, 30}, {gMaj, false, false, 10},
				{gMin, true, true, 5}, {gMin, true, false, 5}, {gMin, false, true, 5}, {gMin, false, false, 5},
			},
			min: [2]float64{1, 1}, maj: [2]float64{1, 1}, err: 1.0 / 3,
		},
		{
			// Equal base rates already: nothing to change; rows in neither
			// group are ignored.
			name: "already fair",
			rows: []cellCount{
				{gMaj, true, true, 8}, {gMaj, true, false, 2}, {gMaj, false, true, 1}, {gMaj, false, false, 9},
				{gMin, true, true, 4}, {gMin, true, false, 1}, {gMin, false, true, 1}, {gMin, false, false, 9},
				{transform.GroupNone, true, false, 50},
			},
			min: [2]float64{0, 1}, maj: [2]float64{0, 1}, err: 5.0 / 35,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			group, y, base := rowsOf(tc.rows...)
			m, err := FitEqOddsPostproc(group, y, base)
			if err != nil {
				t.Fatal(err)
			}
			for b := 0; b < 2; b++ {
				if math.Abs(m.P[gMin][b]-tc.min[b]) > 1e-9 || math.Abs(m.P[gMaj][b]-tc.maj[b]) > 1e-9 {
					t.Fatalf("mix minority %v majority %v, want %v %v", m.P[gMin], m.P[gMaj], tc.min, tc.maj)
				}
			}
			if math.Abs(m.Error-tc.err) > 1e-12 || math.Abs(expectedError(m, group, y, base)-tc.err) > 1e-12 {
				t.Fatalf("error %v (rows: %v), want %v", m.Error, expectedError(m, group, y, base), tc.err)
			}
			if !m.Predict(transform.GroupNone, true, 0.999) || m.Predict(transform.GroupNone, false, 0) {
				t.Fatal("rows in neither group must keep their base prediction")
			}
		})
	}
}

// bruteForceEqOdds searches a grid of the majority's two mixing
// probabilities (step 1/steps); the minority's are then fixed by the two
// rate equalities (a 2×2 system), kept when in [0, 1]. It returns the least
// expected error found.
func bruteForceEqOdds(group []int8, y, base []bool, steps int) float64 {
	var n [3][2][2]float64
	for i, g := range group {
		n[g][b2i(y[i])][b2i(base[i])]++
	}
	rate := func(g int8, label int, p0, p1 float64) float64 {
		s := n[g][label][0] + n[g][label][1]
		return (p0*n[g][label][0] + p1*n[g][label][1]) / s
	}
	best := math.Inf(1)
	total := float64(len(group))
	for i := 0; i <= steps; i++ {
		for j := 0; j <= steps; j++ {
			a0, a1 := float64(i)/float64(steps), float64(j)/float64(steps)
			T, F := rate(gMaj, 1, a0, a1), rate(gMaj, 0, a0, a1)
			// minority: t0·q0 + t1·q1 = T, f0·q0 + f1·q1 = F.
			t0, t1 := rate(gMin, 1, 1, 0), rate(gMin, 1, 0, 1)
			f0, f1 := rate(gMin, 0, 1, 0), rate(gMin, 0, 0, 1)
			det := t0*f1 - t1*f0
			if math.Abs(det) < 1e-12 {
				continue
			}
			q0, q1 := (T*f1-t1*F)/det, (t0*F-T*f0)/det
			if q0 < -1e-12 || q0 > 1+1e-12 || q1 < -1e-12 || q1 > 1+1e-12 {
				continue
			}
			var m EqOddsMix
			m.P[gMaj] = [2]float64{a0, a1}
			m.P[gMin] = [2]float64{q0, q1}
			best = min(best, expectedError(m, group, y, base)*float64(len(group))/total)
		}
	}
	return best
}

func randomRows(rng *rand.Rand, n int) (group []int8, y, base []bool, score []float64) {
	shift := rng.Float64()
	for i := 0; i < n; i++ {
		g := gMaj
		if rng.Float64() < 0.3 {
			g = gMin
		}
		p := rng.Float64()
		if g == gMin {
			p *= 0.5 + 0.5*shift
		}
		s := min(0.999, max(0.001, p+0.3*(rng.Float64()-0.5)))
		group = append(group, g)
		y = append(y, rng.Float64() < p)
		score = append(score, s)
		base = append(base, s > 0.5)
	}
	return
}

func TestEqOddsPostprocAgainstBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 20; trial++ {
		group, y, base, _ := randomRows(rng, 40+rng.IntN(200))
		m, err := FitEqOddsPostproc(group, y, base)
		if err != nil {
			t.Fatal(err)
		}
		tMin, fMin := derivedRates(m, group, y, base, gMin)
		tMaj, fMaj := derivedRates(m, group, y, base, gMaj)
		if math.Abs(tMin-tMaj) > 1e-9 || math.Abs(fMin-fMaj) > 1e-9 {
			t.Fatalf("trial %d: TPR %v vs %v, FPR %v vs %v", trial, tMin, tMaj, fMin, fMaj)
		}
		if e := expectedError(m, group, y, base); math.Abs(e-m.Error) > 1e-9 {
			t.Fatalf("trial %d: reported error %v, rows give %v", trial, m.Error, e)
		}
		bf := bruteForceEqOdds(group, y, base, 200)
		// The LP is optimal: no grid point beats it; the grid comes within
		// its resolution of it.
		if m.Error > bf+1e-9 || bf > m.Error+0.01 {
			t.Fatalf("trial %d: LP error %v, grid best %v", trial, m.Error, bf)
		}
	}
}

func TestEqOddsPostprocUndefinedRate(t *testing.T) {
	t.Parallel()
	// The minority has no negative rows: only TPR is constrained.
	group, y, base := rowsOf(
		cellCount{gMaj, true, true, 8}, cellCount{gMaj, true, false, 2}, cellCount{gMaj, false, true, 2}, cellCount{gMaj, false, false, 8},
		cellCount{gMin, true, true, 5}, cellCount{gMin, true, false, 5},
	)
	m, err := FitEqOddsPostproc(group, y, base)
	if err != nil {
		t.Fatal(err)
	}
	tMin, _ := derivedRates(m, group, y, base, gMin)
	tMaj, _ := derivedRates(m, group, y, base, gMaj)
	if math.Abs(tMin-tMaj) > 1e-9 {
		t.Fatalf("TPR %v vs %v", tMin, tMaj)
	}
	// No minority rows at all: a data error naming the group.
	group, y, base = rowsOf(cellCount{gMaj, true, true, 3}, cellCount{gMaj, false, false, 3})
	if _, err := FitEqOddsPostproc(group, y, base); !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "minority") {
		t.Fatalf("no minority rows: %v", err)
	}
}

func TestCalibratedEqOddsByHand(t *testing.T) {
	t.Parallel()
	// Majority (h, y): (0.9,1) (0.7,1) (0.3,0) (0.1,0): base rate 0.5,
	// GFPR 0.2, GFNR 0.2, cost 0.4; predicting 0.5 costs 0.5+0.5 = 1.
	// Minority: (0.8,1) (0.5,1) (0.5,0) (0.2,0): GFPR 0.35, GFNR 0.35,
	// cost 0.7. The majority is withheld from with α = (0.7−0.4)/(1−0.4).
	group := []int8{gMaj, gMaj, gMaj, gMaj, gMin, gMin, gMin, gMin, transform.GroupNone}
	y := []bool{true, true, false, false, true, true, false, false, true}
	h := []float64{0.9, 0.7, 0.3, 0.1, 0.8, 0.5, 0.5, 0.2, 0}
	c, err := FitCalibratedEqOdds(group, y, h, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Withheld != gMaj || math.Abs(c.Alpha-0.5) > 1e-12 || math.Abs(c.Cost[gMaj]-0.4) > 1e-12 || math.Abs(c.Cost[gMin]-0.7) > 1e-12 || c.BaseRate[gMaj] != 0.5 {
		t.Fatalf("%+v", c)
	}
	// Expected cost after withholding equals the other group's.
	mixed := (1-c.Alpha)*c.Cost[gMaj] + c.Alpha*(c.BaseRate[gMaj]+(1-c.BaseRate[gMaj]))
	if math.Abs(mixed-c.Cost[gMin]) > 1e-12 {
		t.Fatalf("withheld cost %v, other %v", mixed, c.Cost[gMin])
	}
	if c.Score(gMaj, 0.9, 0.49) != 0.5 || c.Score(gMaj, 0.9, 0.5) != 0.9 || c.Score(gMin, 0.8, 0) != 0.8 {
		t.Fatal("Score does not withhold as drawn")
	}
	// Only false negatives weighted: GFNR 0.2 vs 0.35; trivial 1−0.5.
	c, _ = FitCalibratedEqOdds(group, y, h, 0, 1)
	if c.Withheld != gMaj || math.Abs(c.Alpha-0.15/0.3) > 1e-12 {
		t.Fatalf("fnr only: %+v", c)
	}
	// The other group already costs more than predicting the base rate:
	// full withholding, the costs stay unequal.
	h2 := []float64{0.9, 0.7, 0.3, 0.1, 0.1, 0.1, 0.9, 0.9, 0}
	c, _ = FitCalibratedEqOdds(group, y, h2, 1, 1)
	if c.Withheld != gMaj || c.Alpha != 1 {
		t.Fatalf("clipped: %+v", c)
	}
	// A group with one label only: a data error.
	if _, err := FitCalibratedEqOdds(group, []bool{true, true, false, false, true, true, true, true, true}, h, 1, 1); !errors.Is(err, fferr.ErrData) {
		t.Fatalf("one label: %v", err)
	}
}

// TestPostprocBaselinesInSweep runs both baselines in a sweep: one firm-side
// cell per run at flips 0, deterministic, the same on any number of workers;
// equalized-odds post-processing lowers EqOd below the base; the external
// firm is refused with a usage error.
func TestPostprocBaselinesInSweep(t *testing.T) {
	t.Parallel()
	train := load(t, "train.csv", synthTable(600, 1))
	test := load(t, "test.csv", synthTable(600, 2))
	cfg := Config{Options: synthOptions(), Methods: []string{scorer.Names()[0]}, Alphas: []float64{1}, Flips: []string{"0"},
		Runs: 2, Seed: 1, Baselines: []string{BaselineEqOddsPostproc, BaselineCalibratedEqOdds, BaselineCalibratedEqOddsRandom}, Workers: 2}
	var ticks int
	cfg.Progress = func(done, total int) {
		ticks++
		if done > total {
			t.Errorf("progress %d of %d", done, total)
		}
	}
	res, _, err := Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2*4 {
		t.Fatalf("%d results", len(res))
	}
	var base, eo []Result
	for _, r := range res {
		switch r.Method {
		case BaselineEqOddsPostproc:
			eo = append(eo, r)
		case BaselineCalibratedEqOdds, BaselineCalibratedEqOddsRandom:
		default:
			base = append(base, r)
			continue
		}
		if r.Side != SideFirm || r.FlipsRequested != "0" || r.Flips != 0 || !math.IsNaN(r.Alpha) || r.N != 600 {
			t.Fatalf("baseline row %+v", r)
		}
	}
	for k := range eo {
		if eo[k].EqOdMean >= base[k].EqOdMean {
			t.Errorf("run %d: eqodds-postproc EqOd %v, base %v", k, eo[k].EqOdMean, base[k].EqOdMean)
		}
	}
	cfg.Workers = 1
	res1, _, err := Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	SortResults(res)
	SortResults(res1)
	if csvOf(t, res) != csvOf(t, res1) {
		t.Fatal("results depend on the number of workers")
	}
	cfg.FirmCmd = "cat"
	for _, b := range []string{BaselineEqOddsPostproc, BaselineCalibratedEqOdds, BaselineCalibratedEqOddsRandom} {
		cfg.Baselines = []string{b}
		if _, _, err := Run(context.Background(), cfg, train, test); !errors.Is(err, fferr.ErrUsage) || !strings.Contains(err.Error(), "need the built-in firm") {
			t.Fatalf("%s with --firm-cmd: %v", b, err)
		}
	}
}

// TestPostprocMatchesScipy cross-checks both fits against an independent
// implementation, testdata/postproc_check.py (numpy and
// scipy.optimize.linprog), on random rows. Tolerances: the LP's optimum
// (expected error) within 1e-7 and its rate equalities within 1e-7 (the
// optimal mix itself can be non-unique, so it is not compared); α and the
// costs within 1e-12.
func TestPostprocMatchesScipy(t *testing.T) {
	t.Parallel()
	if err := exec.Command("/usr/bin/python3", "-c", "import numpy, scipy.optimize").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("numpy/scipy are not installed for /usr/bin/python3 (.ci/run installs python3-sklearn, which brings python3-scipy)")
		}
		t.Skip("numpy/scipy are not installed for /usr/bin/python3")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 5; trial++ {
		group, y, base, score := randomRows(rng, 100+rng.IntN(2000))
		var b strings.Builder
		b.WriteString("group,label,base,score\n")
		for i := range group {
			fmt.Fprintf(&b, "%d,%d,%d,%s\n", group[i], b2i(y[i]), b2i(base[i]), fmtFloat(score[i]))
		}
		path := filepath.Join(t.TempDir(), "rows.csv")
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("/usr/bin/python3", "../testdata/postproc_check.py", path).Output()
		if err != nil {
			t.Fatalf("postproc_check.py: %v", err)
		}
		var py struct {
			Error    float64       `json:"eqodds_error"`
			Mix      [2][2]float64 `json:"eqodds_mix"` // minority, majority; [base 0, base 1]
			Alpha    float64       `json:"alpha"`
			Withheld int8          `json:"withheld"`
			CostMin  float64       `json:"cost_minority"`
			CostMaj  float64       `json:"cost_majority"`
		}
		if err := json.Unmarshal(out, &py); err != nil {
			t.Fatalf("postproc_check.py printed %q: %v", out, err)
		}
		m, err := FitEqOddsPostproc(group, y, base)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(m.Error-py.Error) > 1e-7 {
			t.Fatalf("trial %d: LP optimum %v, scipy %v", trial, m.Error, py.Error)
		}
		// scipy's mix satisfies the equalities and reaches the optimum.
		var pm EqOddsMix
		pm.P[gMin], pm.P[gMaj] = py.Mix[0], py.Mix[1]
		tMin, fMin := derivedRates(pm, group, y, base, gMin)
		tMaj, fMaj := derivedRates(pm, group, y, base, gMaj)
		if math.Abs(tMin-tMaj) > 1e-7 || math.Abs(fMin-fMaj) > 1e-7 || math.Abs(expectedError(pm, group, y, base)-m.Error) > 1e-7 {
			t.Fatalf("trial %d: scipy's mix %v: TPR %v/%v FPR %v/%v", trial, py.Mix, tMin, tMaj, fMin, fMaj)
		}
		c, err := FitCalibratedEqOdds(group, y, score, pleissWeightFP, pleissWeightFN)
		if err != nil {
			t.Fatal(err)
		}
		if c.Withheld != py.Withheld || math.Abs(c.Alpha-py.Alpha) > 1e-12 || math.Abs(c.Cost[gMin]-py.CostMin) > 1e-12 || math.Abs(c.Cost[gMaj]-py.CostMaj) > 1e-12 {
			t.Fatalf("trial %d: %+v, python %+v", trial, c, py)
		}
	}
}
