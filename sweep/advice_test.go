package sweep

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/transform"
)

// The advice on real data: each case runs a small sweep, then checks the
// action and its reason against what the cells themselves show (the base
// model's rates, the error increases, the tie rule recomputed here).

// compasOptions: ProPublica's COMPAS, the favourable outcome (no
// recidivism within two years, two_year_recid = 0) as the positive label;
// the features a firm might use, the sensitive column (which the firm
// sees) aside (the first priors_count, #15: the file
// has two columns of that name).
func compasOptions(sensitive string, minority, majority []string) transform.Options {
	var features []string
	for _, f := range []string{"age", "sex", "race", "#15", "juv_fel_count", "juv_misd_count", "juv_other_count", "c_charge_degree"} {
		if f != sensitive {
			features = append(features, f)
		}
	}
	return transform.Options{Config: transform.Config{
		Dialect:   tableio.Dialect{Header: true},
		Sensitive: []string{sensitive}, Minority: minority, Majority: majority,
		Label: "two_year_recid", Positive: []string{"0"}, Negative: []string{"1"},
		Features: features,
		Method:   transform.MethodRBProb, MaxFlips: -1, Seed: 1, IgnoreAudit: true,
	}}
}

// germanOptions: German credit (Statlog), sex from the personal-status
// column (A92: female), label good credit (1).
func germanOptions() transform.Options {
	return transform.Options{Config: transform.Config{
		Dialect:     tableio.Dialect{Delimiter: ' '},
		HeaderNames: strings.Split("checking,duration,history,purpose,amount,savings,employment,rate,personal,debtors,residence,property,age,plans,housing,credits,job,liable,telephone,foreign,credit", ","),
		Sensitive:   []string{"personal"}, Minority: []string{"A92"}, Label: "credit", Positive: []string{"1"}, Negative: []string{"2"},
		Method: transform.MethodRBProb, MaxFlips: -1, Seed: 1, IgnoreAudit: true,
	}}
}

