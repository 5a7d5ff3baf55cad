package sweep

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// refStat is the plain definition Summarize must reproduce bit for bit:
// the defined (non-NaN) values, summed in run order from 0.
func refStat(xs []float64) Stat {
	var d []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			d = append(d, x)
		}
	}
	s := Stat{Mean: math.NaN(), SD: math.NaN(), N: len(d), Min: math.NaN(), Max: math.NaN()}
	if len(d) == 0 {
		return s
	}
	sum := 0.0
	s.Min, s.Max = d[0], d[0]
	for _, x := range d {
		sum += x
		s.Min, s.Max = min(s.Min, x), max(s.Max, x)
	}
	s.Mean = sum / float64(len(d))
	if len(d) > 1 {
		ss := 0.0
		for _, x := range d {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(ss / float64(len(d)-1))
	}
	return s
}

func sameBits(a, b Stat) bool {
	same := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) } // min and max: −0 and +0 alike
	return a.N == b.N && math.Float64bits(a.Mean) == math.Float64bits(b.Mean) && math.Float64bits(a.SD) == math.Float64bits(b.SD) &&
		same(a.Min, b.Min) && same(a.Max, b.Max)
}

// TestSummarizeBitIdentical: on results in random order, with values whose
// sums depend on the order of the additions, undefined runs, cells of one
// run, cells where every value of a statistic is undefined, values of −0,
// and firm-side cells (alpha NaN), every figure Summarize returns has the
// bits of the plain definition, and the cells come in report order.
func TestSummarizeBitIdentical(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	methods := []string{"rb-prob", "random", "rb-dist", "rb-label", "my_scorer", "NaN"}
	alphas := []float64{0.05, 0.1, 0.3, 0.1000000001, 1}
	flips := []string{"0", "20", "180", "auto"}
	val := func() float64 {
		switch rng.IntN(10) {
		case 0:
			return math.NaN()
		case 1:
			return math.Copysign(0, -1)
		}
		return rng.Float64() * math.Pow(10, float64(rng.IntN(6)-3))
	}
	var rs []Result
	for _, m := range methods {
		for _, a := range alphas {
			for _, f := range flips {
				runs := 1 + rng.IntN(12)
				allNaN := rng.IntN(8) == 0
				for run := range runs {
					r := Result{Side: SideCollective, Method: m, Alpha: a, FlipsRequested: f, Run: run,
						Flips: rng.IntN(200), Error: val(), SP: val(), EqOdMean: val(), EqOdMax: val()}
					if allNaN {
						r.EqOdMean, r.EqOdMax = math.NaN(), math.NaN()
					}
					rs = append(rs, r)
				}
			}
		}
	}
	for run := range 7 {
		rs = append(rs, Result{Side: SideFirm, Method: BaselineMassaging, Alpha: math.NaN(), FlipsRequested: "auto", Run: run,
			Flips: 40, Error: val(), SP: val(), EqOdMean: val(), EqOdMax: val()})
	}
	// A cell whose every value is −0: the plain sum is +0, so the mean is +0.
	for run := range 3 {
		z := math.Copysign(0, -1)
		rs = append(rs, Result{Side: SideCollective, Method: "rb-prob", Alpha: 0.5, FlipsRequested: "0", Run: run, Error: z, SP: z, EqOdMean: z, EqOdMax: z})
	}
	rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })

	cells, err := Summarize(rs)
	if err != nil {
		t.Fatal(err)
	}

	// The reference: the runs of each cell, in their order in rs.
	type group struct {
		first Result
		runs  []Result
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, r := range rs {
		k := cellKey(r)
		if byKey[k] == nil {
			byKey[k] = &group{first: r}
			groups = append(groups, byKey[k])
		}
		byKey[k].runs = append(byKey[k].runs, r)
	}
	if len(cells) != len(groups) {
		t.Fatalf("%d cells, want %d", len(cells), len(groups))
	}
	var want []Cell
	for _, g := range groups {
		c := Cell{Side: g.first.Side, Method: g.first.Method, Alpha: g.first.Alpha, FlipsRequested: g.first.FlipsRequested, Runs: len(g.runs)}
		for _, st := range summaryStats {
			var xs []float64
			for _, r := range g.runs {
				xs = append(xs, st.get(r))
			}
			*st.put(&c) = refStat(xs)
		}
		want = append(want, c)
	}
	sortCells(want)
	checked := 0
	for i, c := range cells {
		w := want[i]
		if c.Side != w.Side || c.Method != w.Method || cellKey(Result{Side: c.Side, Method: c.Method, Alpha: c.Alpha, FlipsRequested: c.FlipsRequested}) !=
			cellKey(Result{Side: w.Side, Method: w.Method, Alpha: w.Alpha, FlipsRequested: w.FlipsRequested}) || c.Runs != w.Runs {
			t.Fatalf("cell %d is %s %s %v %s (%d runs), want %s %s %v %s (%d runs)", i, c.Side, c.Method, c.Alpha, c.FlipsRequested, c.Runs,
				w.Side, w.Method, w.Alpha, w.FlipsRequested, w.Runs)
		}
		for j, st := range summaryStats {
			got, exp := *st.put(&c), *st.put(&w)
			if !sameBits(got, exp) {
				t.Errorf("cell %s %s %v %s, statistic %d: got %+v (bits %x, %x), want %+v (bits %x, %x)", c.Side, c.Method, c.Alpha, c.FlipsRequested, j,
					got, math.Float64bits(got.Mean), math.Float64bits(got.SD), exp, math.Float64bits(exp.Mean), math.Float64bits(exp.SD))
			}
			checked++
		}
	}
	if !slices.IsSortedFunc(cells, func(a, b Cell) int {
		if lessCell(a.Side, a.Method, a.Alpha, a.FlipsRequested, b.Side, b.Method, b.Alpha, b.FlipsRequested) {
			return -1
		}
		if lessCell(b.Side, b.Method, b.Alpha, b.FlipsRequested, a.Side, a.Method, a.Alpha, a.FlipsRequested) {
			return 1
		}
		return 0
	}) {
		t.Error("cells not in report order")
	}
	// The all −0 cell: +0, as "sum := 0.0; sum += x" gives.
	for _, c := range cells {
		if c.Method == "rb-prob" && c.Alpha == 0.5 && (c.Error.Mean != 0 || math.Signbit(c.Error.Mean)) {
			t.Errorf("mean of −0s = %v (sign bit %v), want +0", c.Error.Mean, math.Signbit(c.Error.Mean))
		}
	}
	t.Logf("%d cells, %d statistics compared bit for bit", len(cells), checked)
}

