package transform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/scorer"
)

// tableFile writes data to a file called name in a new temporary folder
// and returns it as a Source that messages call name.
func tableFile(t testing.TB, name string, data []byte) Source {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return Source{Path: p, Name: name}
}

// flipSources flips the table made of srcs in this process, as fairflip
// flip does (PlanLocal, then WriteDist for each file).
func flipSources(o Options, srcs []Source) ([][]byte, *LocalFlip, error) {
	lf, err := o.PlanLocal(context.Background(), srcs, 0)
	if err != nil {
		return nil, nil, err
	}
	var outs [][]byte
	for _, f := range lf.Files {
		var out bytes.Buffer
		if err := o.WriteDist(context.Background(), f, lf.Plan, &out); err != nil {
			return nil, nil, err
		}
		outs = append(outs, out.Bytes())
	}
	return outs, lf, nil
}

// planOf is file i's share of a flip, as a Plan (rows, scores, summary).
func planOf(lf *LocalFlip, i int) *Plan {
	p := &Plan{Summary: lf.Summary(), pool: lf.Plan.Pool[i]}
	for _, c := range lf.Plan.Flips[i] {
		p.Rows = append(p.Rows, int(c.Key))
		p.Scores = append(p.Scores, c.Primary)
	}
	return p
}

// flipBytes runs a whole flip on a table in memory, named t.csv (or
// t.parquet for Parquet bytes).
func flipBytes(t testing.TB, in string, o Options) (string, *Plan, error) {
	t.Helper()
	name := "t.csv"
	if tableio.IsParquetMagic([]byte(in)) {
		name = "t.parquet"
	}
	outs, lf, err := flipSources(o, []Source{tableFile(t, name, []byte(in))})
	if err != nil {
		return "", nil, err
	}
	return string(outs[0]), planOf(lf, 0), nil
}

// undoFile undoes the table in memory called name.
func undoFile(t testing.TB, name string, in []byte, opt UndoOptions) ([]byte, *UndoSummary, error) {
	t.Helper()
	var out bytes.Buffer
	sum, err := Undo(context.Background(), tableFile(t, name, in), &out, opt)
	return out.Bytes(), sum, err
}

func undoBytes(t *testing.T, in string, d tableio.Dialect) string {
	t.Helper()
	out, _, err := undoFile(t, "f.csv", []byte(in), UndoOptions{Dialect: d})
	if err != nil {
		t.Fatalf("undo: %v", err)
	}
	return string(out)
}

// synth makes a table: id, x (numeric feature), g (group), y (label).
// Minority rows are every third row.
func synth(n int) string {
	var b strings.Builder
	b.WriteString("id,x,g,y\n")
	for i := 0; i < n; i++ {
		g := "maj"
		if i%3 == 0 {
			g = "min"
		}
		y := "0"
		if (i*7)%5 < 2 {
			y = "1"
		}
		fmt.Fprintf(&b, "%d,%d,%s,%s\n", i, (i*13)%17, g, y)
	}
	return b.String()
}

func baseOpts() Options {
	return Options{Config: Config{Sensitive: []string{"g"}, Minority: []string{"min"}, Label: "y", Positive: []string{"1"}, MaxFlips: -1, Seed: 7, Dialect: tableio.Dialect{Header: true}}}
}

// changedRows returns the data rows (0-based) whose label cell changed, and
// fails if anything else changed.
func changedRows(t *testing.T, in, out string, d tableio.Dialect, label int) []int {
	t.Helper()
	a := tableio.NewScanner(strings.NewReader(in), "in", d)
	b := tableio.NewScanner(strings.NewReader(out), "out", d)
	var rows []int
	for {
		ra, ea := a.Next()
		rb, eb := b.Next()
		if ea != nil || eb != nil {
			if ea != eb {
				t.Fatalf("inputs end differently: %v / %v", ea, eb)
			}
			return rows
		}
		if ra.Kind != rb.Kind || !bytes.Equal(ra.Term, rb.Term) {
			t.Fatalf("line %d: kind or line end changed", ra.Line)
		}
		if ra.Kind == tableio.Passthrough {
			if !bytes.Equal(ra.Raw, rb.Raw) {
				t.Fatalf("line %d: passthrough line changed", ra.Line)
			}
			continue
		}
		if len(rb.Fields) != len(ra.Fields)+1 {
			t.Fatalf("line %d: %d fields out, %d in: want one more (audit)", ra.Line, len(rb.Fields), len(ra.Fields))
		}
		for f := range ra.Fields {
			if f == label && ra.Kind == tableio.Data {
				continue
			}
			if !bytes.Equal(ra.Field(f), rb.Field(f)) {
				t.Fatalf("line %d: field %d changed from %q to %q", ra.Line, f+1, ra.Field(f), rb.Field(f))
			}
		}
		if ra.Kind == tableio.Data {
			changed := !bytes.Equal(ra.Field(label), rb.Field(label))
			audited := rb.Value(len(ra.Fields)) != ""
			if changed != audited {
				t.Fatalf("line %d: label changed=%v but audit cell %q", ra.Line, changed, rb.Value(len(ra.Fields)))
			}
			if changed {
				rows = append(rows, ra.Row)
			}
		}
	}
}