func loadOne(t *testing.T, o transform.Options, rel string) *transform.Dataset {
	t.Helper()
	d, err := o.LoadLocal(context.Background(), transform.Source{Path: testdata.Path(t, rel)})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sweepCells runs cfg and returns its results and cells.
func sweepCells(t *testing.T, cfg Config, train, test *transform.Dataset) ([]Result, []Cell) {
	t.Helper()
	results, _, err := Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	SortResults(results)
	cells, err := Summarize(results)
	if err != nil {
		t.Fatal(err)
	}
	return results, cells
}

// adviceAt returns the recommendation at alpha.
func adviceAt(t *testing.T, recs []Recommendation, alpha float64) Recommendation {
	t.Helper()
	for _, r := range recs {
		if r.Alpha == alpha {
			return r
		}
	}
	t.Fatalf("no recommendation at alpha %v in %+v", alpha, recs)
	return Recommendation{}
}

// cellOf finds the cell of a choice.
func cellOf(t *testing.T, cells []Cell, alpha float64, c Choice) Cell {
	t.Helper()
	for _, x := range cells {
		if x.Side == SideCollective && x.Alpha == alpha && x.Method == c.Method && x.FlipsRequested == c.Flips {
			return x
		}
	}
	t.Fatalf("no cell %s %s at alpha %v", c.Method, c.Flips, alpha)
	return Cell{}
}

// lowestWithin recomputes the advice's pick: the lowest mean EqOd at
// alpha among the cells whose error is within limit of the base's.
func lowestWithin(cells []Cell, alpha float64, base Cell, limit float64) (Cell, bool) {
	var best Cell
	found := false
	for _, c := range cells {
		if c.Side != SideCollective || c.Alpha != alpha || math.IsNaN(c.EqOdMean.Mean) || c.Error.Mean-base.Error.Mean > limit+1e-12 {
			continue
		}
		if !found || c.EqOdMean.Mean < best.EqOdMean.Mean || (c.EqOdMean.Mean == best.EqOdMean.Mean && c.Flips.Mean < best.Flips.Mean) {
			best, found = c, true
		}
	}
	return best, found
}

// tiedHere is the tie rule, written out again.
func tiedHere(a, b Stat) bool {
	return a.Mean == b.Mean || (a.N > 1 && b.N > 1 && math.Abs(a.Mean-b.Mean) <= math.Sqrt(a.SD*a.SD/float64(a.N)+b.SD*b.SD/float64(b.N)))
}

// checkFavoured: the base cell's rates, averaged over the runs, favour
// the minority exactly when the advice says so; the per-run results agree.
func checkBaseRates(t *testing.T, results []Result, base Cell) (favoured bool) {
	t.Helper()
	var tprMin, tprMaj, fprMin, fprMaj float64
	n := 0
	for _, r := range results {
		if r.Side == SideCollective && r.FlipsRequested == "0" && r.Method == base.Method && r.Alpha == base.Alpha {
			tprMin += r.TPRMin
			tprMaj += r.TPRMaj
			fprMin += r.FPRMin
			fprMaj += r.FPRMaj
			n++
		}
	}
	if n == 0 {
		t.Fatal("no base results")
	}
	return tprMin > tprMaj && fprMin > fprMaj
}

// TestAdviceCOMPASSexFavoured: on COMPAS with women as the minority and
// no recidivism as the positive label, the base model's TPR and FPR are
// both higher for women: the advice is no action, with that reason.
func TestAdviceCOMPASSexFavoured(t *testing.T) {
	t.Parallel()
	train := loadOne(t, compasOptions("sex", []string{"Female"}, nil), "compas/compas-scores-two-years.csv")
	cfg := Config{Options: compasOptions("sex", []string{"Female"}, nil), Methods: []string{"rb-prob", "random"}, Alphas: []float64{0.5},
		Flips: []string{"0", "25%", "50%", "100%"}, Runs: 3, Seed: 1, TestSplit: 0.3}
	results, cells := sweepCells(t, cfg, train, nil)
	base, ok := Base(cells)
	if !ok {
		t.Fatal("no base cell")
	}
	if !checkBaseRates(t, results, base) {
		t.Fatalf("COMPAS sex: the base model does not favour women (TPR %v vs %v, FPR %v vs %v): the case this test is for is gone",
			base.TPRMin.Mean, base.TPRMaj.Mean, base.FPRMin.Mean, base.FPRMaj.Mean)
	}
	r := adviceAt(t, Recommend(cells, 0), 0.5)
	if r.Action != ActionNoActionFavoured || !r.MinorityFavoured {
		t.Fatalf("action %q (favoured %v), want %q: %s", r.Action, r.MinorityFavoured, ActionNoActionFavoured, r.Reason)
	}
	for _, want := range []string{"already favoured", "TPR", "FPR", "widens the gaps"} {
		if !strings.Contains(r.Reason, want) {
			t.Errorf("reason %q lacks %q", r.Reason, want)
		}
	}
	if r.Advised.Flips != "0" || r.Advised.EqOd.Mean != base.EqOdMean.Mean {
		t.Errorf("advised %+v, want the base cell", r.Advised)
	}
	// Flipping does widen the gaps here: the whole pool's EqOd is above the base's.
	for _, c := range cells {
		if c.FlipsRequested == "100%" && !(c.EqOdMean.Mean > base.EqOdMean.Mean) {
			t.Errorf("%s flipping the whole pool: EqOd %v, not above the base's %v", c.Method, c.EqOdMean.Mean, base.EqOdMean.Mean)
		}
	}
}

// TestAdviceCOMPASRace: African-American vs Caucasian defendants, no
// recidivism positive: the base model's rates are lower for the minority,
// and a flip within the error limit lowers EqOd well beyond the runs'
// spread: the advice is to flip, the cell being the lowest EqOd within the
// limit.
func TestAdviceCOMPASRace(t *testing.T) {
	t.Parallel()
	o := compasOptions("race", []string{"African-American"}, []string{"Caucasian"})
	train := loadOne(t, o, "compas/compas-scores-two-years.csv")
	cfg := Config{Options: o, Methods: []string{"rb-prob"}, Alphas: []float64{1},
		Flips: []string{"0", "5%", "10%", "20%", "100%"}, Runs: 3, Seed: 1, TestSplit: 0.3}
	results, cells := sweepCells(t, cfg, train, nil)
	base, _ := Base(cells)
	if checkBaseRates(t, results, base) {
		t.Fatal("COMPAS race: the base model favours the minority")
	}
	r := adviceAt(t, Recommend(cells, 0), 1)
	want, _ := lowestWithin(cells, 1, base, DefaultMaxErrorIncrease)
	if r.Action != ActionFlip && r.Action != ActionFlipWholePool {
		t.Fatalf("action %q (%s), want a flip: the lowest EqOd within the limit is %s %s at %v against %v without action",
			r.Action, r.Reason, want.Method, want.FlipsRequested, want.EqOdMean.Mean, base.EqOdMean.Mean)
	}
	if r.Advised.Method != want.Method || r.Advised.Flips != want.FlipsRequested {
		t.Errorf("advised %s %s, want %s %s", r.Advised.Method, r.Advised.Flips, want.Method, want.FlipsRequested)
	}
	if tiedHere(want.EqOdMean, base.EqOdMean) || !strings.Contains(r.Reason, "below no action's") {
		t.Errorf("reason %q; EqOd %v ± %v vs base %v ± %v", r.Reason, want.EqOdMean.Mean, want.EqOdMean.SD, base.EqOdMean.Mean, base.EqOdMean.SD)
	}
	if (r.Action == ActionFlipWholePool) != (want.Flips.Mean == want.Pool.Mean) {
		t.Errorf("action %q, flips made %v of a pool of %v", r.Action, want.Flips.Mean, want.Pool.Mean)
	}
	// The spread is the runs': mean ± SD with the range.
	if r.Advised.EqOd.N != 3 || math.IsNaN(r.Advised.EqOd.SD) || !(r.Advised.EqOd.Min <= r.Advised.EqOd.Mean && r.Advised.EqOd.Mean <= r.Advised.EqOd.Max) {
		t.Errorf("advised EqOd %+v: want mean, SD and range over 3 runs", r.Advised.EqOd)
	}
}

// TestAdviceAdultWholePool: on Adult (race, Black minority) a collective
// of 5% of the minority is best off flipping its whole pool; every method
// then flips the same rows, so the advice names no method over another.
func TestAdviceAdultWholePool(t *testing.T) {
	t.Parallel()
	train, test := loadAdult(t)
	cfg := Config{Options: adultOptions(), Methods: []string{"rb-prob", "random"}, Alphas: []float64{0.05},
		Flips: []string{"0", "50%", "100%"}, Runs: 2, Seed: 1}
	results, cells := sweepCells(t, cfg, train, test)
	base, _ := Base(cells)
	want, _ := lowestWithin(cells, 0.05, base, DefaultMaxErrorIncrease)
	if want.Flips.Mean != want.Pool.Mean {
		t.Fatalf("the lowest EqOd within the limit is %s %s, %v flips of a pool of %v: not the whole pool", want.Method, want.FlipsRequested, want.Flips.Mean, want.Pool.Mean)
	}
	// Every run flipped its whole pool in that cell.
	for _, res := range results {
		if res.Side == SideCollective && res.FlipsRequested == want.FlipsRequested && res.Flips != res.Pool {
			t.Fatalf("run %d, %s: %d flips of a pool of %d", res.Run, res.Method, res.Flips, res.Pool)
		}
	}
	r := adviceAt(t, Recommend(cells, 0), 0.05)
	if r.Action != ActionFlipWholePool || !strings.Contains(r.Reason, "every candidate") {
		t.Fatalf("action %q (%s), want %q", r.Action, r.Reason, ActionFlipWholePool)
	}
	if len(r.TiedWith) != 0 {
		t.Errorf("whole pool: ties %+v; every method flips the same rows, which is no tie between methods", r.TiedWith)
	}
	if !strings.Contains(r.Reason, "every method flips the same rows") {
		t.Errorf("reason %q does not say the methods flip the same rows", r.Reason)
	}
	// The old fields still name the lowest EqOd of the grid.
	if r.BestEqOd != want.EqOdMean.Mean {
		t.Errorf("BestEqOd %v, want %v", r.BestEqOd, want.EqOdMean.Mean)
	}
}

// TestAdviceGermanTies: on German credit (women as the minority) with
// five runs, the advice flips, and lists as ties exactly the other
// methods whose best cell within the limit is within the standard error
// of the advised one; here there is at least one.
func TestAdviceGermanTies(t *testing.T) {
	t.Parallel()
	train := loadOne(t, germanOptions(), "german/german.data")
	cfg := Config{Options: germanOptions(), Methods: []string{"rb-prob", "random"}, Alphas: []float64{1},
		Flips: []string{"0", "10%", "20%", "30%", "50%"}, Runs: 5, Seed: 1, TestSplit: 0.3}
	_, cells := sweepCells(t, cfg, train, nil)
	base, _ := Base(cells)
	r := adviceAt(t, Recommend(cells, 0), 1)
	want, _ := lowestWithin(cells, 1, base, DefaultMaxErrorIncrease)
	if r.Action != ActionFlip || r.Advised.Method != want.Method || r.Advised.Flips != want.FlipsRequested {
		t.Fatalf("action %q %s %s (%s), want a flip with %s %s", r.Action, r.Advised.Method, r.Advised.Flips, r.Reason, want.Method, want.FlipsRequested)
	}
	tied := map[string]bool{}
	for _, c := range r.TiedWith {
		tied[c.Method] = true
	}
	ties := 0
	for _, m := range cfg.Methods {
		if m == want.Method {
			continue
		}
		var best Cell
		found := false
		for _, c := range cells {
			if c.Method == m && c.Alpha == 1 && c.FlipsRequested != "0" && c.Error.Mean-base.Error.Mean <= DefaultMaxErrorIncrease+1e-12 && (!found || c.EqOdMean.Mean < best.EqOdMean.Mean) {
				best, found = c, true
			}
		}
		wantTie := found && tiedHere(best.EqOdMean, want.EqOdMean)
		if tied[m] != wantTie {
			t.Errorf("%s: tied %v, want %v (EqOd %v ± %v vs %v ± %v)", m, tied[m], wantTie, best.EqOdMean.Mean, best.EqOdMean.SD, want.EqOdMean.Mean, want.EqOdMean.SD)
		}
		if wantTie {
			ties++
			if !strings.Contains(r.Reason, "tied with "+m) {
				t.Errorf("reason %q does not name the tie with %s", r.Reason, m)
			}
		}
	}
	if ties == 0 {
		t.Errorf("no tie on this grid: the case this test is for is gone (%s)", r.Reason)
	}
}

// TestAdviceErrorLimit: on Adult (alpha 0.3) the cell of lowest EqOd
// raises the error; a limit just below its increase excludes it, the
// advice takes the best cell within the limit and says what it left out.
func TestAdviceErrorLimit(t *testing.T) {
	t.Parallel()
	train, test := loadAdult(t)
	cfg := Config{Options: adultOptions(), Methods: []string{"rb-prob"}, Alphas: []float64{0.3},
		Flips: []string{"0", "5%", "15%", "30%"}, Runs: 2, Seed: 1}
	_, cells := sweepCells(t, cfg, train, test)
	base, _ := Base(cells)
	lowest, _ := lowestWithin(cells, 0.3, base, math.Inf(1))
	inc := lowest.Error.Mean - base.Error.Mean
	if !(inc > 0) {
		t.Fatalf("the lowest EqOd (%s) does not raise the error (%+v): no limit can exclude it", lowest.FlipsRequested, inc)
	}
	limit := inc * 0.9
	r := adviceAt(t, Advise(cells, AdviceOptions{MaxErrorIncrease: limit}), 0.3)
	want, _ := lowestWithin(cells, 0.3, base, limit)
	if r.MaxErrorIncrease != limit || r.Advised.Flips != want.FlipsRequested && !(want.FlipsRequested == "0" && r.Advised.Flips == "0") {
		t.Fatalf("limit %v: advised %s, want %s (%s)", r.MaxErrorIncrease, r.Advised.Flips, want.FlipsRequested, r.Reason)
	}
	if r.Advised.ErrorIncrease > limit+1e-12 {
		t.Errorf("advised error increase %v over the limit %v", r.Advised.ErrorIncrease, limit)
	}
	if tiedHere(lowest.EqOdMean, want.EqOdMean) {
		if r.Excluded != nil {
			t.Errorf("excluded %+v, a tie with the advised cell", *r.Excluded)
		}
	} else if r.Excluded == nil || r.Excluded.Flips != lowest.FlipsRequested || r.Excluded.ErrorIncrease <= limit {
		t.Errorf("excluded %+v, want the %s cell (error %+v over the base)", r.Excluded, lowest.FlipsRequested, inc)
	}
	// A limit of 0: only cells that do not raise the error. When none of
	// them beats no action by more than the runs' spread, no action, and
	// the lower EqOd left out is reported.
	r = adviceAt(t, Advise(cells, AdviceOptions{MaxErrorIncrease: 0}), 0.3)
	w, _ := lowestWithin(cells, 0.3, base, 0)
	if w.Flips.Mean == 0 || tiedHere(w.EqOdMean, base.EqOdMean) {
		if r.Action != ActionNoActionNoGain || r.Advised.Flips != "0" || r.Excluded == nil || !strings.Contains(r.Reason, "excluded by the error limit") {
			t.Errorf("limit 0: action %q, advised %s, excluded %+v (%s); want no action, %s excluded", r.Action, r.Advised.Flips, r.Excluded, r.Reason, lowest.FlipsRequested)
		}
	} else if r.Action != ActionFlip || r.Advised.Flips != w.FlipsRequested {
		t.Errorf("limit 0: action %q %s, want a flip of %s", r.Action, r.Advised.Flips, w.FlipsRequested)
	}
	t.Logf("limit 0: %s: %s", r.Action, r.Reason)
	// Without the limit the lowest EqOd is advised and nothing is excluded.
	r = adviceAt(t, Advise(cells, AdviceOptions{MaxErrorIncrease: math.Inf(1)}), 0.3)
	if r.Advised.Flips != lowest.FlipsRequested || r.Excluded != nil {
		t.Errorf("no limit: advised %s, excluded %+v; want %s", r.Advised.Flips, r.Excluded, lowest.FlipsRequested)
	}
}

// TestTied: the tie rule on made-up figures.
func TestTied(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for _, c := range []struct {
		a, b Stat
		want bool
	}{
		{Stat{Mean: 0.10, SD: 0.02, N: 4}, Stat{Mean: 0.11, SD: 0.02, N: 4}, true},     // 0.01 ≤ √(0.0001+0.0001) ≈ 0.0141
		{Stat{Mean: 0.10, SD: 0.02, N: 4}, Stat{Mean: 0.12, SD: 0.02, N: 4}, false},    // 0.02 > 0.0141
		{Stat{Mean: 0.10, SD: nan, N: 1}, Stat{Mean: 0.1000001, SD: nan, N: 1}, false}, // one run: only equal means tie
		{Stat{Mean: 0.10, SD: nan, N: 1}, Stat{Mean: 0.10, SD: nan, N: 1}, true},
	} {
		if got := Tied(c.a, c.b); got != c.want || Tied(c.b, c.a) != c.want {
			t.Errorf("Tied(%+v, %+v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestPercentGrid: on German credit, a grid of percentages of the pool
// (with 0%, a count and auto, and the massaging baseline) flips each run's
// share of its own pool, rounded to the nearest row as flip's --flips P%
// does; massaging's percentage is of the minority's negatives; the
// progress counts every fit it announced; the cells come counts first,
// then percentages, then auto.
func TestPercentGrid(t *testing.T) {
	t.Parallel()
	train := loadOne(t, germanOptions(), "german/german.data")
	var done, total int
	cfg := Config{Options: germanOptions(), Methods: []string{"rb-prob", "random"}, Alphas: []float64{0.5},
		Flips: []string{"auto", "50%", "0%", "7", "12.5%", "100%", "0"}, Runs: 2, Seed: 3, TestSplit: 0.3, Baselines: []string{BaselineMassaging},
		Progress: func(d, n int) { done, total = d, n }}
	results, cells := sweepCells(t, cfg, train, nil)
	if done != total || total == 0 {
		t.Errorf("progress ended at %d of %d", done, total)
	}
	for _, r := range results {
		var want int
		switch {
		case r.Side == SideFirm || r.FlipsRequested == "auto":
			continue
		case strings.HasSuffix(r.FlipsRequested, "%"):
			var p float64
			if _, err := fmt.Sscan(strings.TrimSuffix(r.FlipsRequested, "%"), &p); err != nil {
				t.Fatal(err)
			}
			want = int(math.Round(p / 100 * float64(r.Pool)))
		default:
			fmt.Sscan(r.FlipsRequested, &want)
			want = min(want, r.Pool)
		}
		if r.Flips != want {
			t.Errorf("run %d %s %s: %d flips of a pool of %d, want %d", r.Run, r.Method, r.FlipsRequested, r.Flips, r.Pool, want)
		}
	}
	var order []string
	for _, c := range cells {
		if c.Side == SideCollective && c.Method == "rb-prob" {
			order = append(order, c.FlipsRequested)
		}
	}
	if got := strings.Join(order, ","); got != "0,7,0%,12.5%,50%,100%,auto" {
		t.Errorf("cell order %s", got)
	}
	for _, c := range cells {
		if c.Side == SideFirm && c.FlipsRequested == "100%" && !(c.Flips.Mean > 0) {
			t.Errorf("massaging at 100%%: %v flips", c.Flips.Mean)
		}
	}
	// The edge notice names a percentage as the grid's largest value.
	cfg.Flips, cfg.Baselines, cfg.Progress = []string{"0", "1%", "2%"}, nil, nil
	cfg.Methods = []string{"rb-prob"}
	results, cells = sweepCells(t, cfg, train, nil)
	best := cells[0]
	for _, c := range cells {
		if c.EqOdMean.Mean < best.EqOdMean.Mean {
			best = c
		}
	}
	notices := EdgeNotices(results, cells)
	if atEdge := best.FlipsRequested == "2%" && best.Flips.Mean < best.Pool.Min; atEdge != (len(notices) == 1) || (atEdge && !strings.Contains(notices[0], "largest flip count, 2%,")) {
		t.Errorf("best at %s (%v flips of a pool of %v or more): notices %q", best.FlipsRequested, best.Flips.Mean, best.Pool.Min, notices)
	}
	t.Logf("best at %s: notices %q", best.FlipsRequested, notices)
}
