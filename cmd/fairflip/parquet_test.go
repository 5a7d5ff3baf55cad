package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtures = "../../testdata/parquet/"

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var rowgroupArgs = []string{"--sensitive", "race", "--minority", "Black", "--label", "label", "--positive", ">50K", "--method", "random", "--flips", "25"}

// TestParquetCLI: format detection by name and by magic (stdin), flip and
// undo through pipes, and -o files.
func TestParquetCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := fixtures + "duckdb_rowgroups.parquet"
	out := filepath.Join(dir, "out.parquet")
	r := runCLI(t, "", append([]string{"flip", src, "-o", out}, rowgroupArgs...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "flipped 25") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// The same flip from stdin (format from the PAR1 magic) gives the same bytes.
	r2 := runCLI(t, string(fixture(t, "duckdb_rowgroups.parquet")), append([]string{"flip"}, rowgroupArgs...)...)
	written, _ := os.ReadFile(out)
	if r2.code != 0 || !bytes.Equal([]byte(r2.stdout), written) {
		t.Fatalf("stdin flip: exit %d, %d bytes vs %d: %s", r2.code, len(r2.stdout), len(written), r2.stderr)
	}
	if !bytes.HasPrefix(written, []byte("PAR1")) {
		t.Fatal("output is not Parquet")
	}
	// Undo from stdin restores the values: flipping the restored file again gives the same bytes.
	back := runCLI(t, r2.stdout, "undo")
	if back.code != 0 || !strings.Contains(back.stderr, "25 labels restored") {
		t.Fatalf("undo: exit %d: %s", back.code, back.stderr)
	}
	again := runCLI(t, back.stdout, append([]string{"flip"}, rowgroupArgs...)...)
	if again.stdout != r2.stdout {
		t.Fatal("flip(undo(flip(x))) differs from flip(x)")
	}
	// Converting: Parquet in, CSV out, and back.
	csvOut := runCLI(t, "", append([]string{"flip", src, "--output-format", "csv"}, rowgroupArgs...)...)
	if csvOut.code != 0 || !strings.HasPrefix(csvOut.stdout, "sex,race,age,hours,label,fairflip_audit\n") || strings.Count(csvOut.stdout, "value=<=50K") != 25 {
		t.Fatalf("CSV output: exit %d %q... %s", csvOut.code, firstLine(csvOut.stdout), csvOut.stderr)
	}
	pq := runCLI(t, csvOut.stdout, "undo", "--output-format", "parquet")
	if pq.code != 0 || !strings.HasPrefix(pq.stdout, "PAR1") {
		t.Fatalf("undo to Parquet: exit %d: %s", pq.code, pq.stderr)
	}
	// --format forces the reader: a Parquet file read as CSV is bad CSV (invalid UTF-8 or quoting), exit 3.
	bad := runCLI(t, "", append([]string{"flip", src, "--format", "csv"}, rowgroupArgs...)...)
	if bad.code != exitData {
		t.Fatalf("--format csv on Parquet: exit %d: %s", bad.code, bad.stderr)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// TestParquetBadInput: a file that is not Parquet, a truncated one and a
// corrupted one give exit code 3, a message naming the file, and no output.
func TestParquetBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := fixture(t, "duckdb_rowgroups.parquet")
	corrupt := append([]byte(nil), good...)
	for i := 200; i < 1200 && i < len(corrupt); i++ {
		corrupt[i] ^= 0x5a
	}
	cases := map[string][]byte{
		"notparquet.parquet": []byte("PAR1 this is not a parquet file at all"),
		"truncated.parquet":  good[:len(good)/2],
		"corrupt.parquet":    corrupt,
		"empty.parquet":      {},
	}
	for name, content := range cases {
		in := writeFile(t, dir, name, string(content))
		out := filepath.Join(dir, "out-"+name)
		r := runCLI(t, "", append([]string{"flip", in, "-o", out}, rowgroupArgs...)...)
		if r.code != exitData || !strings.Contains(r.stderr, name) || strings.Contains(r.stderr, "internal error") {
			t.Errorf("%s: exit %d stderr %q", name, r.code, r.stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: an output file was written", name)
		}
	}
	// A nested column cannot be the label.
	r := runCLI(t, "", "flip", fixtures+"duckdb_nested.parquet", "--sensitive", "grp", "--minority", "a", "--label", "tags.list.element", "--positive", "x")
	if r.code == 0 || !strings.Contains(r.stderr, "nested or repeated") {
		t.Errorf("nested label: exit %d stderr %q", r.code, r.stderr)
	}
}

// TestParquetLimitFlags: --max-page-bytes and --max-footer-bytes bound what
// a Parquet input may make fairflip allocate; the bomb files from
// io/testdata/fuzz/bombs fail as bad data at the default bounds.
func TestParquetLimitFlags(t *testing.T) {
	t.Parallel()
	in := filepath.Join("..", "..", "testdata", "parquet", "duckdb_rowgroups.parquet")
	args := []string{"flip", in, "--sensitive", "race", "--minority", "Black", "--label", "label", "--positive", ">50K", "--method", "random", "--flips", "5", "-q"}
	for _, c := range []struct {
		flags []string
		code  int
		want  string
	}{
		{nil, exitOK, ""},
		{[]string{"--max-page-bytes", "100"}, exitData, "the limit is 100, --max-page-bytes"},
		{[]string{"--max-footer-bytes", "100"}, exitData, "more than the limit of 100, --max-footer-bytes"},
		{[]string{"--max-page-bytes", "0"}, exitUsage, "--max-page-bytes 0"},
	} {
		r := runCLI(t, "", append(append([]string(nil), args...), c.flags...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.flags, r.code, r.stderr, c.code, c.want)
		}
		if c.code != exitOK && r.stdout != "" {
			t.Errorf("%v: %d bytes on stdout after an error", c.flags, len(r.stdout))
		}
	}
	bombs, _ := filepath.Glob(filepath.Join("..", "..", "io", "testdata", "fuzz", "bombs", "*.parquet"))
	if len(bombs) == 0 {
		t.Fatal("no bomb files")
	}
	for _, b := range bombs {
		r := runCLI(t, "", "flip", b, "--sensitive", "a", "--minority", "1", "--label", "b", "--positive", "1", "-q")
		if r.code != exitData || !strings.Contains(r.stderr, filepath.Base(b)) {
			t.Errorf("%s: exit %d, stderr %q; want exit 3 naming the file", filepath.Base(b), r.code, r.stderr)
		}
	}
}
