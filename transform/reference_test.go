package transform

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/scorer"
)

// refTable is a table with numeric and text features: id, x, color, g, y, z.
func refTable(n, seed int) (header []string, rows [][]string) {
	header = []string{"id", "x", "color", "g", "y", "z"}
	colors := []string{"red", "green", "blue", "grey"}
	for i := 0; i < n; i++ {
		k := i*7 + seed
		g := "maj"
		if k%3 == 0 {
			g = "min"
		}
		y := "0"
		if (k*11)%7 < 3 {
			y = "1"
		}
		rows = append(rows, []string{fmt.Sprint(i), fmt.Sprint((k * 13) % 17), colors[(k/2)%4], g, y, fmt.Sprintf("%.2f", float64(k%29)/3)})
	}
	return header, rows
}

// csvOf writes the columns named in order (a name not in header is an
// extra column of made-up cells).
func csvOf(header []string, rows [][]string, order []string) string {
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	var b strings.Builder
	b.WriteString(strings.Join(order, ",") + "\n")
	for r, row := range rows {
		cells := make([]string, len(order))
		for j, name := range order {
			if i, ok := idx[name]; ok {
				cells[j] = row[i]
			} else {
				cells[j] = fmt.Sprintf("%s-%d", name, r%5)
			}
		}
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	return b.String()
}

// TestReferenceByName: a --reference file is read by column name. The same
// rows with the columns in another order, with extra columns, give the same
// flips as the reference in the input's order, in the one-process flip and
// in the staged flip (which must also agree with each other).
func TestReferenceByName(t *testing.T) {
	t.Parallel()
	header, rows := refTable(600, 0)
	_, refRows := refTable(400, 5)
	in := csvOf(header, rows, header)
	same := csvOf(header, refRows, header)
	shuffled := csvOf(header, refRows, []string{"z", "extra1", "y", "color", "g", "x", "extra2", "id"})
	paths := writeFiles(t, []string{"in.csv", "same.csv", "shuffled.csv"}, []string{in, same, shuffled})
	for _, m := range scorer.Names() {
		for _, feats := range [][]string{nil, {"x", "color"}, {"#6", "#3"}} {
			t.Run(fmt.Sprintf("%s/%v", m, feats), func(t *testing.T) {
				o := baseOpts()
				o.Method, o.K, o.Alpha, o.Flips = m, 5, 0.8, FlipRule{Kind: FlipCount, N: 25}
				o.Features, o.Exclude, o.Categorical = feats, nil, []string{"x"}
				if feats == nil {
					o.Exclude = []string{"id"}
				}
				o.Reference = paths[1]
				want, wp, err := onePass(t, paths[:1], o)
				if err != nil {
					t.Fatal(err)
				}
				o.Reference = paths[2]
				got, gp, err := onePass(t, paths[:1], o)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got[0], want[0]) {
					t.Errorf("one process: the shuffled reference flips other rows than the reference in the input's order")
				}
				if gp.Summary.ReferenceRows != wp.Summary.ReferenceRows || gp.Summary.Flips != wp.Summary.Flips || strings.Join(gp.Summary.Features, ",") != strings.Join(wp.Summary.Features, ",") {
					t.Errorf("one process: summaries differ: %+v vs %+v", gp.Summary, wp.Summary)
				}
				if m != MethodRandom && gp.Summary.ReferenceRows == 0 {
					t.Errorf("no reference rows")
				}
				sameFlip(t, paths[:1], o, 300) // the staged flip with the shuffled reference equals the one-process flip
			})
		}
	}
}

