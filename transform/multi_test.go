package transform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/rowhash"
	tableio "github.com/fairflip/fairflip/io"
)

// multiFiles splits synth(n) into parts: LF, CRLF, header-only, empty
// (0 bytes), and a last part without a final newline.
func multiFiles(n int) (names []string, files []string) {
	lines := strings.Split(strings.TrimSuffix(synth(n), "\n"), "\n")
	header, rows := lines[0], lines[1:]
	third := len(rows) / 3
	a := header + "\n" + strings.Join(rows[:third], "\n") + "\n"
	b := header + "\r\n" + strings.Join(rows[third:2*third], "\r\n") + "\r\n"
	c := header + "\n"
	d := ""
	e := header + "\n" + strings.Join(rows[2*third:], "\n")
	return []string{"a.csv", "b.csv", "c.csv", "d.csv", "e.csv"}, []string{a, b, c, d, e}
}

func flipFiles(t *testing.T, names, files []string, o Options) ([]string, *Plan, error) {
	t.Helper()
	var ins []*Input
	for i := range names {
		ins = append(ins, &Input{Name: names[i], Format: "csv", Open: BytesInput(names[i], []byte(files[i])).Open})
	}
	b, p, err := flipInputs(o, ins)
	var outs []string
	for _, x := range b {
		outs = append(outs, string(x))
	}
	return outs, p, err
}

func TestMultiFileFlip(t *testing.T) {
	names, files := multiFiles(600)
	for _, method := range []string{MethodRBProb, MethodRBLabel, MethodRandom} {
		t.Run(method, func(t *testing.T) {
			o := baseOpts()
			o.Method, o.K, o.Alpha = method, 5, 0.6
			o.Flips = FlipRule{Kind: FlipCount, N: 30}
			outs, p, err := flipFiles(t, names, files, o)
			if err != nil {
				t.Fatal(err)
			}
			if p.Summary.Rows != 600 || p.Summary.Flips != 30 || len(p.Summary.Files) != 5 {
				t.Fatalf("summary: rows %d flips %d files %d", p.Summary.Rows, p.Summary.Flips, len(p.Summary.Files))
			}
			total := 0
			for i := range files {
				if files[i] == "" {
					if outs[i] != "" {
						t.Errorf("%s: empty input, output %q", names[i], outs[i])
					}
					continue
				}
				changed := changedRows(t, files[i], outs[i], o.Dialect, 3)
				total += len(changed)
				if got := p.Summary.Files[i].Flips; got != len(changed) {
					t.Errorf("%s: summary says %d flips, %d rows changed", names[i], got, len(changed))
				}
				for _, r := range changed {
					row := strings.Split(strings.Split(strings.ReplaceAll(files[i], "\r", ""), "\n")[r+1], ",")
					if row[2] != "min" || row[3] != "0" {
						t.Errorf("%s row %d flipped: %v", names[i], r, row)
					}
				}
				if back := undoBytes(t, outs[i], o.Dialect); back != files[i] {
					t.Errorf("%s: undo does not restore the file", names[i])
				}
			}
			if total != 30 {
				t.Errorf("%d rows changed in all, want 30", total)
			}
			// Determinism.
			again, _, err := flipFiles(t, names, files, o)
			if err != nil {
				t.Fatal(err)
			}
			for i := range outs {
				if again[i] != outs[i] {
					t.Errorf("%s: a second run differs", names[i])
				}
			}
		})
	}
}

// With one file, the row key is the row number: the output is the one of a
// single-file flip, byte for byte.
func TestMultiFileOneFileIsSingleFlip(t *testing.T) {
	in := synth(500)
	for _, method := range []string{MethodRBProb, MethodRBDist, MethodRandom} {
		o := baseOpts()
		o.Method, o.K, o.Alpha, o.ReferenceSample = method, 5, 0.5, 100
		o.Flips = FlipRule{Kind: FlipCount, N: 20}
		single, _, err := flipBytes(t, in, o)
		if err != nil {
			t.Fatal(err)
		}
		outs, _, err := flipFiles(t, []string{"t.csv"}, []string{in}, o)
		if err != nil {
			t.Fatal(err)
		}
		if outs[0] != single {
			t.Errorf("%s: one file through MakePlanFiles differs from a single-file flip", method)
		}
	}
}