// TestSummarizeAllUndefined: a grid whose every value is undefined has its
// cells and runs, with every statistic undefined (N = 0).
func TestSummarizeAllUndefined(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	rs := []Result{
		{Side: SideCollective, Method: "rb-prob", Alpha: 0.3, FlipsRequested: "10", Error: nan, SP: nan, EqOdMean: nan, EqOdMax: nan},
		{Side: SideCollective, Method: "rb-prob", Alpha: 0.3, FlipsRequested: "10", Run: 1, Error: nan, SP: nan, EqOdMean: nan, EqOdMax: nan},
	}
	// Flips is an int, always defined; the others are all NaN.
	cells, err := Summarize(rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 1 || cells[0].Runs != 2 || cells[0].Flips.N != 2 || cells[0].Flips.Mean != 0 || cells[0].Flips.SD != 0 {
		t.Fatalf("cells %+v", cells)
	}
	for _, s := range []Stat{cells[0].Error, cells[0].SP, cells[0].EqOdMean, cells[0].EqOdMax} {
		if s.N != 0 || !math.IsNaN(s.Mean) || !math.IsNaN(s.SD) {
			t.Errorf("undefined statistic summarised as %+v", s)
		}
	}
	if cells, err := Summarize(nil); err != nil || cells != nil {
		t.Errorf("Summarize(nil) = %v, %v", cells, err)
	}
}

// TestGridDescriptionPlurals: one of a thing is singular in titles.
func TestGridDescriptionPlurals(t *testing.T) {
	t.Parallel()
	got := GridDescription(Config{Methods: []string{"rb-prob"}, Alphas: []float64{0.3}, Flips: []string{"0"}, Runs: 1})
	if want := "1 method × 1 alpha × 1 flip count × 1 run"; got != want {
		t.Errorf("GridDescription = %q, want %q", got, want)
	}
	got = GridDescription(Config{Methods: []string{"rb-prob", "random"}, Alphas: []float64{0.3, 0.5}, Flips: []string{"0", "10"}, Runs: 3})
	if want := "2 methods × 2 alphas × 2 flip counts × 3 runs"; got != want {
		t.Errorf("GridDescription = %q, want %q", got, want)
	}
}