// TestReferenceAnyFormat: the input and the --reference may be of any
// formats: the same rows as CSV or Parquet give the same flips (the same
// rows and scores; byte for byte the same output for one input format).
func TestReferenceAnyFormat(t *testing.T) {
	t.Parallel()
	header, rows := refTable(600, 0)
	_, refRows := refTable(400, 5)
	in, ref := csvOf(header, rows, header), csvOf(header, refRows, header)
	paths := writeFiles(t, []string{"in.csv", "ref.csv", "in.parquet", "ref.parquet"},
		[]string{in, ref, string(toParquet(t, in, 250)), string(toParquet(t, ref, 100))})
	for _, m := range scorer.Names() {
		t.Run(m, func(t *testing.T) {
			o := baseOpts()
			o.Method, o.K, o.Alpha, o.Flips, o.Exclude = m, 5, 0.8, FlipRule{Kind: FlipCount, N: 25}, []string{"id"}
			var first *Plan
			outs := map[string][]byte{}
			for _, c := range [][2]int{{0, 1}, {0, 3}, {2, 3}, {2, 1}} {
				o.Reference = paths[c[1]]
				out, lf, err := flipSources(o, sources(paths[c[0]:c[0]+1]))
				if err != nil {
					t.Fatalf("%s with %s: %v", paths[c[0]], paths[c[1]], err)
				}
				p := planOf(lf, 0)
				if first == nil {
					first = p
				} else if fmt.Sprint(p.Rows, p.Scores) != fmt.Sprint(first.Rows, first.Scores) || p.Summary.ReferenceRows != first.Summary.ReferenceRows {
					t.Errorf("%s with %s: rows %v, scores %v; with CSV files: %v, %v", paths[c[0]], paths[c[1]], p.Rows, p.Scores, first.Rows, first.Scores)
				}
				if prev, ok := outs[paths[c[0]]]; ok && !bytes.Equal(prev, out[0]) {
					t.Errorf("%s: the output with %s differs from the other reference's", paths[c[0]], paths[c[1]])
				}
				outs[paths[c[0]]] = out[0]
			}
			if m != MethodRandom && first.Summary.ReferenceRows == 0 {
				t.Error("no reference rows")
			}
		})
	}
}

// TestReferenceColumnErrors: a reference without a column the plan reads
// is a usage error naming the column, in both pipelines.
func TestReferenceColumnErrors(t *testing.T) {
	t.Parallel()
	header, rows := refTable(90, 0)
	in := csvOf(header, rows, header)
	cases := []struct {
		name, ref string
		features  []string
		msg       string
	}{
		{"no feature column", csvOf(header, rows, []string{"id", "x", "g", "y", "z"}), nil, `has no column "color", the input's feature column`},
		{"no named feature", csvOf(header, rows, []string{"id", "color", "g", "y", "z"}), []string{"x"}, `has no column "x", the input's feature column`},
		{"no label", csvOf(header, rows, []string{"id", "x", "color", "g", "z"}), nil, `has no column "y", the input's label column`},
		{"no sensitive column", csvOf(header, rows, []string{"id", "x", "color", "y", "z"}), nil, `has no column "g", the input's sensitive column`},
		{"a repeated name", "id,x,color,g,y,z,x\n1,2,red,maj,1,3,4\n", nil, `has 2 columns named "x"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			paths := writeFiles(t, []string{"in.csv", "ref.csv"}, []string{in, c.ref})
			o := baseOpts()
			o.Method, o.K, o.Flips, o.Features = MethodRBLabel, 3, FlipRule{Kind: FlipCount, N: 5}, c.features
			o.Reference = paths[1]
			_, _, err1 := onePass(t, paths[:1], o)
			_, _, err2 := staged(t, paths[:1], o, 0)
			for i, err := range []error{err1, err2} {
				if err == nil || !errors.Is(err, fferr.ErrUsage) || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), paths[1]) {
					t.Errorf("pipeline %d: got %v, want a usage error naming %s with %q", i, err, paths[1], c.msg)
				}
			}
		})
	}
	t.Run("no header, other column count", func(t *testing.T) {
		paths := writeFiles(t, []string{"in.csv", "ref.csv"}, []string{"1,min,0\n2,maj,1\n3,maj,0\n", "1,maj,1,9\n"})
		o := baseOpts()
		o.Dialect.Header = false
		o.Sensitive, o.Label, o.Method, o.Flips = []string{"#2"}, "#3", MethodRBLabel, FlipRule{Kind: FlipCount, N: 1}
		o.Reference = paths[1]
		_, _, err1 := onePass(t, paths[:1], o)
		_, _, err2 := staged(t, paths[:1], o, 0)
		for i, err := range []error{err1, err2} {
			if err == nil || !errors.Is(err, fferr.ErrUsage) || !strings.Contains(err.Error(), "matched by position") {
				t.Errorf("pipeline %d: got %v", i, err)
			}
		}
	})
}
