package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/sweep"
)

const hostile = `<script>alert(1)</script>`

// testData is a small sweep: rb-prob and random × alphas 0.3, 0.5 × flips
// 0, 10, 20 × 2 runs, a firm-side baseline, and every name a user gives
// replaced by markup.
func testData(t *testing.T) Data {
	t.Helper()
	var rs []sweep.Result
	for _, m := range []string{"rb-prob", "random"} {
		for _, a := range []float64{0.3, 0.5} {
			for _, n := range []int{0, 10, 20} {
				for run := range 2 {
					gain := 0.004
					if m == "rb-prob" {
						gain = 0.006
					}
					f := float64(n)
					rs = append(rs, sweep.Result{
						Side: sweep.SideCollective, Method: m, Alpha: a, FlipsRequested: []string{"0", "10", "20"}[n/10],
						Flips: n, Run: run, Collective: int(100 * a), Pool: int(80 * a), N: 1000,
						Error: 0.15 + 0.0005*f + 0.001*float64(run), EqOdMean: 0.2 - gain*f*a, EqOdMax: 0.25 - gain*f*a, SP: 0.1,
						TPRMin: 0.4 + 0.01*f*a + 0.01*float64(run), TPRMaj: 0.6, FPRMin: 0.03 + 0.001*f, FPRMaj: 0.07,
						PPRMin: 0.08 + 0.002*f, PPRMaj: 0.2,
					})
				}
			}
		}
	}
	rs = append(rs, sweep.Result{Side: sweep.SideFirm, Method: "massaging", Alpha: math.NaN(), FlipsRequested: "10", Flips: 10,
		N: 1000, Error: 0.16, EqOdMean: 0.05, EqOdMax: 0.06})
	sweep.SortResults(rs)
	cells, err := sweep.Summarize(rs)
	if err != nil {
		t.Fatal(err)
	}
	return Data{
		Info:     sweep.PlotInfo{Dataset: "data.csv (" + hostile + ": minority " + hostile + ")", Model: "logistic regression", Grid: "2 methods × 2 alphas × 3 flip counts × 2 runs"},
		Minority: hostile + " = " + hostile,
		Majority: "everyone else",
		Label:    hostile,
		Positive: "1",
		Command:  []string{"fairflip", "sweep", "data.csv", "--sensitive", hostile, "--positive", ">50K"},
		Settings: []Setting{{Name: "sensitive", Value: hostile, Given: true}, {Name: "runs", Value: "10"}},
		Inputs:   []InputFile{{Flag: "INPUT", Path: hostile + ".csv", SHA256: strings.Repeat("ab", 32), Size: 12}},
		Counts:   Counts{TrainN: [2]int{200, 800}, TrainPos: [2]int{20, 200}, TestN: [2]int{100, 400}, TestPos: [2]int{12, 100}},
		Results:  rs,
		Cells:    cells,
		Recs:     sweep.Recommend(cells, 0.1),
		Notices:  []string{"a notice about " + hostile},
		Version:  "test",
	}
}

func render(t *testing.T, d Data) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReportEscapesInput: names from the input (column names, values,
// file names) are text on the page, never markup, in the HTML and in the
// inline SVG figures alike.
func TestReportEscapesInput(t *testing.T) {
	t.Parallel()
	page := render(t, testData(t))
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Fatal("the page contains a <script element: input was not escaped")
	}
	if n := strings.Count(page, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 8 {
		t.Errorf("the hostile name appears escaped %d times, want it everywhere it is shown (title, summary, figures, settings, inputs, notices)", n)
	}
}

// TestReportSelfContained: the page loads nothing and runs nothing.
func TestReportSelfContained(t *testing.T) {
	t.Parallel()
	page := render(t, testData(t))
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</html>\n") {
		t.Error("not a complete HTML document")
	}
	for _, bad := range []string{"<link", "<img", "<iframe", "<object", "<embed", "src=", "@import", "url(", "<script", "javascript:"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	// The only URLs are the SVG namespaces.
	for _, u := range regexp.MustCompile(`https?://[^"'\s<>]+`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" && u != "http://www.w3.org/1999/xlink" {
			t.Errorf("the page refers to %s", u)
		}
	}
}

