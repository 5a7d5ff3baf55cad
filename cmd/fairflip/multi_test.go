package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
	tableio "github.com/fairflip/fairflip/io"
)

// multiTable writes a table split over five files into dir/in: LF, CRLF,
// header-only, empty (0 bytes), no final newline.
func multiTable(t *testing.T, dir string) map[string]string {
	t.Helper()
	rows := multiRows(240)
	h := "id,x,g,y"
	files := map[string]string{
		"a.csv": h + "\n" + strings.Join(rows[:80], "\n") + "\n",
		"b.csv": h + "\r\n" + strings.Join(rows[80:160], "\r\n") + "\r\n",
		"c.csv": h + "\n",
		"d.csv": "",
		"e.csv": h + "\n" + strings.Join(rows[160:], "\n"),
	}
	if err := os.MkdirAll(filepath.Join(dir, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, "in"), name, content)
	}
	return files
}

var multiFlags = []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--alpha", "0.5"}

func TestCLIMultiFileFlipUndo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := multiTable(t, dir)
	out, back := filepath.Join(dir, "out"), filepath.Join(dir, "back")
	os.Mkdir(out, 0o755)
	os.Mkdir(back, 0o755)
	sumPath := filepath.Join(dir, "sum.json")
	for _, method := range [][]string{{"--method", "random", "--flips", "12"}, {"--method", "rb-label", "--flips", "10"}, {"--flips", "0"}} {
		// A quoted glob pattern is expanded.
		args := append(append([]string{"flip", "--output-dir", out, filepath.Join(dir, "in", "*.csv"), "--summary", sumPath}, multiFlags...), method...)
		r := runCLI(t, "", args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", method, r.code, r.stderr)
		}
		for name := range files {
			if !strings.Contains(r.stderr, filepath.Join(out, name)) {
				t.Errorf("stderr has no line for %s:\n%s", name, r.stderr)
			}
		}
		var sum struct {
			Flips int `json:"flips"`
			Files []struct {
				Input, Output, SHA256 string
				Rows, Flips           int
			} `json:"files"`
		}
		b, _ := os.ReadFile(sumPath)
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Fatal(err)
		}
		if len(sum.Files) != 5 {
			t.Fatalf("summary has %d files", len(sum.Files))
		}
		total := 0
		for i, f := range sum.Files {
			if want := filepath.Join(dir, "in", string(rune('a'+i))+".csv"); f.Input != want {
				t.Errorf("file %d is %s, want %s (lexical order)", i, f.Input, want)
			}
			total += f.Flips
			got, _ := os.ReadFile(f.Output)
			if f.Flips > 0 && string(got) == files[filepath.Base(f.Input)] {
				t.Errorf("%s: %d flips but unchanged", f.Output, f.Flips)
			}
		}
		if total != sum.Flips {
			t.Errorf("per-file flips add up to %d, not %d", total, sum.Flips)
		}
		// Undo, with the files named one by one.
		uargs := []string{"undo", "--output-dir", back}
		for name := range files {
			uargs = append(uargs, filepath.Join(out, name))
		}
		if r := runCLI(t, "", uargs...); r.code != 0 {
			t.Fatalf("undo: exit %d: %s", r.code, r.stderr)
		}
		for name, content := range files {
			got, err := os.ReadFile(filepath.Join(back, name))
			if err != nil || string(got) != content {
				t.Errorf("%v: undo did not restore %s (%v)", method, name, err)
			}
		}
	}
}

// flip --output-dir OUT one.csv writes what flip one.csv -o OUT/one.csv writes.
func TestCLIMultiFileOneFileEquivalence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,x,g,y\n")
	for i := 0; i < 300; i++ {
		g := []string{"min", "maj", "maj"}[i%3]
		fmt.Fprintf(&b, "%d,%d,%s,%d\n", i, (i*31)%40, g, (i*7)%3%2)
	}
	in := writeFile(t, dir, "one.csv", b.String())
	for _, m := range [][]string{{"--method", "random", "--flips", "9"}, {"--method", "rb-prob", "--reference-sample", "50"}, {"--method", "rb-dist", "--flips", "5"}} {
		os.RemoveAll(filepath.Join(dir, "a"))
		os.RemoveAll(filepath.Join(dir, "b"))
		os.Mkdir(filepath.Join(dir, "a"), 0o755)
		os.Mkdir(filepath.Join(dir, "b"), 0o755)
		r1 := runCLI(t, "", append(append([]string{"flip", "--output-dir", filepath.Join(dir, "a"), in}, multiFlags...), m...)...)
		r2 := runCLI(t, "", append(append([]string{"flip", in, "-o", filepath.Join(dir, "b", "one.csv")}, multiFlags...), m...)...)
		if r1.code != 0 || r2.code != 0 {
			t.Fatalf("%v: exits %d %d: %s %s", m, r1.code, r2.code, r1.stderr, r2.stderr)
		}
		x, _ := os.ReadFile(filepath.Join(dir, "a", "one.csv"))
		y, _ := os.ReadFile(filepath.Join(dir, "b", "one.csv"))
		if string(x) != string(y) || !strings.Contains(string(x), "fairflip/1") {
			t.Errorf("%v: --output-dir with one file differs from -o", m)
		}
	}
}

func TestCLIMultiFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	multiTable(t, dir)
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	a, b := filepath.Join(dir, "in", "a.csv"), filepath.Join(dir, "in", "b.csv")
	other := filepath.Join(dir, "other")
	os.Mkdir(other, 0o755)
	writeFile(t, other, "a.csv", "id,x,g,y\n1,2,min,0\n")
	writeFile(t, other, "z.csv", "id,z,g,y\n1,2,min,0\n")
	writeFile(t, other, "p.parquet", "PAR1")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"flip", a, b}, 2, "--output-dir"},
		{[]string{"flip", "--output-dir", out, "-o", filepath.Join(dir, "x.csv"), a}, 2, "-o and --output-dir"},
		{[]string{"flip", "--output-dir", filepath.Join(dir, "missing"), a}, 2, "does not exist"},
		{[]string{"flip", "--output-dir", filepath.Join(dir, "in"), a}, 2, "folder of the input"},
		{[]string{"flip", "--output-dir", out, a, filepath.Join(other, "a.csv")}, 2, "same name"},
		{[]string{"flip", "--output-dir", out, a, filepath.Join(other, "z.csv")}, 3, "different columns"},
		{[]string{"flip", "--output-dir", out, a, filepath.Join(other, "p.parquet")}, 2, "must have one format"},
		{[]string{"undo", "--output-dir", out, filepath.Join(other, "p.parquet"), a}, 2, "must have one format"},
		{[]string{"flip", "--output-dir", out, filepath.Join(dir, "nothing*.csv")}, 2, "matches no file"},
		{[]string{"flip", "--output-dir", out, a, "-"}, 2, "standard input"},
		{[]string{"undo", a, b}, 2, "--output-dir"},
	}
	for _, c := range cases {
		args := c.args
		if args[0] == "flip" {
			args = append(append([]string(nil), args...), multiFlags...)
		}
		r := runCLI(t, "", args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
		if strings.Contains(r.stderr, "different columns") && (!strings.Contains(r.stderr, a) || !strings.Contains(r.stderr, "z.csv")) {
			t.Errorf("the header error names both files: %s", r.stderr)
		}
		if ents, _ := os.ReadDir(out); len(ents) != 0 {
			t.Fatalf("%v: a failed run left %d files in the output folder", c.args, len(ents))
		}
	}
}

// multiRows makes n rows of id,x,g,y (every third row in the minority).
func multiRows(n int) []string {
	var rows []string
	for i := 0; i < n; i++ {
		g := "maj"
		if i%3 == 0 {
			g = "min"
		}
		x := (i * 37) % 50
		y := "0"
		if (x > 25) != (i%7 == 0) {
			y = "1"
		}
		rows = append(rows, fmt.Sprintf("%d,%d,%s,%s", i, x, g, y))
	}
	return rows
}

// writeParquet converts a CSV table to dir/name with the project's
// converter, in row groups of rowGroupRows rows.
func writeParquet(t *testing.T, dir, name, csv string, rowGroupRows int) string {
	t.Helper()
	return writeFile(t, dir, name, string(testdata.CSVToParquet(t, csv, rowGroupRows)))
}

