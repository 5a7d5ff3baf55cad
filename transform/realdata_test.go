package transform

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/scorer"
)

type realCase struct {
	name  string
	file  string
	opts  func() Options
	label int // 0-based label column
}

func realCases() []realCase {
	return []realCase{
		{"adult", "adult/adult.data", func() Options {
			return Options{Config: Config{
				Dialect: tableio.Dialect{}, HeaderNames: strings.Split(testdata.AdultColumns, ","),
				Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K"},
				Alpha: 0.3, Seed: 1, MaxFlips: -1,
			}}
		}, 14},
		{"adult.test", "adult/adult.test", func() Options {
			return Options{Config: Config{
				Dialect: tableio.Dialect{SkipLines: 1}, HeaderNames: strings.Split(testdata.AdultColumns, ","),
				Sensitive: []string{"sex"}, Minority: []string{"Female"}, Label: "income", Positive: []string{">50K."}, Negative: []string{"<=50K."},
				Alpha: 0.5, Seed: 3, MaxFlips: -1,
			}}
		}, 14},
		{"compas", "compas/compas-scores-two-years.csv", func() Options {
			return Options{Config: Config{
				Dialect:   tableio.Dialect{Header: true},
				Sensitive: []string{"race"}, Minority: []string{"African-American"}, Label: "two_year_recid", Positive: []string{"0"}, Negative: []string{"1"},
				Alpha: 0.3, Seed: 1, MaxFlips: -1,
			}}
		}, 52},
	}
}

// TestRealDataFidelity flips the real files with every method and checks that
// only the planned label cells changed, every other byte is as it was, and
// undo gives the input back byte for byte.
func TestRealDataFidelity(t *testing.T) {
	t.Parallel()
	for _, c := range realCases() {
		raw, err := os.ReadFile(testdata.Path(t, c.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range scorer.Names() {
			for _, flips := range []string{"auto", "150"} {
				if m == MethodRandom && flips == "auto" {
					continue
				}
				t.Run(c.name+"/"+m+"/"+flips, func(t *testing.T) {
					o := c.opts()
					o.Method = m
					o.Flips, _ = ParseFlips(flips)
					outBytes, p, err := flipPath(t, o, testdata.Path(t, c.file))
					if err != nil {
						t.Fatal(err)
					}
					out := bytes.NewBuffer(outBytes)
					rows := changedRows(t, string(raw), out.String(), o.Dialect, c.label)
					if len(rows) != p.Summary.Flips || (flips == "150" && len(rows) != 150) {
						t.Fatalf("%d rows changed, summary %d", len(rows), p.Summary.Flips)
					}
					for i := range rows {
						if rows[i] != p.Rows[i] {
							t.Fatalf("changed rows differ from the plan at %d", i)
						}
					}
					if m != MethodRandom && flips == "auto" && p.Summary.Flips == 0 {
						t.Fatalf("auto flipped nothing on %s", c.name)
					}
					back, _, err := undoFile(t, "flipped", out.Bytes(), UndoOptions{Dialect: o.Dialect})
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(back, raw) {
						t.Fatal("flip | undo is not the input byte for byte")
					}
				})
			}
		}
	}
}

// TestAdultCounts checks the counts of the Adult example against the
// data README (32,561 rows; 3,124 Black people in adult.data).
func TestAdultCounts(t *testing.T) {
	t.Parallel()
	c := realCases()[0]
	o := c.opts()
	o.Method = MethodRBProb
	lf, err := o.PlanLocal(context.Background(), []Source{{Path: testdata.Path(t, c.file)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := planOf(lf, 0)
	s := p.Summary
	if s.Rows != 32561 || s.Minority != 3124 || s.Majority != 29437 || s.Collective != 938 {
		t.Fatalf("rows %d minority %d majority %d collective %d", s.Rows, s.Minority, s.Majority, s.Collective)
	}
	// 387 of the 3,124 Black people in adult.data earn >50K.
	if got := float64(s.MinorityRateBefore) * 3124; got < 386.5 || got > 387.5 {
		t.Fatalf("minority positives %v, want 387", got)
	}
}

// Adult's test file writes its labels with a final dot (">50K."): read with
// the training file's --positive >50K, no row is positive, and LoadLocal
// says so with the values the file has. With both spellings, it is quiet.
func TestNoPositiveNotice(t *testing.T) {
	t.Parallel()
	path := testdata.Path(t, "adult/adult.test")
	o := Options{Config: Config{
		Dialect: tableio.Dialect{SkipLines: 1}, HeaderNames: strings.Split(testdata.AdultColumns, ","),
		Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K"},
		Method: MethodRandom, Flips: FlipRule{Kind: FlipCount, N: 1}, Alpha: 1, MaxFlips: -1,
	}}
	d, err := o.LoadLocal(context.Background(), Source{Path: path, Name: "adult.test"})
	if err != nil {
		t.Fatal(err)
	}
	want := `adult.test: no row of the minority or the majority has a positive label (--positive >50K), so base rates are 0 and TPR and EqOd undefined; its income values are "<=50K." (12435 rows), ">50K." (3846 rows)`
	found := false
	for _, n := range d.Notices {
		found = found || strings.HasPrefix(n, want)
	}
	if !found {
		t.Errorf("no notice of the missing positive label; notices: %q", d.Notices)
	}
	o.Positive = []string{">50K", ">50K."}
	if d, err = o.LoadLocal(context.Background(), Source{Path: path, Name: "adult.test"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range d.Notices {
		if strings.Contains(n, "no row of the minority or the majority has a positive label") {
			t.Errorf("a notice with positive rows present: %s", n)
		}
	}
}