func TestReportContent(t *testing.T) {
	t.Parallel()
	d := testData(t)
	page := render(t, d)
	// Three figures: EqOd vs flips per alpha and best EqOd vs alpha, and the Pareto front; inline.
	if n := strings.Count(page, "<svg "); n != 4 {
		t.Errorf("%d inline SVG figures, want 4", n)
	}
	if strings.Contains(page, "<?xml") {
		t.Error("an SVG's XML declaration is left inside the HTML")
	}
	for _, want := range []string{
		`<table class="summary">`, `<table class="rates">`,
		"EqOd (equalized odds gap)", "SP (statistical parity gap)",
		// The recommendation at alpha 0.5: rb-prob with 20 flips, EqOd 0.2 − 0.006·20·0.5 = 0.14.
		"choose members by rb-prob and change 20 labels", "Expected EqOd 0.1400",
		"Without action: EqOd 0.2000", "The gap between the groups shrinks by 30.0%",
		// The target 0.1 is not reached.
		"The target EqOd of at most 0.1 is not reached",
		// Per-group rates before and after at alpha 0.5: TPR of the minority 40.5% → 50.5% (runs 0 and 1 averaged).
		"<td class=\"n\">40.5%</td><td class=\"n\">50.5%</td><td class=\"n\">60.0%</td><td class=\"n\">60.0%</td>",
		// Training base rate of the minority: 20/200 = 10.0% → (20 + 20)/200 = 20.0%; test 12.0% both.
		"<td class=\"n\">10.0%</td><td class=\"n\">20.0%</td><td class=\"n\">25.0%</td><td class=\"n\">25.0%</td>",
		"<td class=\"n\">12.0%</td><td class=\"n\">12.0%</td><td class=\"n\">25.0%</td><td class=\"n\">25.0%</td>",
		// How to rerun.
		strings.Repeat("ab", 32), "--positive &#39;&gt;50K&#39;", "firm-side are what the firm itself could do",
		`<tr class="recommended">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The same input, the same page.
	if page != render(t, d) {
		t.Error("two renderings of the same data differ")
	}
}

func TestReportTestSplitEstimates(t *testing.T) {
	t.Parallel()
	d := testData(t)
	d.Counts.TestSplit = 0.5
	page := render(t, d)
	// 20 flips on about half of the 200 minority rows: 10% + 20/100.
	if !strings.Contains(page, "≈ 10.0%</td><td class=\"n\">≈ 30.0%") || !strings.Contains(page, "are estimates") {
		t.Error("with a test split the base rates are not marked as estimates")
	}
}

func TestHashFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "in.csv")
	body := []byte("a,b\n1,2\n")
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := HashFile("INPUT", p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(body)) || f.Flag != "INPUT" || f.Path != p {
		t.Errorf("HashFile = %+v", f)
	}
	if f, err := HashFile("INPUT", "-"); err != nil || f.SHA256 != "" {
		t.Errorf("HashFile of standard input = %+v, %v; want no hash", f, err)
	}
	if _, err := HashFile("INPUT", filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("no error for a missing file")
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	got := shellQuote([]string{"fairflip", "--positive", ">50K", "--comment", "|", "it's", "", "a,b=c"})
	if want := `fairflip --positive '>50K' --comment '|' 'it'\''s' '' a,b=c`; got != want {
		t.Errorf("shellQuote = %s, want %s", got, want)
	}
}

// TestRecommendationFollowsAdvice: the report words each kind of advice
// (sweep.Advise) as the advice says, not as the grid's lowest EqOd: no
// action when the minority is favoured or nothing helps, the whole pool,
// ties, and the cell the error limit left out.
func TestRecommendationFollowsAdvice(t *testing.T) {
	t.Parallel()
	d := testData(t)
	base, ok := sweep.Base(d.Cells)
	if !ok {
		t.Fatal("the test sweep has no cell of 0 flips")
	}
	stat := func(m float64) sweep.Stat { return sweep.Stat{Mean: m, SD: 0.001, N: 2, Min: m, Max: m} }
	cell := func(method, flips string, made, eqod, errInc float64) sweep.Choice {
		return sweep.Choice{Method: method, Flips: flips, FlipsMade: stat(made), Pool: stat(24), EqOd: stat(eqod), Error: stat(0.15 + errInc), ErrorIncrease: errInc}
	}
	cases := []struct {
		name string
		r    sweep.Recommendation
		want []string
		not  []string
	}{
		{"favoured", sweep.Recommendation{Alpha: 0.3, Action: sweep.ActionNoActionFavoured, Reason: "the minority is already favoured",
			Advised: cell("", "0", 0, 0.2, 0), BestMethod: "rb-prob", BestFlips: "20"},
			[]string{"change no labels. The firm's model already favours the minority.", "Why: the minority is already favoured.", "after: no flips"},
			[]string{"choose members by"}},
		{"no gain", sweep.Recommendation{Alpha: 0.3, Action: sweep.ActionNoActionNoGain, Reason: "nothing beats no action",
			Advised: cell("", "0", 0, 0.2, 0)},
			[]string{"Nothing tried makes the firm's model clearly fairer within the error limit."}, nil},
		{"whole pool", sweep.Recommendation{Alpha: 0.3, Action: sweep.ActionFlipWholePool, Reason: "the whole pool",
			Advised: cell("rb-prob", "100%", 24, 0.05, 0.002)},
			[]string{"every member with a negative label changes it (24.0 labels on average)."}, []string{"choose members by"}},
		{"tie and limit", sweep.Recommendation{Alpha: 0.5, Action: sweep.ActionFlip, Reason: "the lowest EqOd within the limit", MaxErrorIncrease: 0.01,
			Advised:  cell("rb-prob", "10", 10, 0.17, 0.005),
			TiedWith: []sweep.Choice{cell("random", "15%", 9, 0.171, 0.004)},
			Excluded: &sweep.Choice{Method: "rb-prob", Flips: "20", EqOd: stat(0.14), ErrorIncrease: 0.02}},
			[]string{"choose members by rb-prob and change 10 labels (10.0 on average).",
				"Just as good (the runs cannot tell them apart): random, changing 15% of the candidates' labels",
				"A lower EqOd, 0.1400 ± 0.0010, comes with rb-prob changing 20 labels, but it raises the firm's error by +2.00 percentage points, more than the limit of 1.00"},
			nil},
	}
	for _, c := range cases {
		v := recommendation(d, c.r, base, true)
		text := v.Headline + "\n" + strings.Join(v.Reasons, "\n") + "\n" + v.After
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the recommendation lacks %q:\n%s", c.name, w, text)
			}
		}
		for _, w := range c.not {
			if strings.Contains(text, w) {
				t.Errorf("%s: the recommendation says %q:\n%s", c.name, w, text)
			}
		}
	}
}
