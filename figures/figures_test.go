package figures

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/sweep"
)

// plotTestData is a small sweep: rb-prob and random × alphas 0.3, 0.5 ×
// flips 0, 10, 20 × 3 runs, plus rb-prob "auto" cells, a firm-side massaging
// baseline, one run whose EqOd is undefined and one cell whose EqOd is
// undefined in every run.
func plotTestData(t *testing.T) ([]sweep.Result, []sweep.Cell) {
	var rs []sweep.Result
	for _, m := range []string{"random", "rb-prob"} { // not in plotting order on purpose
		for _, a := range []float64{0.5, 0.3} {
			flips := []string{"0", "10", "20"}
			if m == "rb-prob" {
				flips = append(flips, "auto")
			}
			for _, fr := range flips {
				n, err := strconv.Atoi(fr)
				if err != nil {
					n = 14 // auto
				}
				for run := range 3 {
					gain := 0.004
					if m == "rb-prob" {
						gain = 0.008
					}
					eq := 0.20 - gain*float64(n)*a/0.3 + 0.01*float64(run)
					r := sweep.Result{
						Side: sweep.SideCollective, Method: m, Alpha: a, FlipsRequested: fr,
						Flips: n + run%2, Run: run, Collective: 30, Pool: 20, N: 1000,
						Error: 0.15 + 0.0005*float64(n) + 0.002*float64(run), EqOdMean: eq,
					}
					if m == "random" && a == 0.5 && fr == "10" && run == 1 {
						r.EqOdMean = math.NaN() // one undefined run
					}
					if m == "rb-prob" && a == 0.5 && fr == "20" {
						r.EqOdMean = math.NaN() // a cell undefined in every run
					}
					rs = append(rs, r)
				}
			}
		}
	}
	for run := range 3 {
		rs = append(rs, sweep.Result{
			Side: sweep.SideFirm, Method: "massaging", Alpha: math.NaN(), FlipsRequested: "auto",
			Flips: 40, Run: run, N: 1000, Error: 0.17 + 0.001*float64(run), EqOdMean: 0.05 + 0.01*float64(run),
		})
	}
	return rs, plotTestCells(t, rs)
}

// plotTestCells summarises the results per cell, as the sweep command does.
func plotTestCells(t *testing.T, rs []sweep.Result) []sweep.Cell {
	t.Helper()
	cells, err := sweep.Summarize(rs)
	if err != nil {
		t.Fatal(err)
	}
	return cells
}

var plotTestInfo = sweep.PlotInfo{
	Dataset: "adult.data (race: Black vs rest)",
	Model:   "logistic regression (C=1)",
	Grid:    "2 methods × 2 alphas × 3 flip counts × 3 runs",
}