// multiParquetTable writes 240 rows split over four Parquet files into
// dir/in, each with several row groups, one without rows, and the same
// parts as CSV files into dir/csv. It returns the Parquet files' names.
func multiParquetTable(t *testing.T, dir string) []string {
	t.Helper()
	rows := multiRows(240)
	h := "id,x,g,y\n"
	parts := []struct {
		name string
		rows []string
		rg   int
	}{{"a", rows[:90], 23}, {"b", rows[90:170], 31}, {"c", nil, 10}, {"d", rows[170:], 40}}
	for _, sub := range []string{"in", "csv"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, p := range parts {
		csv := h
		for _, r := range p.rows {
			csv += r + "\n"
		}
		writeParquet(t, filepath.Join(dir, "in"), p.name+".parquet", csv, p.rg)
		writeFile(t, filepath.Join(dir, "csv"), p.name+".csv", csv)
		names = append(names, p.name+".parquet")
	}
	return names
}

func openParquetFile(t *testing.T, path string) *tableio.ParquetFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := tableio.OpenParquet(bytes.NewReader(b), int64(len(b)), path)
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

// parquetColumn returns a column's values as text ("<null>" for null).
func parquetColumn(t *testing.T, pf *tableio.ParquetFile, col int) []string {
	t.Helper()
	var out []string
	err := pf.ScanColumn(col, func(_ int64, text []byte, null bool) error {
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

// sameParquet fails unless two Parquet files have the same columns (names
// and types), row groups, key/value metadata and values.
func sameParquet(t *testing.T, a, b string) {
	t.Helper()
	pa, pb := openParquetFile(t, a), openParquetFile(t, b)
	desc := func(pf *tableio.ParquetFile) []string {
		var out []string
		for _, c := range pf.Columns() {
			out = append(out, c.Name+" "+c.Type)
		}
		return out
	}
	if !reflect.DeepEqual(desc(pa), desc(pb)) || !slices.Equal(pa.RowGroupSizes(), pb.RowGroupSizes()) || !reflect.DeepEqual(pa.KeyValueMetadata(), pb.KeyValueMetadata()) {
		t.Fatalf("%s: %v in %v; %s: %v in %v", a, desc(pa), pa.RowGroupSizes(), b, desc(pb), pb.RowGroupSizes())
	}
	for _, c := range pa.Columns() {
		if !reflect.DeepEqual(parquetColumn(t, pa, c.Index), parquetColumn(t, pb, c.Index)) {
			t.Errorf("%s and %s: column %s differs", a, b, c.Name)
		}
	}
}

// flippedIDs returns the ids of the rows of flipped files that have an
// audit cell: Parquet files (the audit column last) or CSV files.
func flippedIDs(t *testing.T, paths ...string) []string {
	t.Helper()
	var ids []string
	for _, p := range paths {
		if strings.HasSuffix(p, ".parquet") {
			pf := openParquetFile(t, p)
			id, audit := parquetColumn(t, pf, 0), parquetColumn(t, pf, len(pf.Columns())-1)
			for r, a := range audit {
				if a != "<null>" {
					ids = append(ids, id[r])
				}
			}
			continue
		}
		b, _ := os.ReadFile(p)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "fairflip/1") {
				ids = append(ids, strings.Split(line, ",")[0])
			}
		}
	}
	return ids
}

// TestCLIMultiFileParquet: flip --output-dir over Parquet parts (several row
// groups each, one without rows): the per-file lines and the --summary
// files array, each output a Parquet file with its input's row groups, the
// same flips as the same parts as CSV files, and undo --output-dir giving
// back each input's schema, row groups, metadata and values.
func TestCLIMultiFileParquet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	names := multiParquetTable(t, dir)
	out, back, csvOut := filepath.Join(dir, "out"), filepath.Join(dir, "back"), filepath.Join(dir, "csvout")
	for _, d := range []string{out, back, csvOut} {
		os.Mkdir(d, 0o755)
	}
	sumPath := filepath.Join(dir, "sum.json")
	for _, method := range [][]string{{"--method", "random", "--flips", "12"}, {"--method", "rb-label", "--flips", "10"}, {"--method", "rb-prob"}, {"--flips", "0"}} {
		args := append(append([]string{"flip", "--output-dir", out, filepath.Join(dir, "in", "*.parquet"), "--summary", sumPath}, multiFlags...), method...)
		r := runCLI(t, "", args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", method, r.code, r.stderr)
		}
		var sum struct {
			Flips int    `json:"flips"`
			SHA   string `json:"input_sha256"`
			Files []struct {
				Input, Output, SHA256 string
				Rows, Flips           int
			} `json:"files"`
		}
		b, _ := os.ReadFile(sumPath)
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Fatal(err)
		}
		if len(sum.Files) != len(names) {
			t.Fatalf("summary has %d files", len(sum.Files))
		}
		total := 0
		all := sha256.New()
		var outs []string
		for i, f := range sum.Files {
			in := filepath.Join(dir, "in", names[i])
			if f.Input != in || f.Output != filepath.Join(out, names[i]) {
				t.Errorf("file %d: %s -> %s", i, f.Input, f.Output)
			}
			data, _ := os.ReadFile(in)
			h := sha256.Sum256(data)
			fmt.Fprintf(all, "%x\n", h) // input_sha256: the SHA-256 of the files' digests (sha256sum's column)
			if f.SHA256 != hex.EncodeToString(h[:]) {
				t.Errorf("%s: sha256 %s", in, f.SHA256)
			}
			line := fmt.Sprintf("  %s -> %s: %d rows, %d flipped\n", f.Input, f.Output, f.Rows, f.Flips)
			if !strings.Contains(r.stderr, line) {
				t.Errorf("stderr lacks %q:\n%s", line, r.stderr)
			}
			pin, pout := openParquetFile(t, in), openParquetFile(t, f.Output)
			if int64(f.Rows) != pin.NumRows() || !slices.Equal(pin.RowGroupSizes(), pout.RowGroupSizes()) || len(pout.Columns()) != len(pin.Columns())+1 || pout.Columns()[len(pin.Columns())].Name != "fairflip_audit" {
				t.Errorf("%s: %d rows, %v -> %v", f.Output, f.Rows, pin.RowGroupSizes(), pout.RowGroupSizes())
			}
			if got := len(flippedIDs(t, f.Output)); got != f.Flips {
				t.Errorf("%s: %d audit cells, %d flips", f.Output, got, f.Flips)
			}
			total += f.Flips
			outs = append(outs, f.Output)
		}
		if total != sum.Flips || sum.SHA != hex.EncodeToString(all.Sum(nil)) {
			t.Errorf("per-file flips add up to %d, not %d; input_sha256 %s", total, sum.Flips, sum.SHA)
		}
		// The same parts as CSV files flip the same rows (the same keys).
		rc := runCLI(t, "", append(append([]string{"flip", "--output-dir", csvOut, filepath.Join(dir, "csv", "*.csv")}, multiFlags...), method...)...)
		if rc.code != 0 {
			t.Fatalf("CSV: exit %d: %s", rc.code, rc.stderr)
		}
		var csvOuts []string
		for _, n := range names {
			csvOuts = append(csvOuts, filepath.Join(csvOut, strings.TrimSuffix(n, ".parquet")+".csv"))
		}
		if p, c := flippedIDs(t, outs...), flippedIDs(t, csvOuts...); !reflect.DeepEqual(p, c) || len(p) != sum.Flips {
			t.Errorf("%v: the Parquet parts flip ids %v, the CSV parts %v", method, p, c)
		}
		// Undo, with the files named one by one.
		uargs := []string{"undo", "--output-dir", back}
		for _, n := range names {
			uargs = append(uargs, filepath.Join(out, n))
		}
		ru := runCLI(t, "", uargs...)
		if ru.code != 0 || !strings.Contains(ru.stderr, fmt.Sprintf("%d files, 240 rows, %d ", len(names), sum.Flips)) {
			t.Fatalf("undo: exit %d: %s", ru.code, ru.stderr)
		}
		for _, n := range names {
			sameParquet(t, filepath.Join(dir, "in", n), filepath.Join(back, n))
		}
	}
}

