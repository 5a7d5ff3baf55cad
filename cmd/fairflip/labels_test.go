package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/duckdb"
)

// labelTypesSQL writes a DuckDB table with a label column of every type
// (0/1-like values by row parity), a group column g and a feature x.
const labelTypesSQL = `SET threads=1;
COPY (
  SELECT
    CASE WHEN i % 3 = 0 THEN 'min' ELSE 'maj' END AS g,
    (i * 7 % 11)::DOUBLE AS x,
    (i % 2 = 1) AS l_boolean,
    (i % 2)::TINYINT AS l_tinyint,
    (i % 2)::UTINYINT AS l_utinyint,
    (i % 2)::INTEGER AS l_integer,
    (i % 2)::BIGINT AS l_bigint,
    (i % 2)::HUGEINT AS l_hugeint,
    (i % 2)::FLOAT AS l_float,
    (i % 2)::DOUBLE AS l_double,
    (i % 2)::DECIMAL(5,2) AS l_decimal,
    CASE WHEN i % 2 = 1 THEN 'yes' ELSE 'no' END AS l_varchar,
    (CASE WHEN i % 2 = 1 THEN 'yes' ELSE 'no' END)::ENUM('no', 'yes') AS l_enum,
    TIMESTAMP '2020-01-01' + (i % 2) * INTERVAL 1 DAY AS l_timestamp,
    DATE '2020-01-01' + (i % 2)::INTEGER AS l_date,
    TIME '10:00:00' + (i % 2) * INTERVAL 1 HOUR AS l_time,
    (CASE WHEN i % 2 = 1 THEN '00000000-0000-0000-0000-000000000001' ELSE '00000000-0000-0000-0000-000000000000' END)::UUID AS l_uuid,
    (i % 2) * INTERVAL 1 DAY AS l_interval,
    (CASE WHEN i % 2 = 1 THEN 'yes' ELSE 'no' END)::BLOB AS l_blob
  FROM range(60) t(i)
  ORDER BY i
) TO %s (FORMAT parquet)`