func TestOnlyMinorityCollectiveNegativesFlip(t *testing.T) {
	t.Parallel()
	in := synth(300)
	for _, m := range scorer.Names() {
		for _, flips := range []string{"0", "5", "30%", "10000", "auto"} {
			if m == MethodRandom && flips == "auto" {
				continue
			}
			t.Run(m+"/"+flips, func(t *testing.T) {
				o := baseOpts()
				o.Method = m
				o.Alpha = 0.5
				o.K = 3
				var err error
				if o.Flips, err = ParseFlips(flips); err != nil {
					t.Fatal(err)
				}
				out, p, err := flipBytes(t, in, o)
				if err != nil {
					t.Fatal(err)
				}
				rows := changedRows(t, in, out, tableio.Dialect{Header: true}, 3)
				if !reflect.DeepEqual(rows, p.Rows) && !(len(rows) == 0 && len(p.Rows) == 0) {
					t.Fatalf("changed rows %v, plan %v", rows, p.Rows)
				}
				// Every flipped row is a minority row of the collective with label 0.
				coll := map[int]bool{}
				var minority []int
				for i := 0; i < 300; i++ {
					if i%3 == 0 {
						minority = append(minority, i)
					}
				}
				for _, r := range chooseFraction(minority, 0.5, o.Seed) {
					coll[r] = true
				}
				pool := 0
				for r := range coll {
					if (r*7)%5 >= 2 {
						pool++
					}
				}
				if p.Summary.Pool != pool || p.Summary.Collective != 50 {
					t.Fatalf("pool %d collective %d, want %d and 50", p.Summary.Pool, p.Summary.Collective, pool)
				}
				for _, r := range rows {
					if !coll[r] || (r*7)%5 < 2 {
						t.Fatalf("row %d flipped but it is not a negative collective member", r)
					}
				}
				want := -1
				switch flips {
				case "0":
					want = 0
				case "5":
					want = 5
				case "30%":
					want = int(math.Round(0.3 * float64(pool)))
				case "10000":
					want = pool
				}
				if want >= 0 && len(rows) != want {
					t.Fatalf("%d flips, want %d", len(rows), want)
				}
				if p.Summary.Flips != len(rows) {
					t.Fatalf("summary says %d flips, %d rows changed", p.Summary.Flips, len(rows))
				}
				// flip then undo gives the input back.
				if got := undoBytes(t, out, tableio.Dialect{Header: true}); got != in {
					t.Fatalf("undo did not restore the input")
				}
			})
		}
	}
}

