package transform

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// TestInvariantsHoldOnRealFlips: the inline check passes on ordinary flips
// of every method (the rest of the package's tests run it on every flip too).
func TestInvariantsHoldOnRealFlips(t *testing.T) {
	for _, m := range []string{MethodRandom, MethodRBProb, MethodRBLabel, MethodRBDist} {
		o := baseOpts()
		o.Method, o.Alpha, o.K, o.Flips = m, 1, 3, FlipRule{Kind: FlipCount, N: 5}
		if m == MethodRandom {
			o.Flips = FlipRule{Kind: FlipCount, N: 5}
		}
		out, p, err := flipBytes(t, synth(300), o)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if len(p.Rows) != 5 || strings.Count(out, "fairflip/1") != 5 {
			t.Fatalf("%s: %d planned, %d audit cells", m, len(p.Rows), strings.Count(out, "fairflip/1"))
		}
	}
}

// TestBrokenInvariantAborts stands in for bugs in the rewrite: each
// corruption of an output record must be caught before the record is
// written, as an internal error (exit code 1), never a data or I/O error.
func TestBrokenInvariantAborts(t *testing.T) {
	in := synth(300)
	cases := []struct {
		name    string
		corrupt func(rec *tableio.Record, out []byte, flipped bool) []byte
		want    string
	}{
		{"a non-label cell changed", func(rec *tableio.Record, out []byte, _ bool) []byte {
			if rec.Row == 10 {
				return bytes.Replace(out, []byte("10,"), []byte("11,"), 1)
			}
			return out
		}, "a cell that flip does not change was changed"},
		{"a record dropped its terminator", func(rec *tableio.Record, out []byte, _ bool) []byte {
			if rec.Row == 20 {
				return bytes.TrimSuffix(out, []byte("\n"))
			}
			return out
		}, "does not read back as one CSV record"},
		{"two records in one", func(rec *tableio.Record, out []byte, _ bool) []byte {
			if rec.Row == 30 {
				return append(append([]byte(nil), out...), out...)
			}
			return out
		}, "reads back as less than its bytes"},
		{"an extra cell", func(rec *tableio.Record, out []byte, _ bool) []byte {
			if rec.Row == 40 {
				return bytes.Replace(out, []byte(","), []byte(",x,"), 1)
			}
			return out
		}, "wrong number of fields"},
		{"an audit cell on an unflipped row", func(rec *tableio.Record, out []byte, flipped bool) []byte {
			if rec.Kind == tableio.Data && !flipped {
				return bytes.Replace(out, []byte(",\n"), []byte(",fairflip/1 col=4 method=random score=0 was=0\n"), 1)
			}
			return out
		}, "an audit cell on a row that was not flipped"},
		{"a flipped label not positive", func(rec *tableio.Record, out []byte, flipped bool) []byte {
			if flipped {
				return bytes.Replace(out, []byte(",1,fairflip"), []byte(",2,fairflip"), 1)
			}
			return out
		}, "not from negative to positive"},
		{"an audit cell with the wrong original", func(rec *tableio.Record, out []byte, flipped bool) []byte {
			if flipped {
				return bytes.Replace(out, []byte("was=0"), []byte("was=00"), 1)
			}
			return out
		}, "does not record the original label"},
		{"a header without the audit column", func(rec *tableio.Record, out []byte, _ bool) []byte {
			if rec.Kind == tableio.Header {
				return bytes.Replace(out, []byte("fairflip_audit"), []byte("audit"), 1)
			}
			return out
		}, "not the audit column"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := baseOpts()
			o.Method, o.Alpha, o.Flips = MethodRandom, 1, FlipRule{Kind: FlipCount, N: 5}
			input := BytesInput("t.csv", []byte(in))
			p, err := o.MakePlan(context.Background(), input)
			if err != nil {
				t.Fatal(err)
			}
			planned := map[int]bool{}
			for _, r := range p.Rows {
				planned[r] = true
			}
			corruptOutput = func(rec *tableio.Record, out []byte) []byte {
				return c.corrupt(rec, out, rec.Kind == tableio.Data && planned[rec.Row])
			}
			defer func() { corruptOutput = nil }()
			var out bytes.Buffer
			err = o.Write(context.Background(), p, input, &out)
			if err == nil || !errors.Is(err, errInvariant) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an internal-check error saying %q", err, c.want)
			}
			if errors.Is(err, fferr.ErrData) || errors.Is(err, fferr.ErrIO) || errors.Is(err, fferr.ErrUsage) {
				t.Errorf("a broken invariant is classified as a user's error: %v", err)
			}
			// The corrupt record itself never reached the output.
			if strings.Contains(out.String(), "x,") || strings.Contains(out.String(), "was=00") {
				t.Error("the corrupt record was written")
			}
		})
	}
}