func TestPlotWritesFigures(t *testing.T) {
	t.Parallel()
	rs, cells := plotTestData(t)
	dir := filepath.Join(t.TempDir(), "figs") // created by Write
	paths, err := Write(dir, rs, cells, plotTestInfo)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"eqod_vs_flips_alpha0.3", "eqod_vs_flips_alpha0.5", "best_eqod_vs_alpha", "pareto_error_eqod"}
	var want []string
	for _, n := range names {
		want = append(want, filepath.Join(dir, n+".svg"), filepath.Join(dir, n+".png"))
	}
	if !slices.Equal(paths, want) {
		t.Fatalf("paths:\n got %q\nwant %q", paths, want)
	}

	for _, n := range names {
		svg, err := os.ReadFile(filepath.Join(dir, n+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		s := string(svg)
		if !strings.HasPrefix(s, "<?xml") || !strings.HasSuffix(s, "</svg>\n") {
			t.Errorf("%s.svg is not a complete SVG document", n)
		}
		for _, txt := range []string{plotTestInfo.Dataset, plotTestInfo.Model, plotTestInfo.Grid, "rb-prob", "random", "EqOd = ½(|ΔTPR|+|ΔFPR|)"} {
			if !strings.Contains(s, txt) {
				t.Errorf("%s.svg lacks %q", n, txt)
			}
		}
		if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
			t.Errorf("%s.svg contains an undefined number", n)
		}

		f, err := os.Open(filepath.Join(dir, n+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s.png: %v", n, err)
		}
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		if w < 600 || w > 2500 || h < 350 || h > 1600 || math.Abs(float64(w)/float64(h)-1.6) > 0.05 {
			t.Errorf("%s.png is %d×%d px, want about 16:10 and readable", n, w, h)
		}
	}

	read := func(n string) string {
		b, err := os.ReadFile(filepath.Join(dir, n+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, n := range names[:2] {
		if s := read(n); !strings.Contains(s, "no action") || !strings.Contains(s, "flips “auto” (rule)") {
			t.Errorf("%s.svg lacks the no-action line or the auto marker in its legend", n)
		}
	}
	if !strings.Contains(read(names[0]), "α = 0.3") {
		t.Errorf("%s.svg does not name its alpha", names[0])
	}
	if s := read("best_eqod_vs_alpha"); !strings.Contains(s, "no action") || !strings.Contains(s, plotLabelAlpha) {
		t.Error("best_eqod_vs_alpha.svg lacks the no-action line or the alpha axis label")
	}
	s := read("pareto_error_eqod")
	for _, txt := range []string{"massaging (firm-side)", "Pareto front (collective, means)", plotLabelError} {
		if !strings.Contains(s, txt) {
			t.Errorf("pareto_error_eqod.svg lacks %q", txt)
		}
	}
	if strings.Contains(read("best_eqod_vs_alpha"), "massaging") {
		t.Error("best_eqod_vs_alpha.svg shows a firm-side baseline")
	}
}

func TestPlotDeterministic(t *testing.T) {
	t.Parallel()
	rs, cells := plotTestData(t)
	d1, d2 := t.TempDir(), t.TempDir()
	p1, err := Write(d1, rs, cells, plotTestInfo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(d2, rs, cells, plotTestInfo); err != nil {
		t.Fatal(err)
	}
	for _, p := range p1 {
		b1, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := os.ReadFile(filepath.Join(d2, filepath.Base(p)))
		if err != nil {
			t.Fatal(err)
		}
		if len(b1) == 0 {
			t.Errorf("%s is empty", p)
		}
		if strings.HasSuffix(p, ".svg") && !bytes.Equal(b1, b2) {
			t.Errorf("%s differs between two calls", filepath.Base(p))
		}
	}
}

func TestPlotUndefinedAndEmpty(t *testing.T) {
	t.Parallel()
	// Only undefined values: nothing to draw, no figure, no error.
	nan := math.NaN()
	undef := sweep.Stat{Mean: nan, SD: nan}
	cells := []sweep.Cell{{Side: sweep.SideCollective, Method: "rb-prob", Alpha: 0.3, FlipsRequested: "10",
		Flips: undef, Error: undef, EqOdMean: undef}}
	rs := []sweep.Result{{Side: sweep.SideCollective, Method: "rb-prob", Alpha: 0.3, FlipsRequested: "10", Error: nan, EqOdMean: nan}}
	dir := t.TempDir()
	paths, err := Write(dir, rs, cells, sweep.PlotInfo{})
	if err != nil || len(paths) != 0 {
		t.Fatalf("Write of undefined values = %q, %v; want nothing", paths, err)
	}
	if paths, err := Write(dir, nil, nil, sweep.PlotInfo{}); err != nil || len(paths) != 0 {
		t.Fatalf("Write of nothing = %q, %v; want nothing", paths, err)
	}

	// A single run, a single alpha and flip count (SD undefined): still
	// drawn, but not best EqOd vs alpha (a point per method), which a
	// notice explains.
	one := []sweep.Result{{Side: sweep.SideCollective, Method: "rb-dist", Alpha: 1, FlipsRequested: "5", Flips: 5, Error: 0.2, EqOdMean: 0.1}}
	paths, err = Write(dir, one, plotTestCells(t, one), sweep.PlotInfo{Dataset: "d"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"eqod_vs_flips_alpha1.svg", "eqod_vs_flips_alpha1.png", "pareto_error_eqod.svg", "pareto_error_eqod.png"}
	var got []string
	for _, p := range paths {
		got = append(got, filepath.Base(p))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPlotParetoFront(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	xs := []float64{0.10, 0.20, 0.30, 0.40, 0.20, 0.50, nan, 0.10, 0.05}
	ys := []float64{0.30, 0.20, 0.25, 0.10, 0.20, 0.10, 0.00, 0.35, nan}
	// 0 front; 1 front; 2 dominated by 1; 3 front; 4 equal to 1, kept;
	// 5 dominated by 3 (same y, larger x); 6 and 8 undefined, left out and
	// dominating nothing; 7 dominated by 0 (same x, larger y).
	got := ParetoFront(xs, ys)
	if want := []int{0, 1, 4, 3}; !slices.Equal(got, want) {
		t.Errorf("ParetoFront = %v, want %v", got, want)
	}
	if got := ParetoFront(nil, nil); len(got) != 0 {
		t.Errorf("ParetoFront of nothing = %v", got)
	}
	if got := ParetoFront([]float64{1}, []float64{2}); !slices.Equal(got, []int{0}) {
		t.Errorf("ParetoFront of one point = %v", got)
	}
}

func TestPlotMethodOrder(t *testing.T) {
	t.Parallel()
	rs := []sweep.Result{{Method: "zeta"}, {Method: "random"}, {Method: "massaging"}, {Method: "rb-dist"}}
	cells := []sweep.Cell{{Method: "rb-prob"}, {Method: "random"}, {Method: "reweighing"}, {Method: "rb-label"}}
	got := plotMethods(rs, cells)
	want := []string{"rb-prob", "rb-label", "rb-dist", "random", "massaging", "reweighing", "zeta"}
	if !slices.Equal(got, want) {
		t.Errorf("plotMethods = %q, want %q", got, want)
	}
	if plotFmtAlpha(0.3) != "0.3" || plotFmtAlpha(1) != "1" || plotFmtAlpha(0.05) != "0.05" {
		t.Error("plotFmtAlpha")
	}
}

func TestPlotTicker(t *testing.T) {
	t.Parallel()
	var got []string
	for _, tk := range (plotTicker{}).Ticks(0, 20.5) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	if want := []string{"0", "5", "10", "15", "20"}; !slices.Equal(got, want) {
		t.Errorf("labels of [0, 20.5] = %q, want %q", got, want)
	}
	got = got[:0]
	for _, tk := range (plotTicker{}).Ticks(0.03, 0.215) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	if want := []string{"0.05", "0.10", "0.15", "0.20"}; !slices.Equal(got, want) {
		t.Errorf("labels of [0.03, 0.215] = %q, want %q", got, want)
	}
}

// TestPlotNoPartialFiles: when one figure cannot be put in place (here its
// name is taken by a folder, so its rename fails), no temporary file is
// left and no figure is partial: each is its old or a whole new version.
func TestPlotNoPartialFiles(t *testing.T) {
	t.Parallel()
	rs, cells := plotTestData(t)
	dir := t.TempDir()
	paths, err := Write(dir, rs, cells, plotTestInfo)
	if err != nil || len(paths) < 2 {
		t.Fatalf("%v, %d files", err, len(paths))
	}
	// Mark the existing files, and block the last one's name.
	for _, p := range paths[:len(paths)-1] {
		if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	last := paths[len(paths)-1]
	os.Remove(last)
	if err := os.Mkdir(last, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(last, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, rs, cells, plotTestInfo); err == nil {
		t.Fatal("no error with a folder in the way")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".fairflip-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	// Written in order: the files before the failing rename are new, and
	// no file is partial (each is old or a whole new figure).
	for _, p := range paths[:len(paths)-1] {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != "old" && len(b) < 100 {
			t.Errorf("%s is partial (%d bytes)", p, len(b))
		}
	}
}

// TestPlotSingleAlpha: with one alpha, best_eqod_vs_alpha is neither drawn
// nor listed, and Notices says why and where EqOd vs flips is.
func TestPlotSingleAlpha(t *testing.T) {
	t.Parallel()
	rs, _ := plotTestData(t)
	rs = slices.DeleteFunc(rs, func(r sweep.Result) bool { return r.Alpha == 0.5 })
	cells := plotTestCells(t, rs)
	dir := t.TempDir()
	paths, err := Write(dir, rs, cells, plotTestInfo)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range paths {
		got = append(got, filepath.Base(p))
	}
	want := []string{"eqod_vs_flips_alpha0.3.svg", "eqod_vs_flips_alpha0.3.png", "pareto_error_eqod.svg", "pareto_error_eqod.png"}
	if !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	if files := Files([]float64{0.3}); !slices.Equal(files, want) {
		t.Errorf("Files(0.3) = %q, want %q", files, want)
	}
	n := Notices(cells)
	if len(n) != 1 || !strings.Contains(n[0], "best_eqod_vs_alpha") || !strings.Contains(n[0], "eqod_vs_flips_alpha0.3") {
		t.Errorf("Notices = %q", n)
	}
	if _, full := plotTestData(t); Notices(full) != nil {
		t.Errorf("Notices of two alphas = %q", Notices(full))
	}
}

// TestPlotParetoLabels: the points of the Pareto front carry their method,
// alpha and flip count (the shared no-action point once); the title names
// firm-side baselines only when some ran.
func TestPlotParetoLabels(t *testing.T) {
	t.Parallel()
	rs, cells := plotTestData(t)
	var xs, ys []float64
	var front []string
	var coll []sweep.Cell
	for _, c := range cells {
		if c.Side == sweep.SideCollective {
			coll = append(coll, c)
			xs, ys = append(xs, c.EqOdMean.Mean), append(ys, c.Error.Mean)
		}
	}
	for _, i := range ParetoFront(xs, ys) {
		front = append(front, plotCellLabel(coll[i]))
	}
	if len(front) < 3 || !slices.Contains(front, "no action") || !slices.Contains(front, "rb-prob, α 0.5, M 10") {
		t.Fatalf("test data's front is %q; want the no-action point and at least two others", front)
	}
	read := func(rs []sweep.Result, cells []sweep.Cell) string {
		dir := t.TempDir()
		if _, err := Write(dir, rs, cells, plotTestInfo); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "pareto_error_eqod.svg"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	s := read(rs, cells)
	for _, l := range front {
		if !strings.Contains(s, ">"+l+"<") {
			t.Errorf("pareto_error_eqod.svg lacks the label %q", l)
		}
	}
	if n := strings.Count(s, ">no action<"); n != 1 {
		t.Errorf("the no-action point is labelled %d times, want once", n)
	}
	if !strings.Contains(s, "firm-side baselines") {
		t.Error("the title does not mention the firm-side baselines that ran")
	}
	coll2 := slices.DeleteFunc(slices.Clone(rs), func(r sweep.Result) bool { return r.Side == sweep.SideFirm })
	s = read(coll2, plotTestCells(t, coll2))
	if strings.Contains(s, "baseline") || strings.Contains(s, "firm-side") {
		t.Error("pareto_error_eqod.svg mentions baselines when none ran")
	}
	if !strings.Contains(s, "every run of the collective") {
		t.Error("the title does not say what was run")
	}
}

func TestPlotJoinLabels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"no action", "no action"}, "no action"},
		{[]string{"a", "b"}, "a; b"},
		{[]string{"a", "b", "a", "c", "d"}, "a; b; +2 more"},
	} {
		if got := plotJoinLabels(tc.in); got != tc.want {
			t.Errorf("plotJoinLabels(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