func TestChooseFractionIsKeyedHash(t *testing.T) {
	t.Parallel()
	rows := []int{}
	for i := 0; i < 1000; i += 2 {
		rows = append(rows, i)
	}
	got := chooseFraction(rows, 0.3, 42)
	if len(got) != 150 {
		t.Fatalf("chose %d rows, want ⌈0.3·500⌉ = 150", len(got))
	}
	// The same rows are the 150 smallest hashes of (seed, row), whatever the
	// order or company they come in.
	type kv struct {
		h uint64
		r int
	}
	var all []kv
	for _, r := range rows {
		all = append(all, kv{keyedHash(42, purposeCollective, uint64(r)), r})
	}
	sort.Slice(all, func(a, b int) bool { return all[a].h < all[b].h })
	var want []int
	for _, x := range all[:150] {
		want = append(want, x.r)
	}
	sort.Ints(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatal("collective is not the rows with the smallest keyed hashes")
	}
	if reflect.DeepEqual(got, chooseFraction(rows, 0.3, 43)) {
		t.Fatal("another seed chose the same collective")
	}
	if n := len(chooseFraction(rows[:10], 0.3, 1)); n != 3 {
		t.Fatalf("⌈0.3·10⌉ = 3, got %d (floating-point rounding?)", n)
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	in := synth(200)
	for _, m := range scorer.Names() {
		o := baseOpts()
		o.Method, o.K, o.Alpha = m, 3, 0.6
		o.Flips = FlipRule{Kind: FlipCount, N: 7}
		a, _, err := flipBytes(t, in, o)
		if err != nil {
			t.Fatal(err)
		}
		b, _, _ := flipBytes(t, in, o)
		if a != b {
			t.Fatalf("%s: same seed gave different bytes", m)
		}
		if m == MethodRandom {
			o.Seed++
			c, _, _ := flipBytes(t, in, o)
			if c == a {
				t.Fatal("random: another seed gave the same flips")
			}
		}
	}
}

func TestAutoRule(t *testing.T) {
	t.Parallel()
	// Majority: y = 1 exactly when x >= 10. Minority negatives at x = 2, 12, 15:
	// rb-prob and rb-label estimate 12 and 15 positive, 2 negative.
	var b strings.Builder
	b.WriteString("x,g,y\n")
	for x := 0; x < 20; x++ {
		y := 0
		if x >= 10 {
			y = 1
		}
		fmt.Fprintf(&b, "%d,maj,%d\n", x, y)
	}
	b.WriteString("2,min,0\n12,min,0\n15,min,0\n18,min,1\n")
	for _, m := range []string{MethodRBProb, MethodRBLabel, MethodRBDist} {
		o := baseOpts()
		o.Method, o.K = m, 3
		_, p, err := flipBytes(t, b.String(), o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.Rows, []int{21, 22}) {
			t.Errorf("%s auto flipped rows %v, want [21 22]", m, p.Rows)
		}
		o.MaxFlips = 1
		_, p, _ = flipBytes(t, b.String(), o)
		if !reflect.DeepEqual(p.Rows, []int{22}) {
			t.Errorf("%s auto with --max-flips 1 flipped %v, want the best-scored row [22]", m, p.Rows)
		}
	}
}

func TestMembersColumn(t *testing.T) {
	t.Parallel()
	in := "x,g,y,opt\n1,maj,1,yes\n2,maj,0,\n3,min,0,Y\n4,min,0,no\n5,min,0,TRUE\n6,min,1,1\n"
	o := baseOpts()
	o.Method, o.Members = MethodRandom, "opt"
	o.Flips = FlipRule{Kind: FlipCount, N: 100}
	if err := o.Validate(); err != nil { // MakePlan validates again: it must be idempotent
		t.Fatal(err)
	}
	out, p, err := flipBytes(t, in, o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Rows, []int{2, 4}) || p.Summary.Collective != 3 || p.Summary.Pool != 2 {
		t.Fatalf("rows %v collective %d pool %d; want [2 4], 3, 2", p.Rows, p.Summary.Collective, p.Summary.Pool)
	}
	if len(p.Summary.Notices) == 0 || !strings.Contains(strings.Join(p.Summary.Notices, "\n"), "whole pool") {
		t.Errorf("no notice that --flips exceeds the pool: %q", p.Summary.Notices)
	}
	if !strings.Contains(out, "opt,fairflip_audit\n") {
		t.Errorf("audit column missing from header:\n%s", out)
	}
}

func TestIntersectionalGroups(t *testing.T) {
	t.Parallel()
	sens := []string{"sex", "race"}
	cases := []struct {
		exprs []string
		cells []string
		want  bool
	}{
		{[]string{"Female,Black"}, []string{"Female", "Black"}, true},
		{[]string{"Female,Black"}, []string{"Female", "White"}, false},
		{[]string{"race=Black|Other"}, []string{"Male", "Other"}, true},
		{[]string{"race=Black,sex=Female"}, []string{"Male", "Black"}, false},
		{[]string{"sex=Female", "race=Black"}, []string{"Male", "Black"}, true},
		{[]string{`race=A\,B`}, []string{"Male", "A,B"}, true},
		{[]string{"race!=White"}, []string{"Male", "Black"}, true},
		{[]string{"race!=White|Black"}, []string{"Male", "Black"}, false},
		{[]string{"<=50K,x"}, []string{"<=50K", "x"}, true},
		{[]string{"Female,2"}, []string{"Female", "2.0"}, true},
		{[]string{"Female,2"}, []string{"Female", "2.5"}, false},
		{[]string{"race!=1"}, []string{"Male", "1.0"}, false},
	}
	for _, c := range cases {
		g, err := parseGroup("--minority", c.exprs, sens)
		if err != nil {
			t.Fatalf("%q: %v", c.exprs, err)
		}
		if got := g.match(c.cells); got != c.want {
			t.Errorf("%q on %q = %v, want %v", c.exprs, c.cells, got, c.want)
		}
	}
	ages := []struct {
		expr string
		age  string
		want bool
	}{
		{"age<25", "24", true}, {"age<25", "25", false}, {"age<=25", "25", true}, {"age>60", "60.5", true},
		{"age>=25,age<=60", "25", true}, {"age>=25,age<=60", "61", false}, {"age<25", "young", false},
	}
	for _, c := range ages {
		g, err := parseGroup("--minority", []string{c.expr}, []string{"age"})
		if err != nil {
			t.Fatalf("%q: %v", c.expr, err)
		}
		if got := g.match([]string{c.age}); got != c.want {
			t.Errorf("%q on %q = %v, want %v", c.expr, c.age, got, c.want)
		}
	}
	for _, bad := range []string{"Female", "age=3", "sex<young", "sex=F,Black"} {
		if _, err := parseGroup("--minority", []string{bad}, sens); !errors.Is(err, fferr.ErrUsage) {
			t.Errorf("%q: want a usage error, got %v", bad, err)
		}
	}
}

func TestAuditRoundTrip(t *testing.T) {
	t.Parallel()
	for _, was := range []string{" <=50K", `"no"`, "x was= y", "a value= b", ""} {
		for _, raw := range []bool{true, false} {
			e := AuditEntry{Column: 3, Method: "rb-dist", Score: "-1.5", Was: was, Raw: raw}
			got, err := ParseAudit(FormatAudit(e))
			if err != nil || got != e {
				t.Errorf("round trip of %+v gave %+v, %v", e, got, err)
			}
		}
	}
	for _, bad := range []string{"hello", "fairflip/1 method=x was=1", "fairflip/1 col=0 was=1", "fairflip/1 col=2"} {
		if _, err := ParseAudit(bad); err == nil {
			t.Errorf("ParseAudit(%q) accepted it", bad)
		}
	}
}

func TestFidelityOfTrickyFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		d    tableio.Dialect
		lab  int
	}{
		{"crlf no final newline", "g,y,z\r\nmin,0,a\r\nmaj,1,b\r\nmaj,0,c\r\nmin,0,d", tableio.Dialect{Header: true}, 1},
		{"quoted multiline and BOM", "\xEF\xBB\xBFg,y,note\nmin,0,\"line1\nline2, with comma\"\nmaj,1,\"he said \"\"hi\"\"\"\nmaj,0,x\nmin,0,y\n", tableio.Dialect{Header: true}, 1},
		{"preamble and comments", "|junk\n# c\ng;y\n# c2\nmin;\"0\"\nmaj;\"1\"\nmaj;\"0\"\nmin;\"0\"\n", tableio.Dialect{Header: true, SkipLines: 1, Comment: '#'}, 1},
		{"adult style", "min, 0, a\nmaj, 1, b\nmaj, 0, c\nmin, 0, d\n\n", tableio.Dialect{}, 1},
		{"duplicate names", "g,y,d,d\nmin,0,1,2\nmaj,1,3,4\nmaj,0,5,6\nmin,0,7,8\n", tableio.Dialect{Header: true}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := baseOpts()
			o.Dialect = c.d
			o.Method = MethodRandom
			o.Flips = FlipRule{Kind: FlipCount, N: 100}
			if !c.d.Header {
				o.Sensitive, o.Label = []string{"#1"}, "#2"
			}
			out, p, err := flipBytes(t, c.in, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Rows) != 2 {
				t.Fatalf("flipped %d rows, want both minority negatives", len(p.Rows))
			}
			rows := changedRows(t, c.in, out, c.d, c.lab)
			if !reflect.DeepEqual(rows, p.Rows) {
				t.Fatalf("changed %v, planned %v", rows, p.Rows)
			}
			if got := undoBytes(t, out, c.d); got != c.in {
				t.Fatalf("undo gave\n%q\nwant\n%q", got, c.in)
			}
		})
	}
}

