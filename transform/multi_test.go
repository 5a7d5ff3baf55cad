package transform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/rowhash"
	"github.com/fairflip/fairflip/internal/testdata"
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

// dirFiles writes the named contents into one new folder and returns them
// as Sources that messages call by their names.
func dirFiles(t testing.TB, names []string, data [][]byte) []Source {
	t.Helper()
	dir := t.TempDir()
	srcs := make([]Source, len(names))
	for i, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, data[i], 0o644); err != nil {
			t.Fatal(err)
		}
		srcs[i] = Source{Path: p, Name: n}
	}
	return srcs
}

// multiPlan is a flip of several files: the summary, and the plan over the
// whole table by row key (file << 40 | row).
type multiPlan struct {
	Summary Summary
	Rows    []uint64 // flipped, ascending by key
	Scores  []float64
	Pool    []uint64
	Parts   [][]int // per file: its flipped rows
}

func multiPlanOf(lf *LocalFlip) *multiPlan {
	p := &multiPlan{Summary: lf.Summary()}
	for f, flips := range lf.Plan.Flips {
		var rows []int
		for _, c := range flips {
			p.Rows = append(p.Rows, uint64(f)<<40|c.Key)
			p.Scores = append(p.Scores, c.Primary)
			rows = append(rows, int(c.Key))
		}
		p.Parts = append(p.Parts, rows)
		for _, r := range lf.Plan.Pool[f] {
			p.Pool = append(p.Pool, uint64(f)<<40|uint64(r))
		}
	}
	return p
}

// flipFiles flips CSV parts as one table.
func flipFiles(t *testing.T, names, files []string, o Options) ([]string, *multiPlan, error) {
	t.Helper()
	data := make([][]byte, len(files))
	for i, f := range files {
		data[i] = []byte(f)
	}
	b, lf, err := flipSources(o, dirFiles(t, names, data))
	if err != nil {
		return nil, nil, err
	}
	var outs []string
	for _, x := range b {
		outs = append(outs, string(x))
	}
	return outs, multiPlanOf(lf), nil
}

func TestMultiFileFlip(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
			t.Errorf("%s: one file given as a file list differs from a single-file flip", method)
		}
	}
}

// The row key of row r of file i is i<<40 | r, whatever the shards and
// batch parts a file is cut into.
func TestMultiFileKeys(t *testing.T) {
	t.Parallel()
	names, files := multiFiles(90)
	data := make([][]byte, len(files))
	for i, f := range files {
		data[i] = []byte(f)
	}
	checkKeys(t, dirFiles(t, names, data), 40)
}