// The row key of row r of file i is i<<40 | r.
func TestMultiFileKeys(t *testing.T) {
	names, files := multiFiles(90)
	o := baseOpts()
	var ins []*Input
	for i := range names {
		ins = append(ins, &Input{Name: names[i], Format: "csv", Open: BytesInput(names[i], []byte(files[i])).Open})
	}
	ds, err := o.LoadFiles(context.Background(), ins)
	if err != nil {
		t.Fatal(err)
	}
	checkKeys(t, ds)
}

func TestMultiFileNothingFlipped(t *testing.T) {
	names, files := multiFiles(300)
	o := baseOpts()
	o.Method = MethodRandom
	o.Flips = FlipRule{Kind: FlipCount, N: 0}
	outs, p, err := flipFiles(t, names, files, o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Flips != 0 {
		t.Fatalf("%d flips", p.Summary.Flips)
	}
	for i := range files {
		if files[i] != "" && len(changedRows(t, files[i], outs[i], o.Dialect, 3)) != 0 {
			t.Errorf("%s changed", names[i])
		}
		if back := undoOrEmpty(t, outs[i], o); back != files[i] {
			t.Errorf("%s: undo does not restore the file", names[i])
		}
	}
}

func undoOrEmpty(t *testing.T, s string, o Options) string {
	if s == "" {
		return ""
	}
	return undoBytes(t, s, o.Dialect)
}

func TestMultiFileErrors(t *testing.T) {
	o := baseOpts()
	_, _, err := flipFiles(t, []string{"a.csv", "b.csv"}, []string{synth(30), strings.Replace(synth(30), "id,x", "id,z", 1)}, o)
	if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "a.csv") || !strings.Contains(err.Error(), "b.csv") {
		t.Errorf("different headers: %v", err)
	}
	// A header-only file with other columns is refused too.
	_, _, err = flipFiles(t, []string{"a.csv", "b.csv"}, []string{synth(30), "id,x,g\n"}, o)
	if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "b.csv") {
		t.Errorf("different header-only file: %v", err)
	}
	_, _, err = flipFiles(t, []string{"a.csv", "b.csv"}, []string{"", ""}, o)
	if !errors.Is(err, fferr.ErrData) {
		t.Errorf("all empty: %v", err)
	}
	_, _, err = flipFiles(t, []string{"a.csv", "b.csv"}, []string{"id,x,g,y\n", ""}, o)
	if !errors.Is(err, fferr.ErrData) {
		t.Errorf("no rows: %v", err)
	}
}

// TestMultiFilePartChangedBetweenPasses: a part that changes between the
// passes, keeping its size, is caught by that part's hash in pass 2 (bad
// data), and so is an empty part that is no longer empty.
func TestMultiFilePartChangedBetweenPasses(t *testing.T) {
	names, files := multiFiles(300)
	o := baseOpts()
	o.Method, o.Alpha, o.Flips = MethodRandom, 1, FlipRule{Kind: FlipCount, N: 5}
	for _, c := range []struct {
		part   int
		change func(string) string
	}{
		{1, func(s string) string { return strings.Replace(s, "\r\n1", "\r\n7", 1) }}, // same size
		{3, func(s string) string { return s + "x" }},                                 // the empty part
	} {
		var ins []*Input
		for i := range names {
			first, second := []byte(files[i]), []byte(files[i])
			if i == c.part {
				second = []byte(c.change(files[i]))
				if bytes.Equal(first, second) {
					t.Fatalf("part %d: the test's change changes nothing", i)
				}
			}
			opens := 0
			ins = append(ins, &Input{Name: names[i], Format: "csv", Open: func() (io.ReadCloser, error) {
				opens++
				if opens == 1 {
					return io.NopCloser(bytes.NewReader(first)), nil
				}
				return io.NopCloser(bytes.NewReader(second)), nil
			}})
		}
		p, err := o.MakePlanFiles(context.Background(), ins)
		if err != nil {
			t.Fatal(err)
		}
		var failed error
		for i, in := range ins {
			if err := o.WritePart(context.Background(), p, i, in, io.Discard); err != nil {
				if i != c.part {
					t.Fatalf("part %d failed, part %d changed: %v", i, c.part, err)
				}
				failed = err
			}
		}
		if failed == nil || !errors.Is(failed, fferr.ErrData) || !strings.Contains(failed.Error(), names[c.part]+" changed while it was being read") {
			t.Errorf("part %d changed: got %v, want a data error naming it", c.part, failed)
		}
	}
}