// With the whole minority and a deterministic method the keys play no
// part: Parquet parts flip the rows one CSV file of all their rows flips.
func TestCLIMultiFileParquetConcatenated(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	names := multiParquetTable(t, dir)
	whole := writeFile(t, dir, "whole.csv", "id,x,g,y\n"+strings.Join(multiRows(240), "\n")+"\n")
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	flags := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--flips", "15"}
	for _, m := range []string{"rb-prob", "rb-label"} {
		r := runCLI(t, "", append([]string{"flip", "--output-dir", out, filepath.Join(dir, "in", "*.parquet"), "--method", m}, flags...)...)
		single := filepath.Join(dir, "whole.flipped.csv")
		r2 := runCLI(t, "", append([]string{"flip", whole, "-o", single, "--method", m}, flags...)...)
		if r.code != 0 || r2.code != 0 {
			t.Fatalf("%s: exits %d %d: %s %s", m, r.code, r2.code, r.stderr, r2.stderr)
		}
		var outs []string
		for _, n := range names {
			outs = append(outs, filepath.Join(out, n))
		}
		if p, c := flippedIDs(t, outs...), flippedIDs(t, single); !reflect.DeepEqual(p, c) || len(p) != 15 {
			t.Errorf("%s: the Parquet parts flip ids %v, one CSV file %v", m, p, c)
		}
	}
}

