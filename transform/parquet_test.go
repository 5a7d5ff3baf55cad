package transform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/fairflip/fairflip/internal/duckdb"
	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/testdata"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/parquet-go/parquet-go"
)

// duck runs SQL and fails the test on error.
func duck(t *testing.T, sql string) *duckdb.Result {
	t.Helper()
	r, err := duckdb.Query(sql)
	if err != nil {
		t.Fatalf("duckdb: %v\n%s", err, sql)
	}
	return r
}

// parquetSchema returns DuckDB's (name, type) list of a Parquet file.
func parquetSchema(t *testing.T, path string) [][2]string {
	r := duck(t, "DESCRIBE SELECT * FROM read_parquet("+duckdb.Quote(path)+")")
	var out [][2]string
	for _, row := range r.Rows {
		out = append(out, [2]string{row[0].(string), row[1].(string)})
	}
	return out
}

// rowGroupLayout returns, per row group, its row count and the codecs of its columns.
func rowGroupLayout(t *testing.T, path string) []string {
	r := duck(t, "SELECT row_group_id, row_group_num_rows, string_agg(compression, ',' ORDER BY column_id) FROM parquet_metadata("+duckdb.Quote(path)+") GROUP BY ALL ORDER BY 1")
	var out []string
	for _, row := range r.Rows {
		out = append(out, fmt.Sprint(row...))
	}
	return out
}

