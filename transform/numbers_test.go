package transform

// Numbers, end to end: awkward feature cells, columns and references go
// through a whole flip (pass 1, scores, rewrite). docs/RELIABILITY.md,
// "Numbers", lists these cases.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/scorer"
)

// numbersTable makes id,x,g,y rows with a feature column x whose cell in
// row i is cell(i); minority rows are every third row. The label depends
// on i so that both labels occur in the majority.
func numbersTable(n int, cell func(i int) string) string {
	var b strings.Builder
	b.WriteString("id,x,c,g,y\n")
	for i := 0; i < n; i++ {
		g := "maj"
		if i%3 == 0 {
			g = "min"
		}
		y := "0"
		if (i*7)%5 < 2 {
			y = "1"
		}
		fmt.Fprintf(&b, "%d,%s,k,%s,%s\n", i, cell(i), g, y)
	}
	return b.String()
}

// flipAll runs every scoring method with --flips auto and 5, checks that
// only label cells changed, that the scores are finite, and that a second
// run gives the same bytes. It returns the rb-prob plan.
func flipAll(t *testing.T, in string, edit func(*Options)) *Plan {
	t.Helper()
	var probPlan *Plan
	for _, m := range scorer.Names() {
		for _, flips := range []string{"auto", "5"} {
			if m == MethodRandom && flips == "auto" {
				continue
			}
			o := baseOpts()
			o.Method, o.K = m, 3
			o.Features = []string{"x", "c"}
			o.Flips, _ = ParseFlips(flips)
			if edit != nil {
				edit(&o)
			}
			out, p, err := flipBytes(t, in, o)
			if err != nil {
				t.Fatalf("%s %s: %v", m, flips, err)
			}
			rows := changedRows(t, in, out, tableio.Dialect{Header: true}, 4)
			if len(rows) != len(p.Rows) {
				t.Fatalf("%s %s: changed %v, plan %v", m, flips, rows, p.Rows)
			}
			for _, s := range p.Scores {
				if math.IsNaN(s) || math.IsInf(s, 0) {
					t.Fatalf("%s %s: score %v", m, flips, s)
				}
			}
			out2, _, err := flipBytes(t, in, o)
			if err != nil || out2 != out {
				t.Fatalf("%s %s: second run differs (%v)", m, flips, err)
			}
			if m == MethodRBProb && flips == "auto" {
				probPlan = p
			}
		}
	}
	return probPlan
}

// TestFlipInfinityCells: a numeric column with Inf, -Infinity and 1e400
// cells stays numeric; those cells are missing, with a notice.
func TestFlipInfinityCells(t *testing.T) {
	t.Parallel()
	in := numbersTable(90, func(i int) string {
		switch i {
		case 4:
			return "Inf"
		case 10:
			return "-Infinity"
		case 12: // a candidate row
			return "1e400"
		}
		return fmt.Sprint((i * 13) % 17)
	})
	p := flipAll(t, in, nil)
	want := "feature x: 3 numbers infinite or beyond the range of a float64 (such as Inf, -Inf or 1e400); read as missing"
	if !reflect.DeepEqual(p.Summary.Notices, []string{want}) {
		t.Errorf("notices %q, want %q", p.Summary.Notices, want)
	}
	// x stays numeric: its missing cells give it an indicator; a text
	// column of 17+ distinct values would have been one-hot encoded.
	o := baseOpts()
	o.Features = []string{"x"}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	d, err := o.LoadLocal(t.Context(), tableFile(t, "t.csv", []byte(in)))
	if err != nil {
		t.Fatal(err)
	}
	if c := d.Features[0]; !c.Numeric || c.NonFinite != 3 || !math.IsNaN(c.Num[12]) {
		t.Errorf("x: numeric %v NonFinite %d", c.Numeric, c.NonFinite)
	}
}

