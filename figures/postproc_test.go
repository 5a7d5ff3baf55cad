package figures

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/sweep"
)

// TestPlotPostprocBaselines: the post-processing baselines, one cell per
// run at flips 0, are drawn on the Pareto plot as firm-side points, each
// with its own legend entry, and nowhere else.
func TestPlotPostprocBaselines(t *testing.T) {
	t.Parallel()
	rs, _ := plotTestData(t)
	for run := range 3 {
		for k, m := range []string{sweep.BaselineEqOddsPostproc, sweep.BaselineCalibratedEqOdds, sweep.BaselineCalibratedEqOddsRandom} {
			rs = append(rs, sweep.Result{
				Side: sweep.SideFirm, Method: m, Alpha: math.NaN(), FlipsRequested: "0",
				Run: run, N: 1000, Error: 0.18 + 0.01*float64(k), EqOdMean: 0.01 + 0.02*float64(k) + 0.001*float64(run),
			})
		}
	}
	dir := t.TempDir()
	if _, err := Write(dir, rs, plotTestCells(t, rs), plotTestInfo); err != nil {
		t.Fatal(err)
	}
	read := func(n string) string {
		b, err := os.ReadFile(filepath.Join(dir, n+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	pareto := read("pareto_error_eqod")
	for _, m := range []string{"massaging", sweep.BaselineEqOddsPostproc, sweep.BaselineCalibratedEqOdds, sweep.BaselineCalibratedEqOddsRandom} {
		if !strings.Contains(pareto, m+" (firm-side)") {
			t.Errorf("pareto_error_eqod.svg has no firm-side legend entry for %s", m)
		}
		if s := read("best_eqod_vs_alpha"); strings.Contains(s, m) {
			t.Errorf("best_eqod_vs_alpha.svg shows the firm-side %s", m)
		}
	}
}

// TestPlotReductionsFront: the reductions baseline's cells are drawn on
// the Pareto plot as one line through their means, in the order of ε,
// each point labelled with its bound, besides its per-run points.
func TestPlotReductionsFront(t *testing.T) {
	t.Parallel()
	rs, _ := plotTestData(t)
	bounds := []float64{0.1, 0.005, 0.02} // not in order: the line is
	for run := range 2 {
		for _, eps := range bounds {
			rs = append(rs, sweep.Result{
				Side: sweep.SideFirm, Method: sweep.BaselineReductions, Alpha: math.NaN(), FlipsRequested: sweep.ReductionsCell(eps),
				Run: run, N: 1000, Error: 0.2 - eps, EqOdMean: eps + 0.001*float64(run),
			})
		}
	}
	dir := t.TempDir()
	if _, err := Write(dir, rs, plotTestCells(t, rs), plotTestInfo); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "pareto_error_eqod.svg"))
	if err != nil {
		t.Fatal(err)
	}
	svg := string(b)
	for _, want := range []string{sweep.BaselineReductions + " (firm-side)", sweep.BaselineReductions + " by bound ε (means)", ">ε 0.005<", ">ε 0.02<", ">ε 0.1<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("pareto_error_eqod.svg has no %q", want)
		}
	}
	// The labels are drawn in the order of ε.
	if i, j, k := strings.Index(svg, ">ε 0.005<"), strings.Index(svg, ">ε 0.02<"), strings.Index(svg, ">ε 0.1<"); !(i < j && j < k) {
		t.Errorf("labels at %d, %d, %d: not in the order of ε", i, j, k)
	}
}
