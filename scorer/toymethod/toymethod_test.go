// Package toymethod_test shows that a scoring method is one file plus one
// registration: this file defines a method, registers it, and runs a flip
// (the staged stages, then undo) and a sweep with it, through the same
// code that runs the builtin methods. No other file names it.
//
// It lives in a package of its own so that the method it registers is
// seen by no other test.
package toymethod_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/figures"
	"github.com/fairflip/fairflip/internal/flipcli"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/sweep"
	"github.com/fairflip/fairflip/transform"
)

// The method: a candidate's score is its first numeric feature,
// standardised on the reference rows; it is estimated positive when that
// is above the reference's mean.
var toy = &scorer.Method{
	Name:   "toy",
	Help:   "the first numeric feature (auto: above the reference's mean)",
	Learns: true,
	Auto:   true,
	Fit: func(ref scorer.Reference, _ scorer.Params) (scorer.Fitted, []string, error) {
		if ref.X.P == 0 {
			return nil, nil, errors.New("there is no numeric feature")
		}
		return toyFit{}, nil, nil
	},
	Decode: func([]byte, int) (scorer.Fitted, error) { return toyFit{}, nil },
}

type toyFit struct{}

func (toyFit) Score(c scorer.Candidates) (*model.Scores, error) {
	s := &model.Scores{Primary: make([]float64, c.X.N), Positive: make([]bool, c.X.N)}
	for i := range s.Primary {
		s.Primary[i] = c.X.Num[i*c.X.P]
		s.Positive[i] = s.Primary[i] > 0
	}
	s.Secondary = s.Primary
	return s, nil
}

func (toyFit) MarshalBinary() ([]byte, error) { return nil, nil }

func init() {
	if err := scorer.Register(toy); err != nil {
		panic(err)
	}
}

// table has distinct x values; minority rows are every fourth, and their
// labels are mostly negative.
func table(n, seed int) (csv string, x []float64, minority, positive []bool) {
	var b strings.Builder
	b.WriteString("x,z,g,y\n")
	for i := 0; i < n; i++ {
		xi := (i*37 + seed) % n
		min := i%4 == 0
		y := xi >= n/2
		if min {
			y = i%16 == 0 && xi > n*3/4
		}
		fmt.Fprintf(&b, "%d,%s,%s,%d\n", xi, []string{"a", "b", "c"}[i%3], map[bool]string{true: "min", false: "maj"}[min], map[bool]int{true: 1, false: 0}[y])
		x, minority, positive = append(x, float64(xi)), append(minority, min), append(positive, y)
	}
	return b.String(), x, minority, positive
}

// writeFile writes data to a new file named name and returns its path.
func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o666); err != nil {
		t.Fatal(err)
	}
	return path
}

func options() transform.Options {
	return transform.Options{Config: transform.Config{
		Dialect: tableio.Dialect{Header: true}, Sensitive: []string{"g"}, Minority: []string{"min"},
		Label: "y", Positive: []string{"1"}, Features: []string{"x"}, Method: "toy", K: 5, MaxFlips: -1, Seed: 1,
	}}
}

// expected returns the pool (minority rows with a negative label) in the
// toy's order, largest x first, and those above the majority's mean x.
func expected(t *testing.T, x []float64, minority, positive []bool) (order, above []int) {
	t.Helper()
	var sum float64
	n := 0
	for i := range x {
		if !minority[i] {
			sum += x[i]
			n++
		}
	}
	mean := sum / float64(n)
	for i := range x {
		if minority[i] && !positive[i] {
			order = append(order, i)
			if math.Abs(x[i]-mean) < 0.25 {
				t.Fatalf("row %d: x %v is too near the mean %v for the test", i, x[i], mean)
			}
			if x[i] > mean {
				above = append(above, i)
			}
		}
	}
	slices.SortFunc(order, func(a, b int) int { return int(x[b] - x[a]) })
	slices.Sort(above)
	return order, above
}

func TestToyIsRegistered(t *testing.T) {
	t.Parallel()
	if got := scorer.Names(); !slices.Equal(got, []string{"rb-prob", "rb-label", "rb-dist", "random", "toy"}) {
		t.Fatalf("methods %q", got)
	}
	if u := flipcli.MethodUsage(); !strings.HasSuffix(u, "; toy, "+toy.Help) {
		t.Errorf("--method's help does not end with the toy: %q", u)
	}
	o := options()
	o.Flips = transform.FlipRule{Kind: transform.FlipAuto}
	if err := o.Validate(); err != nil {
		t.Errorf("--method toy --flips auto: %v", err)
	}
}