// toParquet converts a CSV table (with a header) to Parquet with the
// project's own converter, in row groups of rowGroupRows rows.
func toParquet(t testing.TB, csv string, rowGroupRows int) []byte {
	t.Helper()
	var buf bytes.Buffer
	open := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(csv)), nil }
	if err := tableio.ConvertCSVToParquet(open, "t.csv", tableio.Dialect{Header: true}, nil, &buf, rowGroupRows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// emptyLike returns a Parquet file with the schema of src and no rows.
func emptyLike(t testing.TB, src []byte) []byte {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, f.Schema())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// parquetMultiFiles splits synth(n) into Parquet parts, each with several
// row groups, and two parts without rows: one with the others' schema, one
// converted from a header-only CSV file (its columns typed BOOLEAN). csvs
// are the same parts as CSV files (the empty parts header-only).
func parquetMultiFiles(t testing.TB, n int) (names []string, files [][]byte, csvs []string) {
	lines := strings.Split(strings.TrimSuffix(synth(n), "\n"), "\n")
	header, rows := lines[0], lines[1:]
	third := len(rows) / 3
	part := func(rs []string) string { return header + "\n" + strings.Join(rs, "\n") + "\n" }
	a, b, e := part(rows[:third]), part(rows[third:2*third]), part(rows[2*third:])
	pa := toParquet(t, a, 37)
	names = []string{"a.parquet", "b.parquet", "c.parquet", "d.parquet", "e.parquet"}
	files = [][]byte{pa, toParquet(t, b, 50), emptyLike(t, pa), toParquet(t, header+"\n", 10), toParquet(t, e, 64)}
	csvs = []string{a, b, header + "\n", header + "\n", e}
	return names, files, csvs
}

func parquetInputs(names []string, files [][]byte) []*Input {
	var ins []*Input
	for i := range names {
		ins = append(ins, BytesInput(names[i], files[i]))
	}
	return ins
}

// flipParquetFiles flips Parquet parts as one table.
func flipParquetFiles(t *testing.T, names []string, files [][]byte, o Options) ([][]byte, *Plan, error) {
	t.Helper()
	return flipInputs(o, parquetInputs(names, files))
}

// flipInputs flips the inputs as one table in one process (MakePlanFiles,
// then WritePart for each).
func flipInputs(o Options, ins []*Input) ([][]byte, *Plan, error) {
	p, err := o.MakePlanFiles(context.Background(), ins)
	if err != nil {
		return nil, nil, err
	}
	var outs [][]byte
	for i, in := range ins {
		var out bytes.Buffer
		if err := o.WritePart(context.Background(), p, i, in, &out); err != nil {
			return nil, nil, err
		}
		outs = append(outs, out.Bytes())
	}
	return outs, p, nil
}

func openPQ(t *testing.T, name string, b []byte) *tableio.ParquetFile {
	t.Helper()
	pf, err := tableio.OpenParquet(bytes.NewReader(b), int64(len(b)), name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return pf
}

// columnsOf lists a Parquet file's columns as "name type".
func columnsOf(pf *tableio.ParquetFile) []string {
	var out []string
	for _, c := range pf.Columns() {
		out = append(out, c.Name+" "+c.Type)
	}
	return out
}

// checkParquetPart checks the output of one part: the input's row groups
// and columns plus the audit column; every cell as in the input but the
// label of the flipped rows (part-local, ascending), which is 1; an audit
// cell on exactly those rows. It returns the rows whose label changed.
func checkParquetPart(t *testing.T, name string, in, out []byte, flipped []int) {
	t.Helper()
	a, b := openPQ(t, name, in), openPQ(t, name+" (output)", out)
	if a.NumRows() != b.NumRows() || !slices.Equal(a.RowGroupSizes(), b.RowGroupSizes()) {
		t.Fatalf("%s: rows %d in %v, output %d in %v", name, a.NumRows(), a.RowGroupSizes(), b.NumRows(), b.RowGroupSizes())
	}
	if want := append(columnsOf(a), DefaultAuditColumn+" BYTE_ARRAY (STRING)"); !reflect.DeepEqual(columnsOf(b), want) {
		t.Fatalf("%s: output columns %v, want %v", name, columnsOf(b), want)
	}
	isFlipped := map[int]bool{}
	for _, r := range flipped {
		isFlipped[r] = true
	}
	for _, c := range a.Columns() {
		va, vb := scanAll(t, a, c.Index), scanAll(t, b, c.Index)
		for r := range va {
			switch {
			case c.Name == "y" && isFlipped[r]:
				if va[r] != "0" || vb[r] != "1" {
					t.Errorf("%s row %d: flipped label %s -> %s", name, r, va[r], vb[r])
				}
			case va[r] != vb[r]:
				t.Errorf("%s row %d column %s: %s -> %s", name, r, c.Name, va[r], vb[r])
			}
		}
	}
	audit := scanAll(t, b, len(a.Columns()))
	for r, v := range audit {
		if (v != "<null>") != isFlipped[r] {
			t.Errorf("%s row %d: audit cell %q, flipped %v", name, r, v, isFlipped[r])
		}
	}
}

// checkParquetUndo checks that undo gives back the part's columns, types,
// row groups and values.
func checkParquetUndo(t *testing.T, name string, in, out []byte) {
	t.Helper()
	var back bytes.Buffer
	if _, err := Undo(context.Background(), BytesInput(name, out), &back, UndoOptions{}); err != nil {
		t.Fatalf("%s: undo: %v", name, err)
	}
	a, b := openPQ(t, name, in), openPQ(t, name+" (restored)", back.Bytes())
	if !reflect.DeepEqual(columnsOf(a), columnsOf(b)) || !slices.Equal(a.RowGroupSizes(), b.RowGroupSizes()) || !reflect.DeepEqual(a.KeyValueMetadata(), b.KeyValueMetadata()) {
		t.Fatalf("%s: restored %v in %v, want %v in %v", name, columnsOf(b), b.RowGroupSizes(), columnsOf(a), a.RowGroupSizes())
	}
	for _, c := range a.Columns() {
		if !reflect.DeepEqual(scanAll(t, a, c.Index), scanAll(t, b, c.Index)) {
			t.Errorf("%s: undo does not restore column %s", name, c.Name)
		}
	}
}

// partRows splits a plan's rows by part: part-local row numbers.
func partRows(p *Plan) [][]int {
	out := make([][]int, len(p.parts))
	for i := range p.parts {
		out[i] = p.part(i).Rows
	}
	return out
}

// TestMultiFileParquet flips Parquet parts (several row groups each, two
// without rows) as one table and checks each output, the undo, and that the
// plan is the one of the same rows as CSV parts (the same keys i<<40|r).
func TestMultiFileParquet(t *testing.T) {
	names, files, csvs := parquetMultiFiles(t, 600)
	for _, c := range []struct {
		method string
		alpha  float64
		flips  FlipRule
	}{
		{MethodRBProb, 0.6, FlipRule{Kind: FlipCount, N: 30}},
		{MethodRBLabel, 0.6, FlipRule{Kind: FlipCount, N: 30}},
		{MethodRandom, 0.6, FlipRule{Kind: FlipCount, N: 30}},
		{MethodRBProb, 0.5, FlipRule{Kind: FlipAuto}},
		{MethodRandom, 1, FlipRule{Kind: FlipCount, N: 0}}, // a selection that flips nothing
	} {
		t.Run(fmt.Sprintf("%s/%g/%s", c.method, c.alpha, c.flips), func(t *testing.T) {
			o := baseOpts()
			o.Method, o.K, o.Alpha, o.Flips = c.method, 5, c.alpha, c.flips
			outs, p, err := flipParquetFiles(t, names, files, o)
			if err != nil {
				t.Fatal(err)
			}
			if p.Summary.Rows != 600 || len(p.Summary.Files) != 5 {
				t.Fatalf("summary: rows %d files %d", p.Summary.Rows, len(p.Summary.Files))
			}
			if c.flips.Kind == FlipCount && p.Summary.Flips != c.flips.N {
				t.Fatalf("%d flips, want %d", p.Summary.Flips, c.flips.N)
			}
			// The same rows as CSV parts: the same plan.
			_, cp, err := flipFiles(t, []string{"a.csv", "b.csv", "c.csv", "d.csv", "e.csv"}, csvs, o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.Rows, cp.Rows) || !reflect.DeepEqual(p.Scores, cp.Scores) || !reflect.DeepEqual(p.pool, cp.pool) {
				t.Errorf("the Parquet plan flips %v (scores %v), the CSV plan %v (%v)", p.Rows, p.Scores, cp.Rows, cp.Scores)
			}
			ps, cs := p.Summary, cp.Summary
			if ps.Minority != cs.Minority || ps.Majority != cs.Majority || ps.Collective != cs.Collective || ps.Pool != cs.Pool || ps.ReferenceRows != cs.ReferenceRows || !reflect.DeepEqual(ps.Features, cs.Features) || ps.PositiveWritten != cs.PositiveWritten {
				t.Errorf("summaries differ:\n%+v\n%+v", ps, cs)
			}
			parts := partRows(p)
			total := 0
			for i := range files {
				f := p.Summary.Files[i]
				if f.Input != names[i] || f.Flips != len(parts[i]) || f.Rows != int(openPQ(t, names[i], files[i]).NumRows()) || f.Rows != cs.Files[i].Rows || f.Flips != cs.Files[i].Flips {
					t.Errorf("file %d: %+v (CSV: %+v)", i, f, cs.Files[i])
				}
				total += f.Flips
				checkParquetPart(t, names[i], files[i], outs[i], parts[i])
				checkParquetUndo(t, names[i], files[i], outs[i])
			}
			if total != p.Summary.Flips {
				t.Errorf("the files' flips add up to %d, not %d", total, p.Summary.Flips)
			}
			// The part without rows that has the others' schema has their output schema.
			if a, c := columnsOf(openPQ(t, "a", outs[0])), columnsOf(openPQ(t, "c", outs[2])); !reflect.DeepEqual(a, c) {
				t.Errorf("the empty part's output has columns %v, the others %v", c, a)
			}
			// Determinism.
			again, _, err := flipParquetFiles(t, names, files, o)
			if err != nil {
				t.Fatal(err)
			}
			for i := range outs {
				if !bytes.Equal(again[i], outs[i]) {
					t.Errorf("%s: a second run differs", names[i])
				}
			}
		})
	}
}

// TestMultiFileParquetKeys: row r of file i has the key i<<40 | r, and the
// collective and the random scores are those of these keys.
func TestMultiFileParquetKeys(t *testing.T) {
	names, files, _ := parquetMultiFiles(t, 90)
	o := baseOpts()
	ds, err := o.LoadFiles(context.Background(), parquetInputs(names, files))
	if err != nil {
		t.Fatal(err)
	}
	checkKeys(t, ds)
	if len(ds.Parts) != 5 || ds.Parts[2].Rows != 0 || ds.Parts[3].Rows != 0 || ds.Parts[4].Offset != 60 {
		t.Fatalf("parts %+v", ds.Parts)
	}
	// The collective and the random scores, from the keys.
	o.Method, o.Alpha, o.Flips = MethodRandom, 0.5, FlipRule{Kind: FlipCount, N: 7}
	p, err := o.MakePlanFiles(context.Background(), parquetInputs(names, files))
	if err != nil {
		t.Fatal(err)
	}
	var minority []int
	for i, g := range ds.Group {
		if g == GroupMinority {
			minority = append(minority, i)
		}
	}
	var pool []int
	for _, r := range chooseFractionKeys(minority, 0.5, o.Seed, ds.Key) {
		if !ds.Positive[r] {
			pool = append(pool, r)
		}
	}
	if !reflect.DeepEqual(p.pool, pool) {
		t.Errorf("pool %v, want %v", p.pool, pool)
	}
	for i, r := range p.Rows {
		if want := rowhash.Uniform(o.Seed, rowhash.Random, ds.Key(r)); p.Scores[i] != want {
			t.Errorf("row %d: score %v, want %v", r, p.Scores[i], want)
		}
	}
}

// TestMultiFileParquetConcatenated: with the whole minority and a
// deterministic method, the keys play no part: the plan over the parts is
// the plan over one Parquet file holding all their rows.
func TestMultiFileParquetConcatenated(t *testing.T) {
	names, files, _ := parquetMultiFiles(t, 600)
	whole := BytesInput("whole.parquet", toParquet(t, synth(600), 100))
	for _, m := range []string{MethodRBProb, MethodRBLabel, MethodRBDist} {
		o := baseOpts()
		o.Method, o.K, o.Alpha, o.Flips = m, 5, 1, FlipRule{Kind: FlipCount, N: 40}
		p, err := o.MakePlanFiles(context.Background(), parquetInputs(names, files))
		if err != nil {
			t.Fatal(err)
		}
		single, err := o.MakePlan(context.Background(), whole)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Rows) != 40 || !reflect.DeepEqual(p.Rows, single.Rows) || !reflect.DeepEqual(p.Scores, single.Scores) {
			t.Errorf("%s: the parts flip %v, one file %v", m, p.Rows, single.Rows)
		}
	}
}

// With one Parquet file, MakePlanFiles and WritePart write what MakePlan
// and Write write, byte for byte.
func TestMultiFileParquetOneFileIsSingleFlip(t *testing.T) {
	in := toParquet(t, synth(500), 64)
	for _, method := range []string{MethodRBProb, MethodRBLabel, MethodRandom} {
		o := baseOpts()
		o.Method, o.K, o.Alpha, o.ReferenceSample = method, 5, 0.5, 100
		o.Flips = FlipRule{Kind: FlipCount, N: 20}
		input := BytesInput("t.parquet", in)
		p, err := o.MakePlan(context.Background(), input)
		if err != nil {
			t.Fatal(err)
		}
		var single bytes.Buffer
		if err := o.Write(context.Background(), p, input, &single); err != nil {
			t.Fatal(err)
		}
		outs, _, err := flipParquetFiles(t, []string{"t.parquet"}, [][]byte{in}, o)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(outs[0], single.Bytes()) {
			t.Errorf("%s: one file through MakePlanFiles differs from a single-file flip", method)
		}
	}
}

func TestMultiFileParquetErrors(t *testing.T) {
	names, files, _ := parquetMultiFiles(t, 60)
	o := baseOpts()
	o.Method, o.Flips = MethodRandom, FlipRule{Kind: FlipCount, N: 3}
	check := func(what string, err error, kind error, wants ...string) {
		t.Helper()
		if !errors.Is(err, kind) {
			t.Errorf("%s: %v, want a %v", what, err, kind)
			return
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v does not say %q", what, err, w)
			}
		}
	}
	// Mixed formats.
	ins := []*Input{BytesInput("a.parquet", files[0]), {Name: "b.csv", Format: "csv", Open: BytesInput("b.csv", []byte(synth(10))).Open}}
	_, err := o.MakePlanFiles(context.Background(), ins)
	check("mixed formats", err, fferr.ErrUsage, "a.parquet", "b.csv", "all CSV or all Parquet")
	// Other columns (names or order), even in a file without rows.
	for _, other := range []string{"id,x,g,y,z\n1,2,min,0,5\n", "id,g,x,y\n1,min,2,0\n", "id,x,g,label\n"} {
		_, _, err = flipParquetFiles(t, []string{names[0], "z.parquet"}, [][]byte{files[0], toParquet(t, other, 10)}, o)
		check("other columns "+other, err, fferr.ErrData, "a.parquet", "z.parquet", "different columns")
	}
	// A column of the same name, flat in one file and repeated in the other.
	type flat struct {
		G string `parquet:"g"`
		Y int64  `parquet:"y"`
		E int64  `parquet:"e"`
	}
	type repeated struct {
		G string  `parquet:"g"`
		Y int64   `parquet:"y"`
		E []int64 `parquet:"e"`
	}
	var fb, rb bytes.Buffer
	if err := parquet.Write(&fb, []flat{{"min", 0, 1}, {"maj", 1, 2}}); err != nil {
		t.Fatal(err)
	}
	if err := parquet.Write(&rb, []repeated{{"min", 0, []int64{1}}, {"maj", 1, nil}}); err != nil {
		t.Fatal(err)
	}
	_, _, err = flipParquetFiles(t, []string{"f.parquet", "r.parquet"}, [][]byte{fb.Bytes(), rb.Bytes()}, o)
	check("flat and repeated", err, fferr.ErrData, "f.parquet and r.parquet have different columns: column e is a flat column", "nested or repeated")
	// A label column of another type in a file with rows.
	_, _, err = flipParquetFiles(t, []string{names[0], "z.parquet"}, [][]byte{files[0], toParquet(t, "id,x,g,y\n1,2,min,1.5\n", 10)}, o)
	check("label type", err, fferr.ErrData, "a.parquet", "z.parquet", "label column y", "INT64", "DOUBLE")
	// No rows in any file.
	_, _, err = flipParquetFiles(t, names[2:4], files[2:4], o)
	check("no rows", err, fferr.ErrData, "no file has data rows")
	// A file that is not Parquet.
	_, _, err = flipParquetFiles(t, []string{names[0], "z.parquet"}, [][]byte{files[0], []byte("PAR1 but not really")}, o)
	check("not Parquet", err, fferr.ErrData, "z.parquet")
}