// flip --output-dir OUT one.parquet writes what flip one.parquet -o
// OUT/one.parquet writes, byte for byte.
func TestCLIMultiFileParquetOneFileEquivalence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeParquet(t, dir, "one.parquet", "id,x,g,y\n"+strings.Join(multiRows(300), "\n")+"\n", 70)
	for _, m := range [][]string{{"--method", "random", "--flips", "9"}, {"--method", "rb-prob", "--reference-sample", "50"}, {"--method", "rb-label", "--flips", "5"}} {
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.RemoveAll(a)
		os.RemoveAll(b)
		os.Mkdir(a, 0o755)
		os.Mkdir(b, 0o755)
		r1 := runCLI(t, "", append(append([]string{"flip", "--output-dir", a, in}, multiFlags...), m...)...)
		r2 := runCLI(t, "", append(append([]string{"flip", in, "-o", filepath.Join(b, "one.parquet")}, multiFlags...), m...)...)
		if r1.code != 0 || r2.code != 0 {
			t.Fatalf("%v: exits %d %d: %s %s", m, r1.code, r2.code, r1.stderr, r2.stderr)
		}
		x, _ := os.ReadFile(filepath.Join(a, "one.parquet"))
		y, _ := os.ReadFile(filepath.Join(b, "one.parquet"))
		if !bytes.Equal(x, y) || len(flippedIDs(t, filepath.Join(a, "one.parquet"))) == 0 {
			t.Errorf("%v: --output-dir with one Parquet file differs from -o", m)
		}
	}
}

func TestCLIMultiFileParquetErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	names := multiParquetTable(t, dir)
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	in := func(n string) string { return filepath.Join(dir, "in", n) }
	other := filepath.Join(dir, "other")
	os.Mkdir(other, 0o755)
	writeParquet(t, other, "z.parquet", "id,z,g,y\n1,2,min,0\n", 10)
	writeFile(t, other, "empty.parquet", "")
	cases := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"flip", "--output-dir", out, in(names[0]), filepath.Join(dir, "csv", "b.csv")}, 2, []string{"b.csv is CSV and", "a.parquet is Parquet", "must have one format"}}, // csv/ sorts before in/
		{[]string{"undo", "--output-dir", out, in(names[0]), filepath.Join(dir, "csv", "b.csv")}, 2, []string{"must have one format"}},
		{[]string{"flip", "--output-dir", out, in(names[0]), filepath.Join(other, "z.parquet")}, 3, []string{"a.parquet and", "z.parquet have different columns"}},
		{[]string{"flip", "--output-dir", out, in(names[0]), filepath.Join(other, "empty.parquet")}, 3, []string{"empty.parquet"}},
		{[]string{"undo", "--output-dir", out, filepath.Join(other, "empty.parquet")}, 3, []string{"empty.parquet"}},
		{[]string{"undo", "--output-dir", out, in(names[0])}, 2, []string{"no audit column"}},
	}
	for _, c := range cases {
		args := c.args
		if args[0] == "flip" {
			args = append(append([]string(nil), args...), multiFlags...)
		}
		r := runCLI(t, "", args...)
		ok := r.code == c.code
		for _, w := range c.want {
			ok = ok && strings.Contains(r.stderr, w)
		}
		if !ok {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
		if ents, _ := os.ReadDir(out); len(ents) != 0 {
			t.Fatalf("%v: a failed run left %d files in the output folder", c.args, len(ents))
		}
	}
	// A part rewritten between the passes, with as many rows.
	h := &hooks{betweenPasses: func() { writeParquet(t, filepath.Join(dir, "in"), names[1], "id,x,g,y\n1,2,min,0\n", 10) }}
	r := runHooked(t, h, "", append([]string{"flip", "--output-dir", out, filepath.Join(dir, "in", "*.parquet")}, multiFlags...)...)
	if r.code != 3 || !strings.Contains(r.stderr, names[1]+" changed while it was being read") {
		t.Errorf("a part changed between the passes: exit %d, %s", r.code, r.stderr)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Fatalf("a failed run left %d files in the output folder", len(ents))
	}
}