// TestToyFlip flips with the toy through the staged stages (what the
// command line and fairflip-beam run): the rows flipped are the pool's
// largest x, the audit cells name the toy, and undo restores the input.
func TestToyFlip(t *testing.T) {
	t.Parallel()
	csv, x, minority, positive := table(400, 1)
	order, above := expected(t, x, minority, positive)
	path := writeFile(t, "in.csv", csv)
	for _, c := range []struct {
		flips transform.FlipRule
		want  []int
	}{
		{transform.FlipRule{Kind: transform.FlipCount, N: 7}, slices.Sorted(slices.Values(order[:7]))},
		{transform.FlipRule{Kind: transform.FlipAuto}, above},
	} {
		o := options()
		o.Flips = c.flips
		var log bytes.Buffer
		o.Log = &log
		lf, err := o.PlanLocal(context.Background(), []transform.Source{{Path: path}}, 1024)
		if err != nil {
			t.Fatal(err)
		}
		files, dp := lf.Files, lf.Plan
		var got []int
		for _, s := range dp.Flips[0] {
			got = append(got, int(s.Key))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("--flips %s: flipped rows %v, want %v", c.flips, got, c.want)
		}
		if dp.Summary.Method != "toy" || dp.Summary.K != 0 || dp.Summary.Pool != len(order) {
			t.Errorf("summary: method %q, k %d, pool %d", dp.Summary.Method, dp.Summary.K, dp.Summary.Pool)
		}
		var out bytes.Buffer
		if err := o.WriteDist(context.Background(), files[0], dp, &out); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(out.String(), " method=toy "); n != len(c.want) {
			t.Errorf("%d audit cells name the toy, want %d", n, len(c.want))
		}
		var back bytes.Buffer
		if _, err := transform.Undo(context.Background(), transform.Source{Path: writeFile(t, "out.csv", out.String())}, &back, transform.UndoOptions{Dialect: tableio.Dialect{Header: true}}); err != nil {
			t.Fatal(err)
		}
		if back.String() != csv {
			t.Error("undo does not give the input back")
		}
	}
}

// TestToySweep runs a sweep whose methods are the default (every
// registered method): the toy's cells are there, in registry order, its
// flip counts follow its scores, and the plots' legends show it.
func TestToySweep(t *testing.T) {
	t.Parallel()
	trainCSV, x, minority, positive := table(400, 1)
	testCSV, _, _, _ := table(200, 5)
	o := options()
	o.Method = transform.MethodRBProb
	load := func(name, csv string) *transform.Dataset {
		d, err := o.LoadLocal(context.Background(), transform.Source{Path: writeFile(t, name, csv)})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	train, test := load("train.csv", trainCSV), load("test.csv", testCSV)
	cfg := sweep.Config{Options: o, Alphas: []float64{1}, Flips: []string{"0", "3", "auto"}, Runs: 1, Seed: 1, Workers: 1}
	res, _, err := sweep.Run(context.Background(), cfg, train, test)
	if err != nil {
		t.Fatal(err)
	}
	order, above := expected(t, x, minority, positive)
	flips := map[string]int{}
	for _, r := range res {
		if r.Method == "toy" {
			flips[r.FlipsRequested] = r.Flips
			if r.Pool != len(order) {
				t.Errorf("toy pool %d, want %d", r.Pool, len(order))
			}
		}
	}
	if want := map[string]int{"0": 0, "3": 3, "auto": len(above)}; fmt.Sprint(flips) != fmt.Sprint(want) {
		t.Errorf("toy flips %v, want %v", flips, want)
	}
	cells, err := sweep.Summarize(res)
	if err != nil {
		t.Fatal(err)
	}
	var methods []string
	for _, c := range cells {
		if len(methods) == 0 || methods[len(methods)-1] != c.Method {
			methods = append(methods, c.Method)
		}
	}
	if !slices.Equal(methods, []string{"rb-prob", "rb-label", "rb-dist", "random", "toy"}) {
		t.Errorf("cells by method %q", methods)
	}
	dir := t.TempDir()
	if _, err := figures.Write(dir, res, cells, sweep.PlotInfo{Dataset: "toy table"}); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "eqod_vs_flips_alpha1.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte(">toy<")) {
		t.Error("the plot's legend does not show the toy")
	}
}
