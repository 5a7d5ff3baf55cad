package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tableio "github.com/fairflip/fairflip/io"
)

// hostileArgs flip both minority negatives of small (ids 1 and 4, lines 2
// and 5) to 1.
var hostileArgs = []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "2"}

// flipSmall returns small flipped with hostileArgs.
func flipSmall(t *testing.T) string {
	t.Helper()
	r := runCLI(t, small, append([]string{"flip"}, hostileArgs...)...)
	if r.code != 0 {
		t.Fatalf("flip: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "\n1,3,min,1,fairflip/1 col=4 ") || !strings.Contains(r.stdout, "\n4,6,min,1,fairflip/1 col=4 ") {
		t.Fatalf("flip did not flip ids 1 and 4:\n%s", r.stdout)
	}
	return r.stdout
}

// setAuditCell returns a flipped CSV file (simple lines, audit cell last)
// with the audit cell of line n set to the value v, quoted as needed.
func setAuditCell(t *testing.T, csv string, n int, v string) string {
	t.Helper()
	lines := strings.SplitAfter(csv, "\n")
	l := lines[n-1]
	i := strings.LastIndexByte(strings.TrimSuffix(l, "\n"), ',')
	if i < 0 || !strings.Contains(l[i:], "fairflip/1") {
		t.Fatalf("line %d has no audit cell: %q", n, l)
	}
	lines[n-1] = l[:i+1] + string(tableio.AppendField(nil, v, ',')) + "\n"
	return strings.Join(lines, "")
}

// auditOf returns the audit cell of line n of a flipped CSV file.
func auditOf(t *testing.T, csv string, n int) string {
	t.Helper()
	l := strings.Split(csv, "\n")[n-1]
	return l[strings.Index(l, "fairflip/1"):]
}

// refusedUndo runs undo on edited (written to dir/name) four ways, to a new
// -o file, to an existing -o file, to standard output and from standard
// input, and checks each gives exit 3 with one line on stderr containing msg
// ({in} standing for the input's name), nothing on stdout, no new file, the
// existing file untouched and no temporary file left.
func refusedUndo(t *testing.T, dir, name string, edited []byte, msg string, flags ...string) {
	t.Helper()
	in := writeFile(t, dir, name, string(edited))
	out := filepath.Join(dir, "restored"+filepath.Ext(name))
	os.Remove(out)
	check := func(r result, how, file string) {
		t.Helper()
		if r.code != exitData {
			t.Fatalf("%s: exit %d, want %d; stderr %q", how, r.code, exitData, r.stderr)
		}
		if want := strings.ReplaceAll(msg, "{in}", file); !strings.Contains(r.stderr, want) {
			t.Fatalf("%s: stderr %q lacks %q", how, r.stderr, want)
		}
		if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%s: the message spans several lines: %q", how, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%s: stdout %q", how, r.stdout)
		}
	}
	undo := func(args ...string) []string { return append(append([]string{"undo"}, args...), flags...) }
	check(runCLI(t, "", undo(in, "-o", out)...), "-o a new file", in)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("-o a new file: the file was written")
	}
	writeFile(t, dir, filepath.Base(out), "precious\n")
	check(runCLI(t, "", undo(in, "-o", out)...), "-o an existing file", in)
	if b, _ := os.ReadFile(out); string(b) != "precious\n" {
		t.Errorf("-o an existing file: it changed to %q", b)
	}
	check(runCLI(t, "", undo(in)...), "stdout", in)
	check(runCLI(t, string(edited), undo()...), "stdin to stdout", "<stdin>")
	if left, _ := filepath.Glob(filepath.Join(dir, ".restored*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	os.Remove(out)
}

// TestUndoHostileCSV: every hostile edit of a flipped CSV file's audit (or
// label) cells that the outside review found restored as "N labels
// restored", and the others undo refuses, now ends in exit 3 naming the
// line and the column, with nothing written.
func TestUndoHostileCSV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	flipped := flipSmall(t)
	a2, a5 := auditOf(t, flipped, 2), auditOf(t, flipped, 5)
	with := func(cell, old, new string) string { return strings.Replace(cell, old, new, 1) }
	cases := []struct {
		name, edited, msg string
	}{
		{"delimiter in was", setAuditCell(t, flipped, 2, with(a2, "was=0", "was=0,x")),
			`{in}:2: column 5 (fairflip_audit): restoring the label cell "0,x" in column 4 (y) would change the number of cells of the record`},
		{"quote in was", setAuditCell(t, flipped, 2, with(a2, "was=0", `was=0"`)),
			`{in}:2: column 5 (fairflip_audit): restoring the label cell "0\"" in column 4 (y) would not leave one well-formed CSV record (bare "`},
		{"line break injecting a row", setAuditCell(t, flipped, 5, with(a5, "was=0", "was=0\n7,1,maj,1")),
			`{in}:5: column 5 (fairflip_audit): restoring the label cell "0\n7,1,maj,1" in column 4 (y) would split the record in two`},
		{"col names another column on one row", setAuditCell(t, flipped, 5, with(a5, "col=4", "col=2")),
			`{in}:5: column 5 (fairflip_audit): the audit cell names column 2 (x), but the one on line 2 names column 4 (y): flip records one label column`},
		{"col edited to id on every row", setAuditCell(t, setAuditCell(t, flipped, 2, with(a2, "col=4", "col=1")), 5, with(a5, "col=4", "col=1")),
			`{in}:2: column 5 (fairflip_audit): the audit cell names column 1, whose name is "id", but records the label column as "y": it was edited, or written for another file`},
		{"col edited to the sensitive column g on every row", setAuditCell(t, setAuditCell(t, flipped, 2, with(a2, "col=4", "col=3")), 5, with(a5, "col=4", "col=3")),
			`{in}:2: column 5 (fairflip_audit): the audit cell names column 3, whose name is "g", but records the label column as "y"`},
		{"col and label= edited to id on every row", setAuditCell(t, setAuditCell(t, flipped, 2, with(a2, "col=4 label=y", "col=1 label=id")), 5, with(a5, "col=4 label=y", "col=1 label=id")),
			`{in}:5: column 1 (id): the label is "4" on a row with an audit cell, but "1" on line 2: flip writes one value on every row it flips`},
		{"a cell without label=", setAuditCell(t, flipped, 2, with(a2, " label=y", "")),
			`{in}:2: column 5 (fairflip_audit): the audit cell names column 4 (y) without its name (label=`},
		{"col names the audit column", setAuditCell(t, flipped, 2, with(a2, "col=4", "col=5")),
			`{in}:2: column 5 (fairflip_audit): the audit cell names column 5, which is not a label column of this file`},
		{"col beyond the table", setAuditCell(t, flipped, 2, with(a2, "col=4", "col=40")),
			`{in}:2: column 5 (fairflip_audit): the audit cell names column 40, which is not a label column of this file`},
		{"was is the flipped value", setAuditCell(t, flipped, 2, with(a2, "was=0", "was=1")),
			`{in}:2: column 5 (fairflip_audit): the audit cell records the label "1", which is the value flipped rows hold ("1")`},
		{"empty was", setAuditCell(t, flipped, 2, with(a2, "was=0", "was=")),
			`{in}:2: column 5 (fairflip_audit): the audit cell records the label "", a missing value`},
		{"truncated audit cell", setAuditCell(t, flipped, 5, a5[:strings.Index(a5, " score=")]),
			`{in}:5: column 5 (fairflip_audit): audit cell "fairflip/1 col=4 label=y method=random" ends at method=`},
		{"unknown method", setAuditCell(t, flipped, 2, with(a2, "method=random", "method=manual")),
			`{in}:2: column 5 (fairflip_audit): audit cell "fairflip/1 col=4 label=y method=manual`},
		{"label changed on a flipped row", strings.Replace(flipped, "\n4,6,min,1,", "\n4,6,min,2,", 1),
			`{in}:5: column 4 (y): the label is "2" on a row with an audit cell, but "1" on line 2: flip writes one value on every row it flips`},
		{"invalid UTF-8 in an audit cell", setAuditCell(t, flipped, 2, with(a2, "was=0", "was=\xff")),
			`{in}:2: column 5 (fairflip_audit): invalid UTF-8`},
		{"two audit columns", strings.Replace(flipped, "id,x,g,y,fairflip_audit\n", "id,x,g,fairflip_audit,fairflip_audit\n", 1),
			`{in}:1: column 5 (fairflip_audit): a second audit column "fairflip_audit" (the first is column 4)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refusedUndo(t, dir, "edited.csv", []byte(c.edited), c.msg)
		})
	}
	// Unedited, undo restores the input byte for byte and names the column.
	back := runCLI(t, flipped, "undo")
	if back.code != 0 || back.stdout != small || !strings.Contains(back.stderr, "2 labels restored in column y") {
		t.Fatalf("undo of the flip: exit %d, stderr %q", back.code, back.stderr)
	}
	// A limit: audit cells forged to name another column that holds one
	// value on every flipped row (here the sensitive column g, "min"), with
	// its number and its name (col=3 label=g), look like a flip of that
	// column: undo restores what they record, changing only that column,
	// and says which column it was. --label y refuses them.
	both := setAuditCell(t, setAuditCell(t, flipped, 2, with(a2, "col=4 label=y", "col=3 label=g")), 5, with(a5, "col=4 label=y", "col=3 label=g"))
	r := runCLI(t, both, "undo")
	if r.code != 0 || !strings.Contains(r.stderr, "2 labels restored in column g") || r.stdout != strings.Replace(strings.Replace(small, "1,3,min,0", "1,3,0,1", 1), "4,6,min,0", "4,6,0,1", 1) {
		t.Fatalf("audit cells naming g: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	refusedUndo(t, dir, "forged.csv", []byte(both), `{in}:2: column 5 (fairflip_audit): the audit cell names column 3, but the label column (--label) is column 4`, "--label", "y")
}

// TestUndoHostileParquet: the same for a Parquet file: exit 3 naming the
// row and the column, nothing written.
func TestUndoHostileParquet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := writeParquet(t, dir, "in.parquet", strings.NewReplacer(",0\n", ",no\n", ",1\n", ",yes\n").Replace(small), 4)
	args := append([]string{}, hostileArgs...)
	args[7] = "yes" // --positive
	flippedPath := filepath.Join(dir, "flipped.parquet")
	if r := runCLI(t, "", append([]string{"flip", src, "-o", flippedPath}, args...)...); r.code != 0 {
		t.Fatalf("flip: exit %d: %s", r.code, r.stderr)
	}
	pf := openParquetFile(t, flippedPath)
	// Columns: id, x, g, y, fairflip_audit; rows 0 and 3 (ids 1 and 4) flipped.
	audit := parquetColumn(t, pf, 4)
	if !strings.Contains(audit[0], "col=4 ") || !strings.Contains(audit[3], "col=4 ") {
		t.Fatalf("audit column %q", audit)
	}
	edit := func(set map[int]map[int64]string) []byte {
		var b bytes.Buffer
		if err := tableio.RewriteParquet(openParquetFile(t, flippedPath), &b, tableio.ParquetRewrite{Set: set, DropColumn: -1}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	with := func(row int, old, new string) string { return strings.Replace(audit[row], old, new, 1) }
	cases := []struct {
		name string
		set  map[int]map[int64]string
		msg  string
	}{
		{"col names another column", map[int]map[int64]string{4: {3: with(3, "col=4", "col=2")}},
			"{in}: row 4: column 5 (fairflip_audit): the audit cell names column 2 (x), but the one on row 1 names column 4 (y)"},
		{"col names id on every row", map[int]map[int64]string{4: {0: strings.Replace(with(0, "col=4 label=y", "col=1 label=id"), "value=no", "value=0", 1), 3: strings.Replace(with(3, "col=4 label=y", "col=1 label=id"), "value=no", "value=0", 1)}},
			`{in}: row 4: column 1 (id): the label is "4" on a row with an audit cell, but "1" on row 1`},
		{"col edited without label=", map[int]map[int64]string{4: {0: with(0, "col=4", "col=2"), 3: with(3, "col=4", "col=2")}},
			`{in}: row 1: column 5 (fairflip_audit): the audit cell names column 2, whose name is "x", but records the label column as "y"`},
		{"value the column cannot hold", map[int]map[int64]string{4: {0: with(0, "col=4 label=y", "col=2 label=x"), 3: with(3, "col=4 label=y", "col=2 label=x")}, 1: {0: "9", 3: "9"}},
			`{in}: row 1: column 5 (fairflip_audit): the audit cell records a label that column x cannot hold: "no" is not a value of column x (INT64)`},
		{"value not in its exact form", map[int]map[int64]string{4: {0: "fairflip/1 col=2 label=x method=random score=0.5 value=007", 3: with(3, "col=4 label=y", "col=2 label=x")}, 1: {0: "9", 3: "9"}},
			`{in}: row 1: column 5 (fairflip_audit): the audit cell records the value "007", which column x (INT64) holds as "7"`},
		{"was is the flipped value", map[int]map[int64]string{4: {0: with(0, "value=no", "value=yes")}},
			`{in}: row 1: column 5 (fairflip_audit): the audit cell records the label "yes", which is the value flipped rows hold`},
		{"label changed on a flipped row", map[int]map[int64]string{3: {3: "maybe"}},
			`{in}: row 4: column 4 (y): the label is "maybe" on a row with an audit cell, but "yes" on row 1`},
		{"delimiter and line break are plain text here", map[int]map[int64]string{4: {0: with(0, "value=no", "value=no\n7,1,maj,1"), 3: with(3, "value=no", "value=a,\"b")}, 3: {0: "yes"}},
			""}, // accepted: see below
		{"invalid UTF-8", map[int]map[int64]string{4: {0: with(0, "value=no", "value=\xff")}},
			`{in}: row 1: column 5 (fairflip_audit): audit cell "fairflip/1 col=4 label=y method=random score=`},
		{"not an audit cell", map[int]map[int64]string{4: {1: "restore me"}},
			`{in}: row 2: column 5 (fairflip_audit): audit cell "restore me" was not written by fairflip`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edited := edit(c.set)
			if c.msg != "" {
				refusedUndo(t, dir, "edited.parquet", edited, c.msg)
				return
			}
			// A value= with a delimiter, a quote or a line break is one
			// STRING value in Parquet: restored as recorded, nothing else.
			in := writeFile(t, dir, "edited.parquet", string(edited))
			out := filepath.Join(dir, "restored.parquet")
			r := runCLI(t, "", "undo", in, "-o", out)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			got := parquetColumn(t, openParquetFile(t, out), 3)
			if want := []string{"no\n7,1,maj,1", "yes", "no", "a,\"b", "yes", "yes"}; strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("labels %q, want %q", got, want)
			}
			orig := openParquetFile(t, src)
			res := openParquetFile(t, out)
			for c := 0; c < 3; c++ {
				if strings.Join(parquetColumn(t, orig, c), "|") != strings.Join(parquetColumn(t, res, c), "|") {
					t.Fatalf("column %d changed", c+1)
				}
			}
		})
	}
}