// TestFlipTextLikeNumbers: hexadecimal floats and 1_000 make a column
// text; NaN is missing.
func TestFlipTextLikeNumbers(t *testing.T) {
	t.Parallel()
	for _, odd := range []string{"0x1p-2", "1_000", "+NaN"} {
		in := numbersTable(60, func(i int) string {
			if i == 5 {
				return odd
			}
			if i == 7 {
				return "NaN"
			}
			return fmt.Sprint(i % 4)
		})
		p := flipAll(t, in, nil)
		if len(p.Summary.Notices) != 0 {
			t.Errorf("%s: notices %q", odd, p.Summary.Notices)
		}
		o := baseOpts()
		o.Features = []string{"x"}
		if err := o.Validate(); err != nil {
			t.Fatal(err)
		}
		d, err := o.LoadLocal(t.Context(), tableFile(t, "t.csv", []byte(in)))
		if err != nil {
			t.Fatal(err)
		}
		if c := d.Features[0]; c.Numeric || c.Levels[c.Codes[5]] != odd || c.Codes[7] != -1 {
			t.Errorf("%s: numeric %v levels %q", odd, c.Numeric, c.Levels)
		}
	}
}

// TestFlipExtremeMagnitudes: 1e300, 1e-300 and ±1.7e308 in one column;
// constant columns; an all-missing column: every method runs, with finite
// scores, and the same bytes twice.
func TestFlipExtremeMagnitudes(t *testing.T) {
	t.Parallel()
	extreme := []string{"1e300", "1e-300", "-1e300", "1.7e308", "-1.7e308", "0", "4e-320"}
	in := numbersTable(90, func(i int) string { return extreme[(i*5)%len(extreme)] })
	flipAll(t, in, nil)
	// Constant numeric, constant text and all-missing features.
	for name, cell := range map[string]func(int) string{
		"constant":    func(int) string { return "7" },
		"missing":     func(int) string { return "" },
		"constant -0": func(i int) string { return []string{"0", "-0"}[i%2] },
	} {
		in := numbersTable(60, cell)
		flipAll(t, in, nil)
		// Every feature is constant on the reference: rb-prob gives every
		// candidate the same probability, so a count takes candidates in
		// row order.
		o := baseOpts()
		o.Features = []string{"x", "c"}
		o.Flips = FlipRule{Kind: FlipCount, N: 4}
		_, p, err := flipBytes(t, in, o)
		if err != nil {
			t.Fatal(err)
		}
		if !sortedAsc(p.Rows) || len(p.Rows) != 4 {
			t.Errorf("%s: rows %v", name, p.Rows)
		}
	}
}

func sortedAsc(r []int) bool {
	for i := 1; i < len(r); i++ {
		if r[i] <= r[i-1] {
			return false
		}
	}
	return true
}

// singleLabel makes a table whose majority rows all have label maj and
// whose minority rows are negative, with a feature x.
func singleLabel(n int, maj string) string {
	var b strings.Builder
	b.WriteString("id,x,c,g,y\n")
	for i := 0; i < n; i++ {
		g, y := "maj", maj
		if i%3 == 0 {
			g, y = "min", "0"
		}
		fmt.Fprintf(&b, "%d,%d,k,%s,%s\n", i, (i*13)%17, g, y)
	}
	return b.String()
}