// TestPlanRowsChecked: a plan naming a row outside the pool, twice the same
// row, or more rows than --max-flips is refused.
func TestPlanRowsChecked(t *testing.T) {
	o := baseOpts()
	o.Method, o.Alpha, o.Flips = MethodRandom, 0.5, FlipRule{Kind: FlipCount, N: 3}
	_, p, err := flipBytes(t, synth(300), o)
	if err != nil {
		t.Fatal(err)
	}
	good := append([]int(nil), p.Rows...)
	notInPool := 1 // row 1 is a majority row in synth
	for _, c := range []struct {
		rows []int
		want string
	}{
		{[]int{notInPool}, "not in the candidate pool"},
		{[]int{good[0], good[0]}, "not distinct and ascending"},
		{[]int{good[1], good[0]}, "not distinct and ascending"},
	} {
		q := *p
		q.Rows = c.rows
		q.Scores = make([]float64, len(c.rows))
		if err := q.checkRows(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("rows %v: got %v, want %q", c.rows, err, c.want)
		}
	}
	q := *p
	q.Summary.MaxFlips = 2
	if err := q.checkRows(); err == nil || !strings.Contains(err.Error(), "--max-flips") {
		t.Errorf("3 rows with --max-flips 2: got %v", err)
	}
}

// TestBrokenParquetInvariantAborts: a rewrite that changes an unplanned
// label, drops a planned one, writes a stray or wrong audit cell, or changes
// a column flip does not touch is caught by the check of the written file,
// and nothing reaches the output.
func TestBrokenParquetInvariantAborts(t *testing.T) {
	in := FileInput(filepath.Join("..", "testdata", "parquet", "duckdb_rowgroups.parquet"))
	o := Options{Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "label", Positive: []string{">50K"}, Method: MethodRandom, MaxFlips: -1, Seed: 1, Flips: FlipRule{Kind: FlipCount, N: 5}, AuditColumn: DefaultAuditColumn}
	p, err := o.MakePlan(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	planned := map[int64]bool{}
	for _, r := range p.Rows {
		planned[int64(r)] = true
	}
	unplanned := int64(0)
	for planned[unplanned] {
		unplanned++
	}
	first := int64(p.Rows[0])
	for _, c := range []struct {
		name    string
		corrupt func(rw *tableio.ParquetRewrite)
		want    string
	}{
		{"an unplanned label changed", func(rw *tableio.ParquetRewrite) { rw.Set[p.lay.label][unplanned] = ">50K-" }, "does not change was changed"},
		{"a planned label not set", func(rw *tableio.ParquetRewrite) { delete(rw.Set[p.lay.label], first) }, "not positive"},
		{"a stray audit cell", func(rw *tableio.ParquetRewrite) {
			rw.Append[unplanned] = "fairflip/1 col=1 method=random score=0 value=x"
		}, "not flipped"},
		{"a wrong audit cell", func(rw *tableio.ParquetRewrite) { rw.Append[first] += "x" }, "does not record the original label"},
		{"a cell of another column", func(rw *tableio.ParquetRewrite) { rw.Set[3] = map[int64]string{7: "99"} }, "column hours, row 8: \"99\", want"},
		{"a cell of another column, last row group", func(rw *tableio.ParquetRewrite) { rw.Set[3] = map[int64]string{2999: "-1"} }, "column hours, row 3000: \"-1\", want"},
	} {
		t.Run(c.name, func(t *testing.T) {
			corruptParquet = c.corrupt
			defer func() { corruptParquet = nil }()
			var out bytes.Buffer
			err := o.Write(context.Background(), p, in, &out)
			if err == nil || !errors.Is(err, errInvariant) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an internal-check error saying %q", err, c.want)
			}
			if out.Len() != 0 {
				t.Errorf("%d bytes reached the output", out.Len())
			}
		})
	}
	// Unbroken, the same plan passes its check.
	var out bytes.Buffer
	if err := o.Write(context.Background(), p, in, &out); err != nil || out.Len() == 0 {
		t.Fatalf("clean rewrite: %v, %d bytes", err, out.Len())
	}
}

// TestSameSizeChangeBetweenPassesCaught: an input that changes between the
// two passes but keeps its size (which the command line's size-and-time
// check cannot see within one timestamp tick) is caught by the second
// pass's hash, as bad data.
func TestSameSizeChangeBetweenPassesCaught(t *testing.T) {
	first := []byte(synth(300))
	second := bytes.Replace(first, []byte("\n10,"), []byte("\n01,"), 1)
	if len(second) != len(first) || bytes.Equal(first, second) {
		t.Fatal("the test's change is not a same-size change")
	}
	opens := 0
	in := &Input{Name: "t.csv", Format: tableio.CSV, Open: func() (io.ReadCloser, error) {
		opens++
		if opens == 1 {
			return io.NopCloser(bytes.NewReader(first)), nil
		}
		return io.NopCloser(bytes.NewReader(second)), nil
	}}
	o := baseOpts()
	o.Method, o.Alpha, o.Flips = MethodRandom, 1, FlipRule{Kind: FlipCount, N: 5}
	p, err := o.MakePlan(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	err = o.Write(context.Background(), p, in, io.Discard)
	if err == nil || !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("got %v, want a data error about the changed hash", err)
	}
}
