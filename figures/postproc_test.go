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
