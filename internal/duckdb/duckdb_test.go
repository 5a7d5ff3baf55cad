package duckdb

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":              "''",
		"/tmp/a.pq":     "'/tmp/a.pq'",
		"it's":          "'it''s'",
		"''":            "''''''",
		`C:\x "y".parq`: `'C:\x "y".parq'`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestRepoRootFromPackageDir(t *testing.T) {
	t.Parallel()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("root %s has no go.mod: %v", root, err)
	}
	if _, err := os.Stat(filepath.Join(root, "tools", "duckdb", "query.mjs")); err != nil {
		t.Fatalf("tools/duckdb/query.mjs not found from %s: %v", root, err)
	}
}

func query(t *testing.T, sql string) *Result {
	t.Helper()
	r, err := Query(sql)
	if err != nil {
		t.Fatalf("Query(%q): %v", sql, err)
	}
	return r
}

func TestQueryTypes(t *testing.T) {
	t.Parallel()
	Require(t)
	r := query(t, `SELECT
		TRUE AS b,
		42::INTEGER AS i,
		(-7)::TINYINT AS ti,
		255::UTINYINT AS ut,
		9007199254740993::BIGINT AS big,
		'-9223372036854775808'::BIGINT AS bigmin,
		18446744073709551615::UBIGINT AS ubig,
		170141183460469231731687303715884105727::HUGEINT AS huge,
		(-12.5)::DECIMAL(9,2) AS dec,
		12345678901234.5678::DECIMAL(18,4) AS dec18,
		0.25::DOUBLE AS dbl,
		1.5::FLOAT AS flt,
		'NaN'::DOUBLE AS nan,
		'it''s'::VARCHAR AS s,
		DATE '2020-02-29' AS d,
		TIMESTAMP '2020-02-29 13:14:15.5' AS ts,
		TIMESTAMP '2020-02-29 13:14:15' AS ts0,
		'\x00\xFFA'::BLOB AS blob,
		'b'::ENUM('a', 'b') AS e,
		[1, NULL, 3] AS l,
		{'x': 1, 'y': 'z'} AS st,
		NULL::INTEGER AS n`)
	wantCols := []Column{
		{"b", "BOOLEAN"}, {"i", "INTEGER"}, {"ti", "TINYINT"}, {"ut", "UTINYINT"},
		{"big", "BIGINT"}, {"bigmin", "BIGINT"}, {"ubig", "UBIGINT"}, {"huge", "HUGEINT"},
		{"dec", "DECIMAL(9,2)"}, {"dec18", "DECIMAL(18,4)"}, {"dbl", "DOUBLE"}, {"flt", "FLOAT"},
		{"nan", "DOUBLE"}, {"s", "VARCHAR"}, {"d", "DATE"}, {"ts", "TIMESTAMP"}, {"ts0", "TIMESTAMP"},
		{"blob", "BLOB"}, {"e", "ENUM('a', 'b')"}, {"l", "INTEGER[]"},
		{"st", `STRUCT("x" INTEGER, "y" VARCHAR)`}, {"n", "INTEGER"},
	}
	if !reflect.DeepEqual(r.Columns, wantCols) {
		t.Errorf("columns\n got %v\nwant %v", r.Columns, wantCols)
	}
	want := []any{
		true, float64(42), float64(-7), float64(255),
		"9007199254740993", "-9223372036854775808", "18446744073709551615",
		"170141183460469231731687303715884105727",
		"-12.50", "12345678901234.5678", 0.25, 1.5, "NaN", "it's",
		"2020-02-29", "2020-02-29 13:14:15.5", "2020-02-29 13:14:15",
		"00ff41", "b", []any{float64(1), nil, float64(3)},
		map[string]any{"x": float64(1), "y": "z"}, nil,
	}
	if len(r.Rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(r.Rows))
	}
	for i, w := range want {
		if i >= len(r.Rows[0]) {
			t.Fatalf("row has %d values, want %d", len(r.Rows[0]), len(want))
		}
		if got := r.Rows[0][i]; !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %#v, want %#v", r.Columns[i].Name, got, w)
		}
	}
	if r.Col("dec18") != 9 || r.Col("nope") != -1 {
		t.Errorf("Col: dec18 at %d, nope at %d", r.Col("dec18"), r.Col("nope"))
	}
}

func TestQueryManyRowsAndNulls(t *testing.T) {
	t.Parallel()
	Require(t)
	r := query(t, `SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1000000000000 END AS big
		FROM range(1, 5001) t(i) ORDER BY i`)
	if len(r.Rows) != 5000 {
		t.Fatalf("got %d rows, want 5000", len(r.Rows))
	}
	if got := r.Rows[2][1]; got != nil {
		t.Errorf("row 3: got %#v, want nil", got)
	}
	if got := r.Rows[4999]; got[0] != "5000" || got[1] != "5000000000000000" {
		t.Errorf("last row: got %#v", got)
	}
}