// TestReplaceAuditRefusesForeignCells: --replace-audit adds entries only to
// a column whose non-empty cells are audit cells undo would accept; any
// other is bad data (exit 3) found in the first pass, before anything is
// written, even to standard output.
func TestReplaceAuditRefusesForeignCells(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	flipped := flipSmall(t)
	a2 := auditOf(t, flipped, 2)
	args := append(append([]string{}, hostileArgs...), "--replace-audit")
	args[len(args)-2] = "1" // --flips 1
	for _, c := range []struct{ name, in, msg string }{
		{"a note", strings.Replace(flipped, "\n2,4,maj,1,\n", "\n2,4,maj,1,keep me\n", 1),
			`{in}:3: column 5 (fairflip_audit): audit cell "keep me" was not written by fairflip`},
		{"another column", setAuditCell(t, flipped, 2, strings.Replace(a2, "col=4 label=y", "col=2 label=x", 1)),
			`{in}:2: column 5 (fairflip_audit): the audit cell names column 2, but the label column (--label) is column 4`},
		{"a row undo would break", setAuditCell(t, flipped, 2, strings.Replace(a2, "was=0", "was=0\n1,1,min,1", 1)),
			`{in}:2: column 5 (fairflip_audit): restoring the label cell "0\n1,1,min,1" in column 4 (y) would split the record in two`},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := writeFile(t, dir, "in.csv", c.in)
			out := filepath.Join(dir, "out.csv")
			for _, how := range [][]string{{"-o", out}, nil} {
				r := runCLI(t, "", append(append([]string{"flip", in}, how...), args...)...)
				if r.code != exitData || !strings.Contains(r.stderr, strings.ReplaceAll(c.msg, "{in}", in)) || r.stdout != "" {
					t.Fatalf("%v: exit %d stdout %q stderr %q; want %d and %q", how, r.code, r.stdout, r.stderr, exitData, c.msg)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Fatalf("an output file was written")
				}
			}
		})
	}
}
