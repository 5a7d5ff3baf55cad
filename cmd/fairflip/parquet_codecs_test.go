package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/duckdb"
)

// pqColumn is a column of the table DuckDB writes for the codec tests: its
// name, its SQL over i (the row number) and n (the row count), its type.
type pqColumn struct{ name, expr, typ string }

var pqColumns = []pqColumn{
	{"id", "i", "BIGINT"},
	{"c_int", "(i*7919 % 100003 - 50000)::INTEGER", "INTEGER"},
	{"c_bigint", "(i*1000003 - 50000000000)::BIGINT", "BIGINT"},
	{"c_double", "CASE i%11 WHEN 0 THEN -0.0 WHEN 1 THEN 0.0 ELSE i/3 - 1000 END::DOUBLE", "DOUBLE"},
	// NaN in the first half of the rows only: some row groups hold one.
	{"c_float", "CASE WHEN i%17 = 0 AND i < n/2 THEN 'NaN'::FLOAT ELSE i/7 END::FLOAT", "FLOAT"},
	{"c_dec9", "(((i%1000)-500)/100)::DECIMAL(9,2)", "DECIMAL(9,2)"},
	{"c_dec18", "(((i%100000)-50000)/1000)::DECIMAL(18,3)", "DECIMAL(18,3)"},
	{"c_dec38", "(((i%200)-100) * 12345678901.5)::DECIMAL(38,4)", "DECIMAL(38,4)"},
	{"c_str", "CASE WHEN i%5 = 0 THEN NULL ELSE 'v' || (i%97) END", "VARCHAR"},
	{"c_date", "DATE '2000-01-01' + (i%3000 - 1500)::INTEGER", "DATE"},
	{"c_ts", "TIMESTAMP '2000-01-01' + to_seconds(i*37)", "TIMESTAMP"},
	{"c_interval", "to_seconds(i%1000) + to_days(i%30) + to_months(i%5)", "INTERVAL"},
	{"c_bool", "CASE WHEN i%7 = 0 THEN NULL ELSE i%3 = 0 END", "BOOLEAN"},
	{"c_uuid", "md5(i::VARCHAR)::UUID", "UUID"},
	{"c_blob", "('\\x00\\xFF' || i::VARCHAR)::BLOB", "BLOB"},
	{"c_u64", "i::UBIGINT * 3 + 18446744073709000000", "UBIGINT"},
	{"grp", "CASE WHEN i%4 = 1 THEN 'B' ELSE 'A' END", "VARCHAR"},
	{"label", "CASE WHEN i%3 = 0 THEN 1 ELSE 0 END::INTEGER", "INTEGER"},
}

const pqAudit = "fairflip_audit"

func pqQuote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// pqStatsCheck returns SQL that lists the column chunks of file whose
// statistics, as DuckDB's parquet_metadata reads them, are not those of
// their values: the null count, and the min and max (none for INTERVAL,
// none for a float chunk holding a NaN). With strictNulls false, a missing
// null count passes (DuckDB writes none for INTERVAL).
func pqStatsCheck(file string, cols []pqColumn, strictNulls bool) string {
	f := duckdb.Quote(file)
	var aggs, cases []string
	for k, c := range cols {
		q := pqQuote(c.name)
		a := fmt.Sprintf("a%d", k)
		aggs = append(aggs, fmt.Sprintf("count(*) - count(%s) AS %s_nulls", q, a))
		nulls := fmt.Sprintf("m.stats_null_count IS DISTINCT FROM a.%s_nulls", a)
		if !strictNulls {
			nulls = fmt.Sprintf("(m.stats_null_count IS NOT NULL AND %s)", nulls)
		}
		none := "m.stats_min_value IS NOT NULL OR m.stats_max_value IS NOT NULL"
		var minmax string
		switch c.typ {
		case "INTERVAL":
			minmax = none
		default:
			aggs = append(aggs, fmt.Sprintf("min(%s) AS %s_min, max(%s) AS %s_max", q, a, q, a))
			minmax = fmt.Sprintf("TRY_CAST(m.stats_min_value AS %s) IS DISTINCT FROM a.%s_min OR TRY_CAST(m.stats_max_value AS %s) IS DISTINCT FROM a.%s_max", c.typ, a, c.typ, a)
			if c.typ == "FLOAT" || c.typ == "DOUBLE" {
				aggs = append(aggs, fmt.Sprintf("count(*) FILTER (WHERE isnan(%s)) AS %s_nan", q, a))
				minmax = fmt.Sprintf("CASE WHEN a.%s_nan > 0 THEN %s ELSE %s END", a, none, minmax)
			}
		}
		cases = append(cases, fmt.Sprintf("WHEN %s THEN %s OR %s", duckdb.Quote(c.name), nulls, minmax))
	}
	return fmt.Sprintf(`(WITH rg AS (SELECT DISTINCT row_group_id AS g, row_group_num_rows AS n FROM parquet_metadata(%[1]s)),
	b AS (SELECT g, sum(n) OVER (ORDER BY g) - n AS lo, sum(n) OVER (ORDER BY g) AS hi FROM rg),
	d AS (SELECT b.g, t.* FROM read_parquet(%[1]s, file_row_number = true) t JOIN b ON t.file_row_number >= b.lo AND t.file_row_number < b.hi),
	a AS (SELECT g, %[2]s FROM d GROUP BY g),
	m AS (SELECT row_group_id AS g, path_in_schema AS col, stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata(%[1]s))
	SELECT %[1]s AS file, m.g, m.col, m.stats_min_value, m.stats_max_value, m.stats_null_count FROM m JOIN a USING (g)
	WHERE CASE m.col %[3]s ELSE true END)`, f, strings.Join(aggs, ", "), strings.Join(cases, " "))
}