// TestFlipSingleLabelReference: every reference row has the same label.
func TestFlipSingleLabelReference(t *testing.T) {
	t.Parallel()
	const n = 30 // minority rows 0, 3, …, 27: a pool of 10
	pool := []int{0, 3, 6, 9, 12, 15, 18, 21, 24, 27}
	for _, tc := range []struct {
		maj, method, flips string
		rows               []int
		notice, err        string
	}{
		{"0", MethodRBProb, "auto", nil, "all 20 reference rows are negative: every candidate gets the score 0", ""},
		{"0", MethodRBProb, "3", pool[:3], "all 20 reference rows are negative", ""},
		{"0", MethodRBLabel, "auto", nil, "all 20 reference rows are negative", ""},
		{"0", MethodRBLabel, "3", pool[:3], "all 20 reference rows are negative", ""},
		{"0", MethodRBDist, "auto", nil, "all 20 reference rows are negative: every candidate gets the score 0", ""},
		{"0", MethodRBDist, "3", pool[:3], "all 20 reference rows are negative", ""},
		{"1", MethodRBProb, "auto", pool, "all 20 reference rows are positive: every candidate gets the score 1", ""},
		{"1", MethodRBProb, "3", pool[:3], "all 20 reference rows are positive", ""},
		{"1", MethodRBLabel, "auto", pool, "every candidate gets the score 3", ""},
		{"1", MethodRBDist, "auto", pool, "every candidate counts as nearer the positive rows", ""},
	} {
		name := tc.maj + "/" + tc.method + "/" + tc.flips
		in := singleLabel(n, tc.maj)
		o := baseOpts()
		o.Method, o.K = tc.method, 3
		o.Flips, _ = ParseFlips(tc.flips)
		var log bytes.Buffer
		o.Log = &log
		_, p, err := flipBytes(t, in, o)
		if tc.err != "" {
			if !errors.Is(err, fferr.ErrData) || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(p.Rows) != len(tc.rows) || (len(tc.rows) > 0 && !reflect.DeepEqual(p.Rows, tc.rows)) {
			// rb-label and rb-dist with all positive rank by distance, so
			// only the set matters for auto (the whole pool).
			t.Errorf("%s: rows %v, want %v", name, p.Rows, tc.rows)
		}
		if !strings.Contains(log.String(), tc.notice) || strings.Count(log.String(), "fairflip: ") != 1 {
			t.Errorf("%s: stderr %q, want one notice containing %q", name, log.String(), tc.notice)
		}
	}
}

// TestFlipOneRowGroups: a single minority row, and a single majority row
// (k larger than the reference: searched whole).
func TestFlipOneRowGroups(t *testing.T) {
	t.Parallel()
	oneMin := "x,g,y\n1,min,0\n2,maj,1\n3,maj,0\n5,maj,1\n"
	o := baseOpts()
	o.Flips = FlipRule{Kind: FlipCount, N: 1}
	out, p, err := flipBytes(t, oneMin, o)
	if err != nil || !reflect.DeepEqual(p.Rows, []int{0}) || !strings.HasPrefix(out, "x,g,y,fairflip_audit\n1,min,1,fairflip/1 col=3 label=y method=rb-prob score=") {
		t.Errorf("one minority row: %v %v\n%s", p, err, out)
	}
	oneMaj := "x,g,y\n1,min,0\n2,min,0\n3,maj,1\n4,min,1\n"
	for _, m := range scorer.Names() {
		o := baseOpts()
		o.Method, o.K = m, 10
		o.Flips = FlipRule{Kind: FlipCount, N: 1}
		_, p, err := flipBytes(t, oneMaj, o)
		// The one reference row is positive, and x is constant on it
		// (encoded 0): the learning methods give every candidate the same
		// scores, and the first in row order flips.
		if err != nil || len(p.Rows) != 1 || (m != MethodRandom && p.Rows[0] != 0) {
			t.Errorf("%s one majority row: %v %v", m, p, err)
		}
	}
}

// TestFlipSeparableReference: a reference the feature separates
// perfectly: rb-prob converges (no notice) and its scores are finite and
// follow the feature.
func TestFlipSeparableReference(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("x,g,y\n")
	for i := 0; i < 300; i++ {
		g := "maj"
		if i%3 == 0 {
			g = "min"
		}
		x := i % 50
		y := "0"
		if x >= 25 && g == "maj" {
			y = "1"
		}
		fmt.Fprintf(&b, "%d,%s,%s\n", x, g, y)
	}
	in := b.String()
	o := baseOpts()
	var log bytes.Buffer
	o.Log = &log
	_, p, err := flipBytes(t, in, o)
	if err != nil {
		t.Fatal(err)
	}
	if log.Len() != 0 {
		t.Errorf("stderr %q", log.String())
	}
	for k, r := range p.Rows {
		if x := r % 50; x < 25 || math.IsNaN(p.Scores[k]) || !(p.Scores[k] > 0.5 && p.Scores[k] <= 1) {
			t.Errorf("row %d (x=%d) flipped with score %v", r, x, p.Scores[k])
		}
	}
	if len(p.Rows) != 50 { // minority rows with x ≥ 25: half of 100
		t.Errorf("%d flips, want 50", len(p.Rows))
	}
}