func TestMultiFileNothingFlipped(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	o := baseOpts()
	_, _, err := flipFiles(t, []string{"a.csv", "b.csv"}, []string{synth(30), strings.Replace(synth(30), "id,x", "id,z", 1)}, o)
	if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "a.csv") || !strings.Contains(err.Error(), "b.csv") {
		t.Errorf("different columns: %v", err)
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
	t.Parallel()
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
		data := make([][]byte, len(files))
		for i, f := range files {
			data[i] = []byte(f)
		}
		srcs := dirFiles(t, names, data)
		lf, err := o.PlanLocal(context.Background(), srcs, 0)
		if err != nil {
			t.Fatal(err)
		}
		second := []byte(c.change(files[c.part]))
		if bytes.Equal(second, data[c.part]) {
			t.Fatalf("part %d: the test's change changes nothing", c.part)
		}
		if err := os.WriteFile(srcs[c.part].Path, second, 0o644); err != nil {
			t.Fatal(err)
		}
		var failed error
		for i, f := range lf.Files {
			if err := o.WriteDist(context.Background(), f, lf.Plan, io.Discard); err != nil {
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
	return testdata.CSVToParquet(t, csv, rowGroupRows)
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

// flipParquetFiles flips Parquet parts as one table.
func flipParquetFiles(t *testing.T, names []string, files [][]byte, o Options) ([][]byte, *multiPlan, error) {
	t.Helper()
	outs, lf, err := flipSources(o, dirFiles(t, names, files))
	if err != nil {
		return nil, nil, err
	}
	return outs, multiPlanOf(lf), nil
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
	back, _, err := undoFile(t, name, out, UndoOptions{})
	if err != nil {
		t.Fatalf("%s: undo: %v", name, err)
	}
	a, b := openPQ(t, name, in), openPQ(t, name+" (restored)", back)
	if !reflect.DeepEqual(columnsOf(a), columnsOf(b)) || !slices.Equal(a.RowGroupSizes(), b.RowGroupSizes()) || !reflect.DeepEqual(a.KeyValueMetadata(), b.KeyValueMetadata()) {
		t.Fatalf("%s: restored %v in %v, want %v in %v", name, columnsOf(b), b.RowGroupSizes(), columnsOf(a), a.RowGroupSizes())
	}
	for _, c := range a.Columns() {
		if !reflect.DeepEqual(scanAll(t, a, c.Index), scanAll(t, b, c.Index)) {
			t.Errorf("%s: undo does not restore column %s", name, c.Name)
		}
	}
}

// TestMultiFileParquet flips Parquet parts (several row groups each, two
// without rows) as one table and checks each output, the undo, and that the
// plan is the one of the same rows as CSV parts (the same keys i<<40|r).
func TestMultiFileParquet(t *testing.T) {
	t.Parallel()
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
			if !reflect.DeepEqual(p.Rows, cp.Rows) || !reflect.DeepEqual(p.Scores, cp.Scores) || !reflect.DeepEqual(p.Pool, cp.Pool) {
				t.Errorf("the Parquet plan flips %v (scores %v), the CSV plan %v (%v)", p.Rows, p.Scores, cp.Rows, cp.Scores)
			}
			ps, cs := p.Summary, cp.Summary
			if ps.Minority != cs.Minority || ps.Majority != cs.Majority || ps.Collective != cs.Collective || ps.Pool != cs.Pool || ps.ReferenceRows != cs.ReferenceRows || !reflect.DeepEqual(ps.Features, cs.Features) || ps.PositiveWritten != cs.PositiveWritten {
				t.Errorf("summaries differ:\n%+v\n%+v", ps, cs)
			}
			parts := p.Parts
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
	t.Parallel()
	names, files, _ := parquetMultiFiles(t, 90)
	srcs := dirFiles(t, names, files)
	checkKeys(t, srcs, 40)
	// The collective and the random scores, from the keys.
	o := baseOpts()
	o.Method, o.Alpha, o.Flips = MethodRandom, 0.5, FlipRule{Kind: FlipCount, N: 7}
	_, lf, err := flipSources(o, srcs)
	if err != nil {
		t.Fatal(err)
	}
	p := multiPlanOf(lf)
	var minority []uint64
	var pos []bool
	for _, k := range tableKeys(t, srcs) {
		if k.group == GroupMinority {
			minority = append(minority, k.key)
			pos = append(pos, k.positive)
		}
	}
	idx := make([]int, len(minority))
	for i := range idx {
		idx[i] = i
	}
	var pool []uint64
	for _, i := range chooseFractionKeys(idx, 0.5, o.Seed, func(i int) uint64 { return minority[i] }) {
		if !pos[i] {
			pool = append(pool, minority[i])
		}
	}
	if !reflect.DeepEqual(p.Pool, pool) {
		t.Errorf("pool %v, want %v", p.Pool, pool)
	}
	for i, k := range p.Rows {
		if want := rowhash.Uniform(o.Seed, rowhash.Random, k); p.Scores[i] != want {
			t.Errorf("row %#x: score %v, want %v", k, p.Scores[i], want)
		}
	}
}

// TestMultiFileParquetConcatenated: with the whole minority and a
// deterministic method, the keys play no part: the plan over the parts is
// the plan over one Parquet file holding all their rows.
func TestMultiFileParquetConcatenated(t *testing.T) {
	t.Parallel()
	names, files, _ := parquetMultiFiles(t, 600)
	whole := toParquet(t, synth(600), 100)
	for _, m := range []string{MethodRBProb, MethodRBLabel, MethodRBDist} {
		o := baseOpts()
		o.Method, o.K, o.Alpha, o.Flips = m, 5, 1, FlipRule{Kind: FlipCount, N: 40}
		_, p, err := flipParquetFiles(t, names, files, o)
		if err != nil {
			t.Fatal(err)
		}
		_, single, err := flipBytes(t, string(whole), o)
		if err != nil {
			t.Fatal(err)
		}
		// Row r of the whole file is row r-offset of its part.
		offsets := []int{0, 200, 400, 400, 400}
		var rows []int
		for _, k := range p.Rows {
			rows = append(rows, offsets[k>>40]+int(k&(1<<40-1)))
		}
		if len(p.Rows) != 40 || !reflect.DeepEqual(rows, single.Rows) || !reflect.DeepEqual(p.Scores, single.Scores) {
			t.Errorf("%s: the parts flip %v, one file %v", m, rows, single.Rows)
		}
	}
}

// With one Parquet file, a multi-file flip writes what a single-file flip
// writes, byte for byte.
func TestMultiFileParquetOneFileIsSingleFlip(t *testing.T) {
	t.Parallel()
	in := toParquet(t, synth(500), 64)
	for _, method := range []string{MethodRBProb, MethodRBLabel, MethodRandom} {
		o := baseOpts()
		o.Method, o.K, o.Alpha, o.ReferenceSample = method, 5, 0.5, 100
		o.Flips = FlipRule{Kind: FlipCount, N: 20}
		single, _, err := flipBytes(t, string(in), o)
		if err != nil {
			t.Fatal(err)
		}
		outs, _, err := flipParquetFiles(t, []string{"t.parquet"}, [][]byte{in}, o)
		if err != nil {
			t.Fatal(err)
		}
		if string(outs[0]) != single {
			t.Errorf("%s: one file given as a file list differs from a single-file flip", method)
		}
	}
}

func TestMultiFileParquetErrors(t *testing.T) {
	t.Parallel()
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
	_, _, err := flipSources(o, dirFiles(t, []string{"a.parquet", "b.csv"}, [][]byte{files[0], []byte(synth(10))}))
	check("mixed formats", err, fferr.ErrUsage, "a.parquet", "b.csv", "must have the same format (Parquet and CSV)")
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
// part's change sum (CRC-32) in pass 2: a data error, and nothing is
// written.
func TestMultiFileParquetPartChangedBetweenPasses(t *testing.T) {
	t.Parallel()
	names, files, csvs := parquetMultiFiles(t, 300)
	o := baseOpts()
	o.Method, o.Alpha, o.Flips = MethodRandom, 1, FlipRule{Kind: FlipCount, N: 5}
	srcs := dirFiles(t, names, files)
	lf, err := o.PlanLocal(context.Background(), srcs, 0)
	if err != nil {
		t.Fatal(err)
	}
	write := func(i int, data []byte, w io.Writer) error {
		if err := os.WriteFile(srcs[i].Path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return o.WriteDist(context.Background(), lf.Files[i], lf.Plan, w)
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
	err = write(1, changed, &out)
	if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), names[1]+" changed while it was being read") || !strings.Contains(err.Error(), "CRC-32") {
		t.Errorf("a changed part: %v, want a data error naming it", err)
	}
	if out.Len() != 0 {
		t.Errorf("%d bytes written for a changed part", out.Len())
	}
	// With fewer rows, the row count says so.
	fewer := toParquet(t, strings.Join(lines[:len(lines)-3], "\n")+"\n", 50)
	err = write(1, fewer, io.Discard)
	if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "changed while it was being read") {
		t.Errorf("a part with fewer rows: %v", err)
	}
	// The unchanged parts write.
	for _, i := range []int{0, 2, 3, 4} {
		if err := write(i, files[i], io.Discard); err != nil {
			t.Errorf("part %d: %v", i, err)
		}
	}
}

// rowKey is a row of a table as the stages key it.
type rowKey struct {
	key      uint64
	group    int8
	positive bool
}

// tableKeys extracts the table's rows, in order, cut in small shards and
// batch parts, with their keys.
func tableKeys(t *testing.T, srcs []Source) []rowKey {
	t.Helper()
	o := baseOpts()
	o.partRows = 7
	var counts []ShardRows
	var batches []*Batch
	for i, s := range srcs {
		f, err := o.Inspect(context.Background(), s, i, 200)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range f.Shards {
			b, err := o.Extract(context.Background(), sh)
			if err != nil {
				t.Fatal(err)
			}
			counts = append(counts, ShardRows{File: b.File, Shard: b.Shard, Rows: b.Rows})
			batches = append(batches, b.Split(o.batchRows())...)
		}
	}
	off := MakeOffsets(counts)
	var keys []rowKey
	for _, b := range batches {
		for i := range b.Group {
			keys = append(keys, rowKey{off.Key(b, i), b.Group[i], b.Positive[i]})
		}
	}
	return keys
}

// checkKeys checks the row keys of a table of 30-row parts in files 0, 1
// and 4 (files 2 and 3 have no rows): row r of file i is i<<40 | r.
func checkKeys(t *testing.T, srcs []Source, _ int) {
	t.Helper()
	keys := tableKeys(t, srcs)
	if len(keys) != 90 {
		t.Fatalf("%d rows, want 90", len(keys))
	}
	want := map[int]uint64{0: 0, 29: 29, 30: 1<<40 | 0, 59: 1<<40 | 29, 60: 4<<40 | 0, 89: 4<<40 | 29}
	for row, k := range want {
		if got := keys[row].key; got != k {
			t.Errorf("row %d: key %#x, want %#x", row, got, k)
		}
	}
}