// pqDiff returns SQL giving, for two files read side by side by row
// number, the number of rows in which each column differs, with the
// number of rows of the join.
func pqDiff(a, b string, cols []pqColumn, extra string) string {
	var sel []string
	for _, c := range cols {
		q := pqQuote(c.name)
		sel = append(sel, fmt.Sprintf("count(*) FILTER (WHERE x.%s IS DISTINCT FROM y.%s)", q, q))
	}
	return fmt.Sprintf("SELECT %s, count(*)%s FROM read_parquet(%s, file_row_number = true) x FULL JOIN read_parquet(%s, file_row_number = true) y USING (file_row_number)",
		strings.Join(sel, ", "), extra, duckdb.Quote(a), duckdb.Quote(b))
}

// pqSame returns SQL counting the rows of a table function's result (on
// two files, with a condition) that one file has and the other has not.
func pqSame(fn, cols, where, a, b string) string {
	qa, qb := fmt.Sprintf("SELECT %s FROM %s(%s) WHERE %s", cols, fn, duckdb.Quote(a), where), fmt.Sprintf("SELECT %s FROM %s(%s) WHERE %s", cols, fn, duckdb.Quote(b), where)
	return fmt.Sprintf("(SELECT count(*) FROM ((%s EXCEPT ALL %s) UNION ALL (%s EXCEPT ALL %s)))", qa, qb, qb, qa)
}

func pqCount(r *duckdb.Result, row, col int) int64 {
	n, err := strconv.ParseInt(fmt.Sprint(r.Rows[row][col]), 10, 64)
	if err != nil {
		panic(fmt.Sprintf("count %v: %v", r.Rows[row][col], err))
	}
	return n
}