// TestMultiFileParquetPartChangedBetweenPasses: a Parquet part replaced
// between the passes by another with as many rows (a label that flip does
// not change), which the rewrite and its checks accept, is caught by the
// part's SHA-256 in pass 2: a data error, and nothing is written.
func TestMultiFileParquetPartChangedBetweenPasses(t *testing.T) {
	names, files, csvs := parquetMultiFiles(t, 300)
	o := baseOpts()
	o.Method, o.Alpha, o.Flips = MethodRandom, 1, FlipRule{Kind: FlipCount, N: 5}
	p, err := o.MakePlanFiles(context.Background(), parquetInputs(names, files))
	if err != nil {
		t.Fatal(err)
	}
	// Part 1 with a majority row's label changed, same row groups.
	lines := strings.Split(csvs[1], "\n")
	for i := 1; i < len(lines); i++ {
		if strings.Contains(lines[i], ",maj,") {
			lines[i] = lines[i][:len(lines[i])-1] + map[byte]string{'0': "1", '1': "0"}[lines[i][len(lines[i])-1]]
			break
		}
	}
	changed := toParquet(t, strings.Join(lines, "\n"), 50)
	if bytes.Equal(changed, files[1]) {
		t.Fatal("the test's change changes nothing")
	}
	var out bytes.Buffer
	err = o.WritePart(context.Background(), p, 1, BytesInput(names[1], changed), &out)
	if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), names[1]+" changed while it was being read") || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("a changed part: %v, want a data error naming it", err)
	}
	if out.Len() != 0 {
		t.Errorf("%d bytes written for a changed part", out.Len())
	}
	// With fewer rows, the row count says so.
	fewer := toParquet(t, strings.Join(lines[:len(lines)-3], "\n")+"\n", 50)
	err = o.WritePart(context.Background(), p, 1, BytesInput(names[1], fewer), io.Discard)
	if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "changed while it was being read") {
		t.Errorf("a part with fewer rows: %v", err)
	}
	// The unchanged parts write.
	for _, i := range []int{0, 2, 3, 4} {
		if err := o.WritePart(context.Background(), p, i, BytesInput(names[i], files[i]), io.Discard); err != nil {
			t.Errorf("part %d: %v", i, err)
		}
	}
}

// checkKeys checks the row keys of a table of 30-row parts in files 0, 1
// and 4 (files 2 and 3 have no rows), and that the reference rows carry
// their rows' keys.
func checkKeys(t *testing.T, ds *Dataset) {
	t.Helper()
	want := map[int]uint64{0: 0, 29: 29, 30: 1<<40 | 0, 59: 1<<40 | 29, 60: 4<<40 | 0, 89: 4<<40 | 29}
	for row, k := range want {
		if got := ds.Key(row); got != k {
			t.Errorf("Key(%d) = %#x, want %#x", row, got, k)
		}
	}
	for i, r := range ds.RefRows {
		if ds.RefKeys[i] != ds.Key(r) {
			t.Fatalf("reference row %d has key %#x, want %#x", r, ds.RefKeys[i], ds.Key(r))
		}
	}
}