// TestLabelTypes: --positive and --negative are checked against the Parquet
// label column's type before any pass over the data. A value the type cannot
// hold, or a type fairflip does not read labels of, is a usage error (exit
// 2) naming the flag, the column, its type and the accepted form; it is
// given even when every data page of the file is garbage, so no data was
// read. The types it accepts flip and undo.
func TestLabelTypes(t *testing.T) {
	t.Parallel()
	duckdb.Require(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "labels.parquet")
	if _, err := duckdb.Query(strings.Replace(labelTypesSQL, "%s", duckdb.Quote(src), 1)); err != nil {
		t.Fatal(err)
	}
	// The same file with every byte between the magic and the footer
	// garbage: any pass over the data fails (exit 3).
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dataEnd := len(b) - 8 - int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	for i := 4; i < dataEnd; i++ {
		b[i] = 0xA5
	}
	garbage := writeFile(t, dir, "garbage.parquet", string(b))

	base := []string{"--sensitive", "g", "--minority", "min", "--method", "random", "--flips", "3"}
	type want struct {
		code int
		msg  string
	}
	cases := []struct {
		label    string
		pos, neg string // neg "": no --negative
		want     want
	}{
		{"l_boolean", "true", "false", want{0, ""}},
		{"l_boolean", "1", "", want{exitUsage, `--positive: "1" is not a value of column l_boolean (BOOLEAN), which takes true or false (in lower case)`}},
		{"l_boolean", "TRUE", "", want{exitUsage, `--positive: "TRUE" is not a value of column l_boolean (BOOLEAN), which takes true or false`}},
		{"l_boolean", "true", "no", want{exitUsage, `--negative: "no" is not a value of column l_boolean (BOOLEAN)`}},
		{"l_tinyint", "1", "0", want{0, ""}},
		{"l_tinyint", "300", "", want{exitUsage, `--positive: "300" is not a value of column l_tinyint (INT32 (INT8)), which takes an integer from -128 to 127`}},
		{"l_tinyint", "yes", "", want{exitUsage, `--positive: "yes" is not a value of column l_tinyint (INT32 (INT8))`}},
		{"l_utinyint", "1", "-1", want{exitUsage, `--negative: "-1" is not a value of column l_utinyint (INT32 (UINT8)), which takes an integer from 0 to 255`}},
		{"l_integer", "yes", "", want{exitUsage, `--positive: "yes" is not a value of column l_integer (INT32), which takes an integer from -2147483648 to 2147483647`}},
		{"l_integer", "1.5", "", want{exitUsage, `--positive: "1.5" is not a value of column l_integer`}},
		{"l_bigint", "1", "0", want{0, ""}},
		{"l_hugeint", "1", "0", want{0, ""}}, // DuckDB writes HUGEINT as DOUBLE
		{"l_float", "1", "0", want{0, ""}},
		{"l_double", "1.0", "0", want{0, ""}},
		{"l_double", "Inf", "", want{exitUsage, `--positive: "Inf" is not a value of column l_double (DOUBLE), which takes a finite number`}},
		{"l_decimal", "1", "0.00", want{0, ""}},
		{"l_decimal", "1.005", "", want{exitUsage, `--positive: "1.005" is not a value of column l_decimal (INT32 (DECIMAL(5,2))), which takes a number of at most 5 digits, at most 2 of them after the decimal point`}},
		{"l_decimal", "1000", "", want{exitUsage, `--positive: "1000" is not a value of column l_decimal`}},
		{"l_varchar", "yes", "no", want{0, ""}},
		{"l_enum", "yes", "no", want{0, ""}},
		{"l_blob", "yes", "no", want{0, ""}},
		{"l_timestamp", "2020-01-02 00:00:00", "", want{exitUsage, `--label l_timestamp: column l_timestamp is INT64 (TIMESTAMP`}},
		{"l_date", "2020-01-02", "", want{exitUsage, `--label l_date: column l_date is INT32 (DATE): fairflip reads labels of type BOOLEAN, integer, FLOAT, DOUBLE, DECIMAL or text`}},
		{"l_time", "11:00:00", "", want{exitUsage, `--label l_time: column l_time is INT64 (TIME`}},
		{"l_uuid", "00000000-0000-0000-0000-000000000001", "", want{exitUsage, `--label l_uuid: column l_uuid is FIXED_LEN_BYTE_ARRAY(16) (UUID)`}},
		{"l_interval", "1 day", "", want{exitUsage, `--label l_interval: column l_interval is FIXED_LEN_BYTE_ARRAY(12) (INTERVAL)`}},
	}
	for _, c := range cases {
		name := c.label + "/" + c.pos
		if c.neg != "" {
			name += "/" + c.neg
		}
		t.Run(name, func(t *testing.T) {
			args := append([]string{"--label", c.label, "--positive", c.pos}, base...)
			if c.neg != "" {
				args = append(args, "--negative", c.neg)
			}
			out := filepath.Join(dir, "out.parquet")
			os.Remove(out)
			r := runCLI(t, "", append([]string{"flip", src, "-o", out}, args...)...)
			if r.code != c.want.code || !strings.Contains(r.stderr, c.want.msg) {
				t.Fatalf("exit %d, want %d; stderr %q, want %q", r.code, c.want.code, r.stderr, c.want.msg)
			}
			if c.want.code != 0 {
				if r.stdout != "" {
					t.Errorf("stdout %q", r.stdout)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("an output file was written")
				}
				// Before any pass over the data: the same message when
				// every data page is garbage.
				g := runCLI(t, "", append([]string{"flip", garbage, "-o", out}, args...)...)
				if g.code != c.want.code || !strings.Contains(g.stderr, c.want.msg) {
					t.Fatalf("garbage pages: exit %d, stderr %q", g.code, g.stderr)
				}
				return
			}
			if !strings.Contains(r.stderr, "flipped 3") {
				t.Fatalf("stderr %q", r.stderr)
			}
			// The pages are read: the garbage file is bad data.
			if g := runCLI(t, "", append([]string{"flip", garbage, "-o", out + ".g"}, args...)...); g.code != exitData {
				t.Fatalf("garbage pages with valid flags: exit %d, want %d; %s", g.code, exitData, g.stderr)
			}
			back := filepath.Join(dir, "back.parquet")
			u := runCLI(t, "", "undo", out, "-o", back)
			if u.code != 0 || !strings.Contains(u.stderr, "3 labels restored") {
				t.Fatalf("undo: exit %d: %s", u.code, u.stderr)
			}
			r2 := duckdb.Quote(back)
			diff, err := duckdb.Query("SELECT count(*) FROM read_parquet(" + duckdb.Quote(src) + ", file_row_number=true) a JOIN read_parquet(" + r2 + ", file_row_number=true) b USING (file_row_number) WHERE a." + c.label + " IS DISTINCT FROM b." + c.label)
			if err != nil {
				t.Fatal(err)
			}
			if n := diff.Rows[0][0]; n != "0" && n != float64(0) {
				t.Fatalf("undo: %v labels differ from the original (DuckDB)", n)
			}
		})
	}
}

// TestLabelValuesAnyFormat: label values that no file can hold are usage
// errors before any pass, for CSV as for Parquet.
func TestLabelValuesAnyFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	for _, c := range []struct {
		flag, val, msg string
	}{
		{"--positive", "\xff", `--positive "\xff": not valid UTF-8`},
		{"--positive", "", `--positive "": fairflip reads "" as a missing label, not a label value`},
		{"--positive", "NA", `--positive "NA": fairflip reads "NA" as a missing label`},
		{"--negative", "?", `--negative "?": fairflip reads "?" as a missing label`},
	} {
		args := []string{"flip", in, "--sensitive", "g", "--minority", "min", "--label", "y", "--method", "random", "--flips", "1", "--positive", "1"}
		if c.flag == "--positive" {
			args[len(args)-1] = c.val
		} else {
			args = append(args, c.flag, c.val)
		}
		r := runCLI(t, "", args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.msg) || r.stdout != "" {
			t.Errorf("%s %q: exit %d stdout %q stderr %q; want %d and %q", c.flag, c.val, r.code, r.stdout, r.stderr, exitUsage, c.msg)
		}
	}
}