// TestParquetCodecs: DuckDB writes a table with a column of each type (NaN
// and NULLs included) in every codec it writes and several row counts
// (several row groups of 2,048 rows; 100,000 rows but in BROTLI, which DuckDB
// is slow to write); fairflip flips each file and undoes
// the flip. DuckDB then finds every column of the output equal to the
// input's but the flipped labels, each flipped label with its audit cell;
// the same count of rows for filters that statistics could wrongly skip
// (a NaN above every number for DuckDB, negative decimals); undo's output
// equal to the input in its values, schema and row groups; and the
// statistics of every column chunk of the outputs, as DuckDB's
// parquet_metadata reads them, those of the chunk's values (the same check
// passes on DuckDB's own files).
func TestParquetCodecs(t *testing.T) {
	t.Parallel()
	duckdb.Require(t)
	dir := t.TempDir()
	codecs := []string{"uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4", "lz4_raw"}
	counts := []int{2, 2049, 5000, 100000}
	if testing.Short() {
		counts = []int{2, 5000}
	}
	type job struct{ name, in, out, back string }
	var jobs []job
	var gen strings.Builder
	var sel []string
	for _, c := range pqColumns {
		sel = append(sel, c.expr+" AS "+pqQuote(c.name))
	}
	for _, codec := range codecs {
		for _, n := range counts {
			if codec == "brotli" && n > 10000 {
				continue // DuckDB takes half a minute to write it
			}
			name := fmt.Sprintf("%s-%d", codec, n)
			j := job{name, filepath.Join(dir, name+".parquet"), filepath.Join(dir, name+".flipped.parquet"), filepath.Join(dir, name+".undone.parquet")}
			jobs = append(jobs, j)
			fmt.Fprintf(&gen, "COPY (SELECT %s FROM (SELECT i, %d AS n FROM range(%d) t(i))) TO %s (FORMAT parquet, COMPRESSION %s, ROW_GROUP_SIZE 2048);\n",
				strings.Join(sel, ", "), n, n, duckdb.Quote(j.in), codec)
		}
	}
	if _, err := duckdb.Query(gen.String()); err != nil {
		t.Fatal(err)
	}
	flipped := regexp.MustCompile(`flipped (\d+)`)
	flips := map[string]int64{}
	for _, j := range jobs {
		r := runCLI(t, "", "flip", j.in, "-o", j.out, "--sensitive", "grp", "--minority", "B", "--label", "label", "--positive", "1", "--method", "random", "--flips", "40", "--seed", "7")
		m := flipped.FindStringSubmatch(r.stderr)
		if r.code != exitOK || m == nil {
			t.Fatalf("%s: flip: exit %d: %s", j.name, r.code, r.stderr)
		}
		flips[j.name], _ = strconv.ParseInt(m[1], 10, 64)
		if n := flips[j.name]; n == 0 || (n == 1) != strings.HasSuffix(j.name, "-2") {
			t.Errorf("%s: %d flips", j.name, n)
		}
		if u := runCLI(t, "", "undo", j.out, "-o", j.back); u.code != exitOK {
			t.Fatalf("%s: undo: exit %d: %s", j.name, u.code, u.stderr)
		}
	}

	// Values, schema and row groups.
	var checks []string
	for _, j := range jobs {
		flipExtra := fmt.Sprintf(`, count(y.%[1]s), count(*) FILTER (WHERE x.label IS DISTINCT FROM y.label AND NOT (x.label = 0 AND y.label = 1 AND ends_with(y.%[1]s, ' value=0'))),
			(SELECT count(*) FROM read_parquet(%[2]s) WHERE c_float > 1e30) - (SELECT count(*) FROM read_parquet(%[3]s) WHERE c_float > 1e30),
			(SELECT count(*) FROM read_parquet(%[2]s) WHERE c_dec38 < 0) - (SELECT count(*) FROM read_parquet(%[3]s) WHERE c_dec38 < 0),
			(SELECT count(*) FROM read_parquet(%[2]s) WHERE c_u64 > 18446744073709000000) - (SELECT count(*) FROM read_parquet(%[3]s) WHERE c_u64 > 18446744073709000000)`,
			pqQuote(pqAudit), duckdb.Quote(j.out), duckdb.Quote(j.in))
		// The schema's root is left out: DuckDB gives it a repetition
		// (REQUIRED), which the format says it has not, and parquet-go none.
		undoExtra := ", " + pqSame("parquet_schema", "name, type, type_length, repetition_type, converted_type, scale, precision, field_id, logical_type", "column_id > 0", j.in, j.back) +
			", " + pqSame("parquet_metadata", "row_group_id, row_group_num_rows, column_id, path_in_schema, type, compression", "true", j.in, j.back)
		checks = append(checks, fmt.Sprintf("SELECT * FROM (%s) POSITIONAL JOIN (%s)", pqDiff(j.in, j.out, pqColumns, flipExtra), pqDiff(j.in, j.back, pqColumns, undoExtra)))
	}
	r, err := duckdb.Query(strings.Join(checks, "\nUNION ALL\n"))
	if err != nil {
		t.Fatal(err)
	}
	nc := len(pqColumns)
	for k, j := range jobs {
		n := strings.TrimPrefix(j.name[strings.LastIndex(j.name, "-"):], "-")
		rows, _ := strconv.ParseInt(n, 10, 64)
		col := 0
		for i, c := range pqColumns {
			want := int64(0)
			if c.name == "label" {
				want = flips[j.name]
			}
			if got := pqCount(r, k, i); got != want {
				t.Errorf("%s: flip: column %s differs in %d rows, want %d", j.name, c.name, got, want)
			}
		}
		col = nc
		for _, c := range []struct {
			what string
			want int64
		}{{"rows", rows}, {"audit cells", flips[j.name]}, {"flipped labels without a true audit cell", 0},
			{"more rows with c_float > 1e30 (NaN)", 0}, {"more rows with c_dec38 < 0", 0}, {"more rows with c_u64 > 2^64-551616", 0}} {
			if got := pqCount(r, k, col); got != c.want {
				t.Errorf("%s: flip: %s %d, want %d", j.name, c.what, got, c.want)
			}
			col++
		}
		for _, c := range pqColumns {
			if got := pqCount(r, k, col); got != 0 {
				t.Errorf("%s: undo: column %s differs in %d rows", j.name, c.name, got)
			}
			col++
		}
		for _, c := range []struct {
			what string
			want int64
		}{{"rows", rows}, {"schema elements that differ", 0}, {"row group entries that differ", 0}} {
			if got := pqCount(r, k, col); got != c.want {
				t.Errorf("%s: undo: %s %d, want %d", j.name, c.what, got, c.want)
			}
			col++
		}
	}

	// Statistics: DuckDB's own files pass the check (its writer leaves out
	// the null count of INTERVAL), and so must fairflip's.
	outCols := append(append([]pqColumn(nil), pqColumns...), pqColumn{pqAudit, "", "VARCHAR"})
	var stats []string
	for _, j := range jobs {
		stats = append(stats, pqStatsCheck(j.in, pqColumns, false), pqStatsCheck(j.out, outCols, true), pqStatsCheck(j.back, pqColumns, true))
	}
	r, err = duckdb.Query("SELECT * FROM (" + strings.Join(stats, "\nUNION ALL\n") + ") ORDER BY ALL")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range r.Rows {
		t.Errorf("%s, row group %v, column %v: statistics min %v, max %v, nulls %v do not match the values", filepath.Base(fmt.Sprint(row[0])), row[1], row[2], row[3], row[4], row[5])
	}
	if len(r.Columns) == 0 {
		t.Fatal("the statistics check returned no result set")
	}
	if _, err := os.Stat(jobs[0].back); err != nil {
		t.Fatal(err)
	}
}

