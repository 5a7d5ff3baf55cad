package transform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// TestInvariantsHoldOnRealFlips: the inline check passes on ordinary flips
// of every method (the rest of the package's tests run it on every flip too).
func TestInvariantsHoldOnRealFlips(t *testing.T) {
	t.Parallel()
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

// flipTampered flips in (t.csv, or a Parquet file at path) with the
// options' test seams set, returning the error and what reached the output.
func flipTampered(t *testing.T, o Options, src Source) (string, error) {
	t.Helper()
	lf, err := o.PlanLocal(context.Background(), []Source{src}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = o.WriteDist(context.Background(), lf.Files[0], lf.Plan, &out)
	return out.String(), err
}

// TestBrokenInvariantAborts stands in for bugs in the rewrite: each
// corruption of an output record must be caught before the record is
// written, as an internal error (exit code 1), never a data or I/O error.
func TestBrokenInvariantAborts(t *testing.T) {
	t.Parallel()
	in := synth(300)
	src := tableFile(t, "t.csv", []byte(in))
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
		}, "would change the cell in column 1"},
		{"a record dropped its terminator", func(rec *tableio.Record, out []byte, _ bool) []byte {
			if rec.Row == 20 {
				return bytes.TrimSuffix(out, []byte("\n"))
			}
			return out
		}, "would not leave one well-formed CSV record"},
		{"two records in one", func(rec *tableio.Record, out []byte, _ bool) []byte {
			if rec.Row == 30 {
				return append(append([]byte(nil), out...), out...)
			}
			return out
		}, "would split the record in two"},
		{"an extra cell", func(rec *tableio.Record, out []byte, _ bool) []byte {
			if rec.Row == 40 {
				return bytes.Replace(out, []byte(","), []byte(",x,"), 1)
			}
			return out
		}, "would change the number of cells of the record"},
		{"an audit cell on an unflipped row", func(rec *tableio.Record, out []byte, flipped bool) []byte {
			if rec.Kind == tableio.Data && !flipped {
				return bytes.Replace(out, []byte(",\n"), []byte(",fairflip/1 col=4 method=random score=0 was=0\n"), 1)
			}
			return out
		}, "would write the new last cell as"},
		{"a quoted empty audit cell on an unflipped row", func(rec *tableio.Record, out []byte, _ bool) []byte {
			if rec.Row == 50 {
				return bytes.Replace(out, []byte(",\n"), []byte(`,""`+"\n"), 1)
			}
			return out
		}, "would not be the input record's bytes and an empty audit cell"},
		{"a flipped label not positive", func(rec *tableio.Record, out []byte, flipped bool) []byte {
			if flipped {
				return bytes.Replace(out, []byte(",1,fairflip"), []byte(",2,fairflip"), 1)
			}
			return out
		}, `would change the cell in column 4 from "1" to "2"`},
		{"an audit cell with the wrong original", func(rec *tableio.Record, out []byte, flipped bool) []byte {
			if flipped {
				return bytes.Replace(out, []byte("was=0"), []byte("was=00"), 1)
			}
			return out
		}, "would write the new last cell as"},
		{"a header without the audit column", func(rec *tableio.Record, out []byte, _ bool) []byte {
			if rec.Kind == tableio.Header {
				return bytes.Replace(out, []byte("fairflip_audit"), []byte("audit"), 1)
			}
			return out
		}, `would write the new last cell as "audit", not "fairflip_audit"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := baseOpts()
			o.Method, o.Alpha, o.Flips = MethodRandom, 1, FlipRule{Kind: FlipCount, N: 5}
			lf, err := o.PlanLocal(context.Background(), []Source{src}, 0)
			if err != nil {
				t.Fatal(err)
			}
			planned := map[int]bool{}
			for _, r := range planOf(lf, 0).Rows {
				planned[r] = true
			}
			o.tamper.Record = func(rec *tableio.Record, out []byte) []byte {
				return c.corrupt(rec, out, rec.Kind == tableio.Data && planned[rec.Row])
			}
			out, err := flipTampered(t, o, src)
			if err == nil || !errors.Is(err, errInvariant) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an internal-check error saying %q", err, c.want)
			}
			if errors.Is(err, fferr.ErrData) || errors.Is(err, fferr.ErrIO) || errors.Is(err, fferr.ErrUsage) {
				t.Errorf("a broken invariant is classified as a user's error: %v", err)
			}
			// The corrupt record itself never reached the output.
			if strings.Contains(out, "x,") || strings.Contains(out, "was=00") {
				t.Error("the corrupt record was written")
			}
		})
	}
}

// TestBrokenFlipRuleAborts stands in for bugs in what a flip asks its
// format to write (the rewrite writes it faithfully): a label that is not
// the positive value, an audit cell that does not record the original, a
// row outside the minority; each is caught by the flip's own check of the
// rows written, as an internal error, for CSV and Parquet.
func TestBrokenFlipRuleAborts(t *testing.T) {
	t.Parallel()
	csvSrc := tableFile(t, "t.csv", []byte(synth(300)))
	pq := Source{Path: filepath.Join("..", "testdata", "parquet", "duckdb_rowgroups.parquet")}
	pqOpts := Options{Config: Config{Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "label", Positive: []string{">50K"}, Method: MethodRandom, MaxFlips: -1, Seed: 1, Flips: FlipRule{Kind: FlipCount, N: 5}}}
	csvOpts := baseOpts()
	csvOpts.Method, csvOpts.Alpha, csvOpts.Flips = MethodRandom, 1, FlipRule{Kind: FlipCount, N: 5}
	for _, c := range []struct {
		name   string
		change func(r *tableio.Rewrite)
		want   string
	}{
		{"a label that is not the positive value", func(r *tableio.Rewrite) {
			next := r.New
			r.New = func(i int, orig tableio.Cell) (tableio.NewCell, error) {
				nc, err := next(i, orig)
				nc.Value = orig.Value + "x"
				return nc, err
			}
		}, "not from negative to positive"},
		{"an audit cell that records another label", func(r *tableio.Rewrite) {
			next := r.AuditCell
			r.AuditCell = func(i int, orig tableio.Cell) string {
				return next(i, tableio.Cell{Raw: []byte("zz"), Value: "zz"})
			}
		}, "does not record the original label"},
		{"an audit cell of another method", func(r *tableio.Rewrite) {
			next := r.AuditCell
			r.AuditCell = func(i int, orig tableio.Cell) string {
				return strings.Replace(next(i, orig), "method=random", "method=rb-prob", 1)
			}
		}, "does not record the flip"},
	} {
		for _, f := range []struct {
			o   Options
			src Source
		}{{csvOpts, csvSrc}, {pqOpts, pq}} {
			t.Run(c.name+"/"+filepath.Ext(f.src.Path), func(t *testing.T) {
				o := f.o
				o.tamperRewrite = c.change
				out, err := flipTampered(t, o, f.src)
				if err == nil || !errors.Is(err, errInvariant) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("got %v, want an internal-check error saying %q", err, c.want)
				}
				if out != "" {
					t.Errorf("%d bytes reached the output", len(out))
				}
			})
		}
	}
}

// TestPlanRowsChecked: a plan naming a row outside the pool, twice the same
// row, or more rows than --max-flips is refused.
func TestPlanRowsChecked(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	src := Source{Path: filepath.Join("..", "testdata", "parquet", "duckdb_rowgroups.parquet")}
	o := Options{Config: Config{Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "label", Positive: []string{">50K"}, Method: MethodRandom, MaxFlips: -1, Seed: 1, Flips: FlipRule{Kind: FlipCount, N: 5}, AuditColumn: DefaultAuditColumn}}
	lf, err := o.PlanLocal(context.Background(), []Source{src}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := planOf(lf, 0)
	planned := map[int64]bool{}
	for _, r := range p.Rows {
		planned[int64(r)] = true
	}
	unplanned := int64(0)
	for planned[unplanned] {
		unplanned++
	}
	first := int64(p.Rows[0])
	const label = 4 // the label column of duckdb_rowgroups.parquet
	for _, c := range []struct {
		name    string
		corrupt func(rw *tableio.ParquetRewrite)
		want    string
	}{
		{"an unplanned label changed", func(rw *tableio.ParquetRewrite) { rw.Set[label][unplanned] = ">50K-" }, "the rewritten file is not what it should be"},
		{"a planned label not set", func(rw *tableio.ParquetRewrite) { delete(rw.Set[label], first) }, "the rewritten file is not what it should be"},
		{"a stray audit cell", func(rw *tableio.ParquetRewrite) {
			rw.Append[unplanned] = "fairflip/1 col=1 method=random score=0 value=x"
		}, "the rewritten file is not what it should be"},
		{"a wrong audit cell", func(rw *tableio.ParquetRewrite) { rw.Append[first] += "x" }, "the rewritten file is not what it should be"},
		{"a cell of another column", func(rw *tableio.ParquetRewrite) { rw.Set[3] = map[int64]string{7: "99"} }, "column hours, row 8: \"99\", want"},
		{"a cell of another column, last row group", func(rw *tableio.ParquetRewrite) { rw.Set[3] = map[int64]string{2999: "-1"} }, "column hours, row 3000: \"-1\", want"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := o
			q.tamper.Parquet = c.corrupt
			out, err := flipTampered(t, q, src)
			if err == nil || !errors.Is(err, errInvariant) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an internal-check error saying %q", err, c.want)
			}
			if out != "" {
				t.Errorf("%d bytes reached the output", len(out))
			}
		})
	}
	// Unbroken, the same plan passes its check.
	if out, err := flipTampered(t, o, src); err != nil || out == "" {
		t.Fatalf("clean rewrite: %v, %d bytes", err, len(out))
	}
}

// TestSameSizeChangeBetweenPassesCaught: an input that changes between the
// two passes but keeps its size (which the command line's size-and-time
// check cannot see within one timestamp tick) is caught by the second
// pass's hash, as bad data.
func TestSameSizeChangeBetweenPassesCaught(t *testing.T) {
	t.Parallel()
	first := []byte(synth(300))
	second := bytes.Replace(first, []byte("\n10,"), []byte("\n01,"), 1)
	if len(second) != len(first) || bytes.Equal(first, second) {
		t.Fatal("the test's change is not a same-size change")
	}
	src := tableFile(t, "t.csv", first)
	o := baseOpts()
	o.Method, o.Alpha, o.Flips = MethodRandom, 1, FlipRule{Kind: FlipCount, N: 5}
	lf, err := o.PlanLocal(context.Background(), []Source{src}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src.Path, second, 0o644); err != nil {
		t.Fatal(err)
	}
	err = o.WriteDist(context.Background(), lf.Files[0], lf.Plan, io.Discard)
	if err == nil || !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "its CRC-32 was crc32:") {
		t.Fatalf("got %v, want a data error about the changed hash", err)
	}
}

// TestNoInputSHA256: leaving the SHA-256 out (as the command line does
// without --summary) leaves the summary's input_sha256 empty and changes
// nothing else: the same plan and output bytes, for CSV, JSON Lines and
// Parquet; and a same-size change between the passes is still caught, by
// the CRC-32.
func TestNoInputSHA256(t *testing.T) {
	t.Parallel()
	csv := synth(300)
	var jl strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(csv), "\n")[1:] {
		f := strings.Split(line, ",")
		fmt.Fprintf(&jl, `{"id":%q,"x":%q,"g":%q,"y":%q}`+"\n", f[0], f[1], f[2], f[3])
	}
	inputs := map[string][]byte{"t.csv": []byte(csv), "t.jsonl": []byte(jl.String()), "t.parquet": toParquet(t, csv, 50)}
	for name, data := range inputs {
		o := baseOpts()
		o.Method, o.Alpha, o.Flips = MethodRandom, 1, FlipRule{Kind: FlipCount, N: 5}
		want, lfWith, err := flipSources(o, []Source{tableFile(t, name, data)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sum := sha256.Sum256(data)
		if got := lfWith.Summary().SHA256; got != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: input_sha256 %q, want the file's", name, got)
		}
		o.NoInputSHA256 = true
		got, lf, err := flipSources(o, []Source{tableFile(t, name, data)})
		if err != nil {
			t.Fatalf("%s without the SHA-256: %v", name, err)
		}
		if s := lf.Summary(); s.SHA256 != "" || s.Flips != 5 {
			t.Errorf("%s without the SHA-256: input_sha256 %q, %d flips", name, s.SHA256, s.Flips)
		}
		if !bytes.Equal(got[0], want[0]) {
			t.Errorf("%s: the output differs without the SHA-256", name)
		}
		// A same-size change between the passes (Parquet: the same rows,
		// one cell changed).
		src := tableFile(t, name, data)
		lf, err = o.PlanLocal(context.Background(), []Source{src}, 0)
		if err != nil {
			t.Fatal(err)
		}
		changed := bytes.Clone(data)
		if name == "t.parquet" {
			changed = toParquet(t, strings.Replace(csv, "\n10,", "\n01,", 1), 50)
		} else {
			changed = bytes.Replace(changed, []byte(`"10"`), []byte(`"01"`), 1)
			changed = bytes.Replace(changed, []byte("\n10,"), []byte("\n01,"), 1)
		}
		if bytes.Equal(changed, data) || name != "t.parquet" && len(changed) != len(data) {
			t.Fatalf("%s: the test's change is not a same-size change", name)
		}
		if err := os.WriteFile(src.Path, changed, 0o644); err != nil {
			t.Fatal(err)
		}
		err = o.WriteDist(context.Background(), lf.Files[0], lf.Plan, io.Discard)
		if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), "its CRC-32 was crc32:") {
			t.Errorf("%s changed between the passes: %v, want a data error about its CRC-32", name, err)
		}
	}
}