// differences counts, per column, the rows (matched by position) whose values
// differ between two Parquet files.
func differences(t *testing.T, a, b string, cols []string) map[string]int {
	var sel []string
	for _, c := range cols {
		q := `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		sel = append(sel, fmt.Sprintf("count(*) FILTER (WHERE x.%s IS DISTINCT FROM y.%s)", q, q))
	}
	sql := fmt.Sprintf("SELECT %s FROM read_parquet(%s, file_row_number=true) x JOIN read_parquet(%s, file_row_number=true) y USING (file_row_number)",
		strings.Join(sel, ", "), duckdb.Quote(a), duckdb.Quote(b))
	r := duck(t, sql)
	out := map[string]int{}
	for i, c := range cols {
		var n int
		fmt.Sscan(fmt.Sprint(r.Rows[0][i]), &n)
		out[c] = n
	}
	return out
}

// TestParquetRealDataFidelity converts Adult and COMPAS to Parquet with
// DuckDB, flips them, and checks with DuckDB that only the planned label
// cells changed, the schema and row groups are kept, the audit column is
// last, and undo gives back the original values and schema.
func TestParquetRealDataFidelity(t *testing.T) {
	t.Parallel()
	duckdb.Require(t)
	dir := t.TempDir()
	adultNames := strings.ReplaceAll(testdata.AdultColumns, "-", "_")
	cases := []struct {
		name, csv, sql string
		opts           Options
		label          string
	}{
		{"adult", "adult/adult.data",
			"SELECT * FROM read_csv(%s, header=false, delim=', ', names=['" + strings.ReplaceAll(adultNames, ",", "','") + "'])",
			Options{Config: Config{Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K"}, Alpha: 0.3, Seed: 1, MaxFlips: -1}}, "income"},
		{"compas", "compas/compas-scores-two-years.csv",
			"SELECT * FROM read_csv(%s, header=true)",
			Options{Config: Config{Sensitive: []string{"race"}, Minority: []string{"African-American"}, Label: "two_year_recid", Positive: []string{"0"}, Negative: []string{"1"}, Alpha: 0.3, Seed: 1, MaxFlips: -1}}, "two_year_recid"},
	}
	for _, c := range cases {
		src := filepath.Join(dir, c.name+".parquet")
		duck(t, fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 10000)", fmt.Sprintf(c.sql, duckdb.Quote(testdata.Path(t, c.csv))), duckdb.Quote(src)))
		schema := parquetSchema(t, src)
		var cols []string
		for _, s := range schema {
			cols = append(cols, s[0])
		}
		for _, m := range []string{MethodRBProb, MethodRandom} {
			t.Run(c.name+"/"+m, func(t *testing.T) {
				o := c.opts
				o.Method = m
				o.Flips = FlipRule{Kind: FlipCount, N: 150}
				in := FileInput(src)
				if in.Format != tableio.Parquet {
					t.Fatalf("format %q", in.Format)
				}
				flipped, p, err := flipPath(t, o, src)
				if err != nil {
					t.Fatal(err)
				}
				out := filepath.Join(dir, c.name+"."+m+".parquet")
				if err := os.WriteFile(out, flipped, 0o644); err != nil {
					t.Fatal(err)
				}
				// Schema: the input's columns, then the audit column.
				got := parquetSchema(t, out)
				if !reflect.DeepEqual(got[:len(got)-1], schema) || got[len(got)-1] != [2]string{DefaultAuditColumn, "VARCHAR"} {
					t.Fatalf("schema %v, want %v + audit VARCHAR", got, schema)
				}
				if a, b := rowGroupLayout(t, src), rowGroupLayout(t, out); len(a) != len(b) {
					t.Fatalf("row groups %v, want %v", b, a)
				} else {
					for i := range a {
						if !strings.HasPrefix(b[i], a[i]) {
							t.Fatalf("row group %d: %q, want %q + the audit column", i, b[i], a[i])
						}
					}
				}
				// Only the label changed, on exactly the planned rows, each with an audit entry.
				diff := differences(t, src, out, cols)
				for _, col := range cols {
					want := 0
					if col == c.label {
						want = 150
					}
					if diff[col] != want {
						t.Fatalf("column %s: %d rows differ, want %d", col, diff[col], want)
					}
				}
				r := duck(t, fmt.Sprintf("SELECT count(*) FILTER (WHERE %s IS NOT NULL), count(*) FROM read_parquet(%s)", DefaultAuditColumn, duckdb.Quote(out)))
				if fmt.Sprint(r.Rows[0][0]) != "150" || fmt.Sprint(r.Rows[0][1]) != fmt.Sprint(p.Summary.Rows) {
					t.Fatalf("audit cells %v of %v rows", r.Rows[0][0], r.Rows[0][1])
				}
				// undo: the original values and schema.
				back := filepath.Join(dir, c.name+"."+m+".undo.parquet")
				var ub bytes.Buffer
				if _, err := Undo(context.Background(), Source{Path: out}, &ub, UndoOptions{}); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(back, ub.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				if got := parquetSchema(t, back); !reflect.DeepEqual(got, schema) {
					t.Fatalf("undo schema %v, want %v", got, schema)
				}
				for col, n := range differences(t, src, back, cols) {
					if n != 0 {
						t.Fatalf("undo: column %s differs in %d rows", col, n)
					}
				}
				if a, b := rowGroupLayout(t, src), rowGroupLayout(t, back); !reflect.DeepEqual(a, b) {
					t.Fatalf("undo row groups %v, want %v", b, a)
				}
			})
		}
	}
}

// TestParquetFixtures flips the DuckDB-made fixtures: a boolean label, a
// file with several row groups, and one with nested columns.
func TestParquetFixtures(t *testing.T) {
	t.Parallel()
	fixtures := filepath.Join("..", "testdata", "parquet")
	cases := []struct {
		file string
		opts Options
	}{
		{"duckdb_bool_label.parquet", Options{Config: Config{Sensitive: []string{"grp"}, Minority: []string{"1"}, Label: "approved", Positive: []string{"true"}, Method: MethodRBProb, MaxFlips: -1, Seed: 1, Flips: FlipRule{Kind: FlipCount, N: 3}}}},
		{"duckdb_types.parquet", Options{Config: Config{Sensitive: []string{"c_boolean"}, Minority: []string{"true"}, Label: "id", Positive: []string{"1"}, Method: MethodRandom, MaxFlips: -1, Seed: 1, Flips: FlipRule{Kind: FlipCount, N: 2}}}},
		{"duckdb_rowgroups.parquet", Options{Config: Config{Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "label", Positive: []string{">50K"}, Method: MethodRBLabel, K: 5, MaxFlips: -1, Seed: 1, Flips: FlipRule{Kind: FlipCount, N: 20}}}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			o := c.opts
			flippedBytes, _, err := flipPath(t, o, filepath.Join(fixtures, c.file))
			if err != nil {
				t.Fatal(err)
			}
			backBytes, _, err := undoFile(t, "flipped.parquet", flippedBytes, UndoOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out, back := bytes.NewBuffer(flippedBytes), bytes.NewBuffer(backBytes)
			// DuckDB reads what fairflip wrote: the same schema plus the audit column, the same values.
			duckdb.Require(t)
			flipped := filepath.Join(t.TempDir(), "flipped.parquet")
			restored := filepath.Join(t.TempDir(), "restored.parquet")
			os.WriteFile(flipped, out.Bytes(), 0o644)
			os.WriteFile(restored, back.Bytes(), 0o644)
			src := filepath.Join(fixtures, c.file)
			want := parquetSchema(t, src)
			if got := parquetSchema(t, flipped); !reflect.DeepEqual(got[:len(got)-1], want) || got[len(got)-1][0] != DefaultAuditColumn {
				t.Fatalf("flipped schema %v, want %v + audit", got, want)
			}
			if got := parquetSchema(t, restored); !reflect.DeepEqual(got, want) {
				t.Fatalf("restored schema %v, want %v", got, want)
			}
			var names []string
			for _, s := range want {
				names = append(names, s[0])
			}
			for col, n := range differences(t, src, restored, names) {
				if n != 0 {
					t.Fatalf("restored column %s differs in %d rows", col, n)
				}
			}
			orig, _ := os.ReadFile(filepath.Join(fixtures, c.file))
			a, err := tableio.OpenParquet(bytes.NewReader(orig), int64(len(orig)), "a")
			if err != nil {
				t.Fatal(err)
			}
			b, err := tableio.OpenParquet(bytes.NewReader(back.Bytes()), int64(back.Len()), "b")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a.RowGroupSizes(), b.RowGroupSizes()) || len(a.Columns()) != len(b.Columns()) {
				t.Fatalf("undo: row groups %v vs %v, %d vs %d columns", a.RowGroupSizes(), b.RowGroupSizes(), len(a.Columns()), len(b.Columns()))
			}
			for _, col := range a.Columns() {
				if !col.Flat {
					continue
				}
				va, vb := scanAll(t, a, col.Index), scanAll(t, b, col.Index)
				if !reflect.DeepEqual(va, vb) {
					t.Fatalf("undo: column %s differs", col.Name)
				}
			}
		})
	}
}

func scanAll(t *testing.T, p *tableio.ParquetFile, col int) []string {
	var out []string
	err := p.ScanColumn(col, func(_ int64, text []byte, null bool) error {
		if null {
			out = append(out, "<null>")
		} else {
			out = append(out, string(text))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestParquetErrorClasses: what the Parquet reader, rewrite and check
// report maps to exit codes: an input that cannot be read faithfully or a
// corrupt page is bad data (3), an output that is not what it should be an
// internal error (1), a failing file system an I/O error (4).
func TestParquetErrorClasses(t *testing.T) {
	t.Parallel()
	pathErr := &fs.PathError{Op: "write", Path: "/tmp/x", Err: syscall.ENOSPC}
	for _, c := range []struct {
		err   error
		class error
	}{
		{fmt.Errorf("in.parquet: column d: %w: parquet-go decodes row 2 as 0", tableio.ErrParquetDecode), fferr.ErrData},
		{fmt.Errorf("output: %w: column d, row 2", tableio.ErrParquetMismatch), errInvariant},
		{fmt.Errorf("output: %w: column d, row 2", tableio.ErrParquetMismatch), fferr.ErrInternal},
		{fmt.Errorf("in.parquet: reading the page index: %w", pathErr), fferr.ErrIO},
	} {
		if got := (&Options{}).rewriteError(c.err, "in.parquet"); !errors.Is(got, c.class) {
			t.Errorf("rewriteError(%v) = %v, want class %v", c.err, got, c.class)
		}
	}
	for _, c := range []struct {
		err   error
		class error
	}{
		{fmt.Errorf("in.parquet: column id: row group 0: corrupt page (decoding page 0): %w", tableio.ErrMalformed), fferr.ErrData},
		{&tableio.RowError{File: "in.parquet", Row: 3, Err: errors.New("bad")}, fferr.ErrData},
		{&tableio.TableChangedError{File: "in.csv", What: "1 bytes, 2 before"}, fferr.ErrData},
		{fmt.Errorf("in.parquet: %w", tableio.ErrInternal), fferr.ErrInternal},
		{fmt.Errorf("in.parquet: writing: %w", pathErr), fferr.ErrIO},
		{errors.New("read /dev/sdz: input/output error"), fferr.ErrIO},
		{fferr.Usage("x"), fferr.ErrUsage},
		{context.Canceled, context.Canceled},
	} {
		if got := classify(c.err); !errors.Is(got, c.class) {
			t.Errorf("classify(%v) = %v, want class %v", c.err, got, c.class)
		}
	}
	if (&Options{}).rewriteError(nil, "") != nil || classify(nil) != nil {
		t.Error("nil is not nil")
	}
}

// TestParquetLabelNotUTF8: a Parquet string may hold any bytes (a CSV
// reader refuses them), and a label that is not valid UTF-8 cannot be
// recorded in an audit cell; flip refuses it as bad data naming the row
// and column, in the minority or not (it once failed its own check of the
// audit cell, exit 1). --positive must be valid UTF-8, so such a label is
// never positive.
func TestParquetLabelNotUTF8(t *testing.T) {
	t.Parallel()
	type row struct {
		Grp   string `parquet:"grp"`
		X     int64  `parquet:"x"`
		Label string `parquet:"label"`
	}
	o := Options{Config: Config{Sensitive: []string{"grp"}, Minority: []string{"A"}, Label: "label", Positive: []string{"yes"},
		Method: MethodRandom, Alpha: 1, Flips: FlipRule{Kind: FlipPercent, Percent: 100}, MaxFlips: -1, Seed: 1}}
	for _, c := range []struct {
		rows []row
		want string
	}{
		{[]row{{"A", 1, "no"}, {"B", 2, "yes"}, {"A", 3, "\xfao"}, {"B", 4, "no"}}, "row 3: column 3 (label)"},
		{[]row{{"A", 1, "no"}, {"B", 2, "yes"}, {"A", 3, "no"}, {"B", 4, "n\xc3"}}, "row 4: column 3 (label)"},
	} {
		var b bytes.Buffer
		if err := parquet.Write(&b, c.rows); err != nil {
			t.Fatal(err)
		}
		_, _, err := flipBytes(t, b.String(), o)
		if !errors.Is(err, fferr.ErrData) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "not valid UTF-8") {
			t.Errorf("want a data error at %s: %v", c.want, err)
		}
	}
}