func TestQueryError(t *testing.T) {
	t.Parallel()
	Require(t)
	_, err := Query("SELECT no_such_column")
	if err == nil || !strings.Contains(err.Error(), "no_such_column") {
		t.Fatalf("got error %v, want DuckDB's binder error naming the column", err)
	}
}

func TestCopyParquetRoundTrip(t *testing.T) {
	t.Parallel()
	Require(t)
	path := filepath.Join(t.TempDir(), "it's a.parquet")
	r := query(t, `COPY (SELECT i::INTEGER AS id, 'row ' || i AS name,
			(i * 1.25)::DECIMAL(9,2) AS amount, i % 2 = 0 AS even,
			CASE WHEN i = 3 THEN NULL ELSE 4611686018427387904 + i END AS big
		FROM range(5) t(i))
		TO `+Quote(path)+` (FORMAT parquet, COMPRESSION zstd)`)
	if len(r.Columns) != 0 || len(r.Rows) != 0 {
		t.Errorf("COPY gave %+v, want no columns and no rows", r)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("COPY wrote no file: %v", err)
	}
	r = query(t, `SELECT * FROM read_parquet(`+Quote(path)+`) ORDER BY id`)
	wantCols := []Column{{"id", "INTEGER"}, {"name", "VARCHAR"}, {"amount", "DECIMAL(9,2)"}, {"even", "BOOLEAN"}, {"big", "BIGINT"}}
	if !reflect.DeepEqual(r.Columns, wantCols) {
		t.Errorf("columns\n got %v\nwant %v", r.Columns, wantCols)
	}
	want := [][]any{
		{float64(0), "row 0", "0.00", true, "4611686018427387904"},
		{float64(1), "row 1", "1.25", false, "4611686018427387905"},
		{float64(2), "row 2", "2.50", true, "4611686018427387906"},
		{float64(3), "row 3", "3.75", false, nil},
		{float64(4), "row 4", "5.00", true, "4611686018427387908"},
	}
	if !reflect.DeepEqual(r.Rows, want) {
		t.Errorf("rows\n got %v\nwant %v", r.Rows, want)
	}
	m := query(t, `SELECT DISTINCT compression FROM parquet_metadata(`+Quote(path)+`)`)
	if len(m.Rows) != 1 || m.Rows[0][0] != "ZSTD" {
		t.Errorf("compression: got %v, want ZSTD", m.Rows)
	}
}

// The fixtures in testdata/parquet are what testdata/parquet/README.md says.
func TestParquetFixtures(t *testing.T) {
	t.Parallel()
	Require(t)
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "testdata", "parquet")
	for _, tc := range []struct {
		file  string
		rows  []string // rows per row group
		codec string
	}{
		{"duckdb_types.parquet", []string{"20"}, "SNAPPY"},
		{"duckdb_rowgroups.parquet", []string{"1000", "1000", "1000"}, "ZSTD"},
		{"duckdb_nested.parquet", []string{"10"}, "SNAPPY"},
		{"duckdb_bool_label.parquet", []string{"50"}, "SNAPPY"},
	} {
		path := filepath.Join(dir, tc.file)
		r := query(t, `SELECT row_group_id, any_value(row_group_num_rows), string_agg(DISTINCT compression, ',')
			FROM parquet_metadata(`+Quote(path)+`) GROUP BY row_group_id ORDER BY row_group_id`)
		var rows []string
		for _, row := range r.Rows {
			rows = append(rows, row[1].(string))
			if row[2] != tc.codec {
				t.Errorf("%s row group %v: codec %v, want %s", tc.file, row[0], row[2], tc.codec)
			}
		}
		if !reflect.DeepEqual(rows, tc.rows) {
			t.Errorf("%s: row groups of %v rows, want %v", tc.file, rows, tc.rows)
		}
	}
	r := query(t, `SELECT c_bigint, c_ubigint, c_decimal_18_4 FROM read_parquet(`+
		Quote(filepath.Join(dir, "duckdb_types.parquet"))+`) WHERE id IN (1, 2) ORDER BY id`)
	want := [][]any{
		{"9223372036854775807", "18446744073709551615", "-0.0001"},
		{"9007199254740993", "9223372036854775808", "-74074.0743"},
	}
	if !reflect.DeepEqual(r.Rows, want) {
		t.Errorf("duckdb_types.parquet ids 1, 2: got %v, want %v", r.Rows, want)
	}
}