// TestParquetCorruptPageIsBadData: a corrupt page is bad data, exit 3,
// naming the file and the column, with no output: in the label column (read
// first; the chunks fairflip encodes carry checksums), in a column only the
// rewrite reads (the flip copied DuckDB's zstd pages there, and the page
// walk finds the changed one corrupt), and for undo. (It was exit 4, an I/O
// error.)
func TestParquetCorruptPageIsBadData(t *testing.T) {
	t.Parallel()
	duckdb.Require(t)
	dir := t.TempDir()
	flipped := filepath.Join(dir, "flipped.parquet")
	if r := runCLI(t, "", append([]string{"flip", fixtures + "duckdb_rowgroups.parquet", "-o", flipped}, rowgroupArgs...)...); r.code != exitOK {
		t.Fatalf("flip: exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(flipped)
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"label", "hours"} {
		// The last byte of the column's first chunk: the end of its last page.
		r, err := duckdb.Query(fmt.Sprintf("SELECT coalesce(dictionary_page_offset, data_page_offset) + total_compressed_size - 1 FROM parquet_metadata(%s) WHERE row_group_id = 0 AND path_in_schema = %s", duckdb.Quote(flipped), duckdb.Quote(col)))
		if err != nil || len(r.Rows) != 1 {
			t.Fatalf("%v %v", err, r)
		}
		at := pqCount(r, 0, 0)
		bad := append([]byte(nil), data...)
		bad[at] ^= 0x10
		in := writeFile(t, dir, "corrupt-"+col+".parquet", string(bad))
		for _, args := range [][]string{append([]string{"flip", in, "-o", in + ".out", "--audit-column", "again"}, rowgroupArgs...), {"undo", in, "-o", in + ".out"}} {
			r := runCLI(t, "", args...)
			if r.code != exitData || !strings.Contains(r.stderr, in+": column "+col+": row group 0: corrupt ") {
				t.Errorf("%s, %s: exit %d, stderr %q", col, args[0], r.code, r.stderr)
			}
			if _, err := os.Stat(in + ".out"); !os.IsNotExist(err) {
				t.Errorf("%s, %s: an output was written", col, args[0])
			}
		}
	}
}