func TestReplaceAudit(t *testing.T) {
	t.Parallel()
	in := synth(60)
	o := baseOpts()
	o.Method = MethodRandom
	o.Flips = FlipRule{Kind: FlipCount, N: 3}
	once, _, err := flipBytes(t, in, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := flipBytes(t, once, o); !errors.Is(err, fferr.ErrUsage) || !strings.Contains(err.Error(), "--replace-audit") {
		t.Fatalf("flipping a flipped file: want a usage error naming --replace-audit, got %v", err)
	}
	o.ReplaceAudit = true
	twice, p, err := flipBytes(t, once, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 3 {
		t.Fatalf("second flip flipped %d rows", len(p.Rows))
	}
	if got := undoBytes(t, twice, tableio.Dialect{Header: true}); got != in {
		t.Fatal("undo after two flips did not restore the original")
	}
}

func TestReferenceSampleAndFile(t *testing.T) {
	t.Parallel()
	in := synth(300)
	o := baseOpts()
	o.Method, o.K, o.ReferenceSample = MethodRBLabel, 3, 10
	o.Flips = FlipRule{Kind: FlipCount, N: 5}
	_, p, err := flipBytes(t, in, o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.ReferenceRows != 10 {
		t.Fatalf("reference rows %d, want 10", p.Summary.ReferenceRows)
	}
	o.ReferenceSample = 0
	o.Reference = tableFile(t, "ref.csv", []byte(synth(90))).Path
	_, p, err = flipBytes(t, in, o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.ReferenceRows != 60 {
		t.Fatalf("reference rows %d, want the 60 majority rows of ref.csv", p.Summary.ReferenceRows)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    string
		mod   func(*Options)
		class error
		msg   string
	}{
		{"unknown column", synth(10), func(o *Options) { o.Label = "income" }, ErrConfig, `label "income": no such column in t.csv; its columns are: id, x, g, y`},
		{"minority absent", synth(10), func(o *Options) { o.Minority = []string{"Martian"} }, fferr.ErrData, "no row has the minority value"},
		{"no majority", "x,g,y\n1,min,0\n2,min,1\n", nil, fferr.ErrData, "no majority rows"},
		{"label neither", "x,g,y\n1,min,0\n2,maj,maybe\n", func(o *Options) { o.Negative = []string{"0"} }, fferr.ErrData, `t.csv:3: column 3 (y): label "maybe" is neither positive`},
		{"missing label", "x,g,y\n1,min,0\n2,maj,\n", nil, fferr.ErrData, "t.csv:3: column 3 (y): missing label"},
		{"ragged", "x,g,y\n1,min,0\n2,maj\n", nil, fferr.ErrData, "t.csv:3: wrong number of fields"},
		{"bad quoting", "x,g,y\n1,min,0\n2,\"maj,1\n", nil, fferr.ErrData, "t.csv:3: column 2 (g): quoted field never closes"},
		{"non-utf8", "x,g,y\n1,min,0\n\xff,maj,1\n", nil, fferr.ErrData, "t.csv:3: column 1 (x): invalid UTF-8"},
		{"empty", "", nil, fferr.ErrData, "t.csv is empty"},
		{"header only", "x,g,y\n", nil, fferr.ErrData, "t.csv has a header but no data rows"},
		{"alpha", synth(10), func(o *Options) { o.Alpha = 1.5 }, ErrConfig, "alpha 1.5: the collective's share"},
		{"members and alpha", synth(10), func(o *Options) { o.Alpha, o.Members = 0.5, "x" }, ErrConfig, "members and alpha both choose"},
		{"random auto", synth(10), func(o *Options) { o.Method = MethodRandom }, ErrConfig, "so flips auto cannot be used: give flips N or flips P%"},
		{"duplicate name", "g,y,d,d\nmin,0,1,2\nmaj,1,3,4\n", func(o *Options) { o.Features = []string{"d"} }, ErrConfig, `features "d": t.csv has 2 columns of that name (columns #3, #4); name one by number, e.g. features #3`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := baseOpts()
			if c.mod != nil {
				c.mod(&o)
			}
			_, _, err := flipBytes(t, c.in, o)
			if !errors.Is(err, c.class) {
				t.Fatalf("got %v, want class %v", err, c.class)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("message %q lacks %q", err.Error(), c.msg)
			}
		})
	}
}

func TestEmptyPool(t *testing.T) {
	t.Parallel()
	in := "x,g,y\n1,min,1\n2,maj,0\n3,maj,1\n"
	out, p, err := flipBytes(t, in, baseOpts())
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Pool != 0 || p.Summary.Flips != 0 || !strings.Contains(strings.Join(p.Summary.Notices, " "), "pool is empty") {
		t.Fatalf("pool %d flips %d notices %q", p.Summary.Pool, p.Summary.Flips, p.Summary.Notices)
	}
	if out != "x,g,y,fairflip_audit\n1,min,1,\n2,maj,0,\n3,maj,1,\n" {
		t.Fatalf("unexpected output %q", out)
	}
}

func TestFeatureSelection(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("name,code,x,g,y\n")
	for i := 0; i < 40; i++ {
		g := "maj"
		if i%4 == 0 {
			g = "min"
		}
		fmt.Fprintf(&b, "person %d,%d.0,%d,%s,%d\n", i, i%3, i%7, g, i%2)
	}
	in := b.String()
	features := func(o Options) ([]string, []string) {
		t.Helper()
		o.Method, o.K = MethodRBLabel, 3
		o.Flips = FlipRule{Kind: FlipCount, N: 1}
		_, p, err := flipBytes(t, in, o)
		if err != nil {
			t.Fatal(err)
		}
		return p.Summary.Features, p.Summary.Notices
	}
	// The identifier-like name column is left out, with a notice.
	f, notes := features(baseOpts())
	if !reflect.DeepEqual(f, []string{"code", "x"}) || !strings.Contains(strings.Join(notes, " "), "name (40 distinct values)") {
		t.Fatalf("features %v, notices %q", f, notes)
	}
	// ... unless named in --features.
	o := baseOpts()
	o.Features = []string{"name", "x"}
	if f, _ := features(o); !reflect.DeepEqual(f, []string{"name", "x"}) {
		t.Fatalf("--features name,x gave %v", f)
	}
	o = baseOpts()
	o.Exclude = []string{"code"}
	if f, _ := features(o); !reflect.DeepEqual(f, []string{"x"}) {
		t.Fatalf("--exclude code gave %v", f)
	}
	// --categorical turns the numeric-looking code into a category.
	o = baseOpts()
	o.Categorical = []string{"code"}
	tab, err := o.LoadLocal(context.Background(), tableFile(t, "t.csv", []byte(in)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tab.Features {
		if c.Name == "code" && (c.Numeric || len(c.Levels) != 3) {
			t.Fatalf("code: numeric %v, levels %v", c.Numeric, c.Levels)
		}
		if c.Name == "x" && !c.Numeric {
			t.Fatal("x should stay numeric")
		}
	}
}

// TestPositiveWrittenInTheFilesForm: --positive 1 on a file that writes 1.0
// flips to 1.0.
func TestPositiveWrittenInTheFilesForm(t *testing.T) {
	t.Parallel()
	o := baseOpts()
	o.Method, o.Negative = MethodRandom, []string{"0"}
	o.Flips = FlipRule{Kind: FlipCount, N: 1}
	out, p, err := flipBytes(t, "x,g,y\n1,min,0.0\n2,maj,1.0\n3,maj,0.0\n", o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.PositiveWritten != "1.0" || !strings.Contains(out, "1,min,1.0,fairflip/1") {
		t.Fatalf("wrote %q:\n%s", p.Summary.PositiveWritten, out)
	}
}

// flipPath flips the table at path as fairflip flip does.
func flipPath(t testing.TB, o Options, path string) ([]byte, *Plan, error) {
	t.Helper()
	outs, lf, err := flipSources(o, []Source{{Path: path}})
	if err != nil {
		return nil, nil, err
	}
	return outs[0], planOf(lf, 0), nil
}
