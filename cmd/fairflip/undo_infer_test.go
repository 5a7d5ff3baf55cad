package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
)

// Undo needs nothing but the file (issue 14, item 2): flip records in the
// audit cells of a CSV file read with --no-header, --skip-lines or
// --comment how it read it, and undo without those flags reads the file
// so, verifying it.

// TestUndoWithoutFlagsAdult: the real Adult files, adult.data without a
// header and adult.test with a line before the table, flipped as the
// README does and undone with no flag, come back byte for byte.
func TestUndoWithoutFlagsAdult(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		file, positive, read string
		flags                []string
	}{
		{"adult.data", ">50K", "--no-header", nil},
		{"adult.test", ">50K.", "--no-header --skip-lines 1", []string{"--skip-lines", "1"}},
	} {
		in := testdata.Path(t, "adult/"+c.file)
		orig, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, c.file+".flipped.csv")
		args := append([]string{"flip", in, "-o", out, "--no-header", "--header-names", testdata.AdultColumns,
			"--sensitive", "race", "--minority", "Black", "--label", "income", "--positive", c.positive, "--alpha", "0.3", "--seed", "1"}, c.flags...)
		if r := runCLI(t, "", args...); r.code != 0 {
			t.Fatalf("%s: flip: exit %d: %s", c.file, r.code, r.stderr)
		}
		flipped, _ := os.ReadFile(out)
		if !bytes.Contains(flipped, []byte(" label=#15 "+strings.NewReplacer("--no-header", "header=no", "--skip-lines ", "skip-lines=").Replace(c.read)+" method=rb-prob ")) {
			t.Fatalf("%s: the audit cells do not record how flip read the file", c.file)
		}
		back := filepath.Join(dir, c.file+".back")
		r := runCLI(t, "", "undo", out, "-o", back)
		if r.code != 0 {
			t.Fatalf("%s: undo: exit %d: %s", c.file, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "restored in column #15 (read with "+c.read+", as the audit cells record)") {
			t.Errorf("%s: undo's summary %q", c.file, r.stderr)
		}
		if b, _ := os.ReadFile(back); !bytes.Equal(b, orig) {
			t.Fatalf("%s: flip then undo without flags is not byte-identical", c.file)
		}
		// From standard input to standard output.
		if r := runCLI(t, string(flipped), "undo"); r.code != 0 || r.stdout != string(orig) {
			t.Fatalf("%s: undo from stdin: exit %d: %s", c.file, r.code, r.stderr)
		}
	}
}

// The synthetic table: g is the group, y the label (column 3); lines 2
// and 4 of the table (ids 2 and 4) are the minority negatives that flip
// flips. The first row is not flipped.
const inferRows = "1,maj,0\n2,min,0\n3,maj,1\n4,min,0\n5,min,1\n6,maj,0\n"

var inferFlip = []string{"--minority", "min", "--positive", "1", "--method", "random", "--flips", "2"}

// TestUndoWithoutFlags: flip then undo with no flag gives the input back
// byte for byte, for files without a header, with lines before the table,
// with comment lines (in the middle too), TSV, CRLF and combinations, from
// a file and from standard input; a file with a header and nothing passed
// through has audit cells as before.
func TestUndoWithoutFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	headerless := []string{"--no-header", "--sensitive", "#2", "--label", "#3"}
	named := []string{"--sensitive", "g", "--label", "y"}
	tsv := strings.ReplaceAll(inferRows, ",", "\t")
	mid := strings.SplitAfterN(inferRows, "\n", 3) // a comment after the second row
	withComment := mid[0] + mid[1] + "# a comment, in the middle: fairflip/1 col=3, not an audit cell\n" + mid[2]
	cases := []struct {
		name, file, in string
		flags          []string
		record         string // in the audit cells
	}{
		{"no header", "in.csv", inferRows, headerless, " header=no "},
		{"no header, TSV", "in.tsv", tsv, headerless, " header=no "},
		{"no header, tabs in a .csv", "in.csv", tsv, headerless, " header=no "},
		{"no header, CRLF", "in.csv", strings.ReplaceAll(inferRows, "\n", "\r\n"), headerless, " header=no "},
		{"no header, a preamble", "in.csv", "exported 2026-12-01\n" + inferRows, append([]string{"--skip-lines", "1"}, headerless...), " header=no skip-lines=1 "},
		{"no header, preamble and comments", "in.csv", "two lines\nof preamble\n# first\n" + withComment, append([]string{"--skip-lines", "2", "--comment", "#"}, headerless...), " header=no skip-lines=2 comment=# "},
		{"no header, % comments, TSV", "in.tsv", "% top\n" + strings.NewReplacer(",", "\t", "#", "%").Replace(withComment), append([]string{"--comment", "%"}, headerless...), " header=no comment=%25 "},
		{"header, a preamble", "in.csv", "a title line\nid,g,y\n" + inferRows, append([]string{"--skip-lines", "1"}, named...), " label=y skip-lines=1 "},
		{"header, comments", "in.csv", "# top\nid,g,y\n" + withComment, append([]string{"--comment", "#"}, named...), " label=y comment=# "},
		{"header only", "in.csv", "id,g,y\n" + inferRows, named, " label=y method="},
		{"header only, TSV", "in.tsv", "id\tg\ty\n" + tsv, named, " label=y method="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := writeFile(t, t.TempDir(), c.file, c.in)
			r := runCLI(t, "", append(append([]string{"flip", in, "-q"}, c.flags...), inferFlip...)...)
			if r.code != 0 {
				t.Fatalf("flip: exit %d: %s", r.code, r.stderr)
			}
			flipped := r.stdout
			if strings.Count(flipped, "fairflip/1 col=3 ") != 2 || strings.Count(flipped, c.record) != 2 {
				t.Fatalf("flip's audit cells lack %q:\n%s", c.record, flipped)
			}
			f := writeFile(t, dir, strings.ReplaceAll(c.name, " ", "_")+filepath.Ext(c.file), flipped)
			for how, r := range map[string]result{"from the file": runCLI(t, "", "undo", f), "from stdin": runCLI(t, flipped, "undo", "--format", strings.TrimPrefix(filepath.Ext(c.file), "."))} {
				if r.code != 0 || r.stdout != c.in {
					t.Fatalf("undo %s: exit %d, stderr %q\noutput %q\nwant   %q", how, r.code, r.stderr, r.stdout, c.in)
				}
				if read := strings.Contains(r.stderr, "as the audit cells record"); read != (c.record != " label=y method=") {
					t.Errorf("undo %s: summary %q", how, r.stderr)
				}
			}
			// The flags flip was given work as before; a flag that
			// disagrees with the audit cells is refused.
			var dialect []string
			for i, a := range c.flags {
				switch a {
				case "--no-header":
					dialect = append(dialect, a)
				case "--skip-lines", "--comment":
					dialect = append(dialect, a, c.flags[i+1])
				}
			}
			if r := runCLI(t, "", append([]string{"undo", f}, dialect...)...); r.code != 0 || r.stdout != c.in {
				t.Fatalf("undo %s: exit %d: %s", strings.Join(dialect, " "), r.code, r.stderr)
			}
			if c.record != " label=y method=" {
				r := runCLI(t, "", "undo", f, "--skip-lines", "3")
				if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, "--skip-lines 3 was given, but the audit cell on line ") ||
					!strings.Contains(r.stderr, "give undo the flags flip was given, or none of --no-header, --skip-lines and --comment") {
					t.Fatalf("undo --skip-lines 3: exit %d: %s", r.code, r.stderr)
				}
			}
		})
	}
}

// TestUndoWithoutFlagsOtherFormats: JSON Lines and Parquet undo as before
// (they need no dialect), and an output converted to another format from a
// CSV file without a header records nothing of the CSV file.
func TestUndoWithoutFlagsOtherFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	jsonl := "{\"id\":1,\"g\":\"maj\",\"y\":0}\n{\"id\":2,\"g\":\"min\",\"y\":0}\n{\"id\":3,\"g\":\"maj\",\"y\":1}\n{\"id\":4,\"g\":\"min\",\"y\":0}\n"
	in := writeFile(t, dir, "in.jsonl", jsonl)
	r := runCLI(t, "", append([]string{"flip", in, "-q", "--sensitive", "g", "--label", "y"}, inferFlip...)...)
	if r.code != 0 || strings.Contains(r.stdout, "header=") {
		t.Fatalf("flip JSON Lines: exit %d: %s\n%s", r.code, r.stderr, r.stdout)
	}
	if back := runCLI(t, r.stdout, "undo", "--format", "jsonl"); back.code != 0 || back.stdout != jsonl {
		t.Fatalf("undo JSON Lines: exit %d: %s", back.code, back.stderr)
	}
	pq := writeParquet(t, dir, "in.parquet", "id,g,y\n"+inferRows, 4)
	out, back := filepath.Join(dir, "f.parquet"), filepath.Join(dir, "back.parquet")
	if r := runCLI(t, "", append([]string{"flip", pq, "-o", out, "-q", "--sensitive", "g", "--label", "y"}, inferFlip...)...); r.code != 0 {
		t.Fatalf("flip Parquet: exit %d: %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", "undo", out, "-o", back); r.code != 0 || !strings.Contains(r.stderr, "2 labels restored in column y\n") {
		t.Fatalf("undo Parquet: exit %d: %s", r.code, r.stderr)
	}
	csv := writeFile(t, dir, "h.csv", inferRows)
	r = runCLI(t, "", append([]string{"flip", csv, "-q", "--output-format", "jsonl", "--no-header", "--header-names", "id,g,y", "--sensitive", "g", "--label", "y"}, inferFlip...)...)
	if r.code != 0 || strings.Count(r.stdout, "fairflip/1 col=3 label=#3 method=") != 2 {
		t.Fatalf("flip --output-format jsonl: exit %d: %s\n%s", r.code, r.stderr, r.stdout)
	}
}

// TestUndoWithoutFlagsHostile: what undo infers is verified, not trusted:
// audit cells edited to record another reading, a truncated file, text
// like an audit cell where none belongs, a file with no flipped row.
// Each ends in a clear error and no output.
func TestUndoWithoutFlagsHostile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	flip := func(in string, flags ...string) string {
		t.Helper()
		r := runCLI(t, in, append(append([]string{"flip", "-q"}, flags...), inferFlip...)...)
		if r.code != 0 {
			t.Fatalf("flip: exit %d: %s", r.code, r.stderr)
		}
		return r.stdout
	}
	preamble := "exported 2026-12-01\n" + inferRows
	pre := flip(preamble, "--skip-lines", "1", "--no-header", "--sensitive", "#2", "--label", "#3")
	plain := flip(inferRows, "--no-header", "--sensitive", "#2", "--label", "#3")
	named := flip("id,g,y\n"+inferRows, "--sensitive", "g", "--label", "y")
	// The flipped rows are on lines 3 and 5 of pre, 2 and 4 of plain.
	if !strings.Contains(pre, "\n2,min,1,fairflip/1 col=3 label=#3 header=no skip-lines=1 method=random ") || !strings.Contains(plain, "\n4,min,1,fairflip/1 col=3 label=#3 header=no method=random ") {
		t.Fatalf("flips:\n%s\n%s", pre, plain)
	}
	cases := []struct {
		name, edited, msg string
	}{
		{"every cell claims two lines skipped", strings.ReplaceAll(pre, "skip-lines=1", "skip-lines=2"),
			`{in}:2: this line is passed through unchanged (one of the 2 lines skipped before the table), but it reads as a row of the table (4 fields, the last, the audit cell, empty): the file is not as the audit cells record (undo read the file with --no-header --skip-lines 2, as the audit cell on line 3 records`},
		{"every cell claims three lines skipped", strings.ReplaceAll(pre, "skip-lines=1", "skip-lines=3"),
			`{in}:2: this line is passed through unchanged (one of the 3 lines skipped before the table), but it reads as a row of the table`},
		{"one cell claims another skip", strings.Replace(pre, "skip-lines=1", "skip-lines=2", 1),
			`{in}:5: column 4: the audit cell records that flip read the file with --no-header --skip-lines 1, but undo reads it with --no-header --skip-lines 2`},
		{"the preamble removed", strings.SplitN(pre, "\n", 2)[1],
			`{in}:1: this line is passed through unchanged (the line skipped before the table), but it reads as a row of the table`},
		{"a skip claimed where there is none", strings.ReplaceAll(plain, "header=no", "header=no skip-lines=1"),
			`{in}:1: this line is passed through unchanged (the line skipped before the table), but it reads as a row of the table`},
		{"a comment character claimed", strings.ReplaceAll(plain, "header=no", "header=no comment=1"),
			`{in}:1: this line is passed through unchanged (a comment line), but it reads as a row of the table`},
		{"a comment character claimed on flipped rows", strings.ReplaceAll(plain, "header=no", "header=no comment=2"),
			`{in}:2: this line is passed through unchanged (a comment line), but it holds an audit cell`},
		{"no header claimed in a file with a header", strings.ReplaceAll(named, "label=y", "label=y header=no"),
			`{in}:1: column 4: audit cell "fairflip_audit" was not written by fairflip`},
		{"truncated in a row", plain[:strings.LastIndex(plain, "6,maj")+3],
			`{in}:6: wrong number of fields: 2 fields, but the first record (line 1) has 4 (undo read the file with --no-header, as the audit cell on line 2 records`},
		{"a header whose first row's last cell looks like an audit cell", "id,g,y,note\n1,maj,0,fairflip/1 col=3 label=#3 header=no method=random score=0.5 was=0\n2,min,1,seen\n",
			`{in}:1: column 4: audit cell "note" was not written by fairflip`},
		{"a header that looks like an audit cell", "id,g,y,fairflip/1 col=3 label=#3 header=no method=random score=0.5 was=0\n1,maj,0,seen\n",
			`{in}:2: column 4: audit cell "seen" was not written by fairflip`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refusedUndo(t, dir, "edited.csv", []byte(c.edited), c.msg)
		})
	}

	// Text like an audit cell in another column is no audit cell: undo
	// reads the file as before.
	junk := "id,g,y\n1,maj fairflip/1 col=3 label=#3 header=no method=random score=0.5 was=0,0\n2,min,0\n3,maj,1\n"
	if r := runCLI(t, flip(junk, "--sensitive", "g", "--label", "y"), "undo"); r.code != 0 || r.stdout != junk {
		t.Fatalf("audit text outside the audit column: exit %d: %s", r.code, r.stderr)
	}

	// Nothing to infer: the cells lost their record, the file was cut
	// before its first flipped row, or no row was flipped. Undo says what
	// to give (exit 2); with --no-header it restores as before.
	noFlip := runCLI(t, inferRows, "flip", "-q", "--no-header", "--sensitive", "#2", "--label", "#3", "--minority", "min", "--positive", "1", "--flips", "0")
	if noFlip.code != 0 || strings.Contains(noFlip.stdout, "fairflip/1") {
		t.Fatalf("flip --flips 0: exit %d: %s", noFlip.code, noFlip.stderr)
	}
	for name, c := range map[string]struct{ edited, want string }{
		"no record":        {strings.ReplaceAll(plain, " header=no", ""), inferRows},
		"cut before flips": {plain[:strings.Index(plain, "2,min")], inferRows[:strings.Index(inferRows, "2,min")]},
		"no flipped row":   {noFlip.stdout, inferRows},
	} {
		edited := c.edited
		in := writeFile(t, dir, "nothing.csv", edited)
		r := runCLI(t, "", "undo", in)
		if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, in+`:1: the header has no audit column "fairflip_audit" and no audit cell records that flip read the file otherwise`) ||
			!strings.Contains(r.stderr, "or the --no-header, --skip-lines and --comment that flip was given if the file has no header or lines before it") {
			t.Errorf("%s: exit %d, stderr %q", name, r.code, r.stderr)
		}
		r = runCLI(t, "", "undo", in, "--no-header")
		if r.code != 0 || r.stdout != c.want {
			t.Errorf("%s: undo --no-header: exit %d, stderr %q, output %q", name, r.code, r.stderr, r.stdout)
		}
	}
}

// TestUndoWithoutFlagsParts: the parts of a table without a header, one
// of which has no flipped row, undo without flags: a part whose cells
// record nothing is read as the other parts' cells record.
func TestUndoWithoutFlagsParts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	parts := []string{
		writeFile(t, dir, "a.csv", "exported\n1,min,0\n2,maj,1\n3,min,0\n"),
		writeFile(t, dir, "b.csv", "exported\n4,maj,0\n5,maj,1\n6,min,1\n"), // nothing to flip
		writeFile(t, dir, "c.csv", "exported\n7,min,0\n8,maj,0\n"),
	}
	flipped, back := filepath.Join(dir, "flipped"), filepath.Join(dir, "back")
	for _, d := range []string{flipped, back} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r := runCLI(t, "", append(append([]string{"flip", "--output-dir", flipped, "-q", "--skip-lines", "1", "--no-header", "--sensitive", "#2", "--label", "#3"}, inferFlip...), parts...)...)
	if r.code != 0 {
		t.Fatalf("flip: exit %d: %s", r.code, r.stderr)
	}
	outs := []string{filepath.Join(flipped, "a.csv"), filepath.Join(flipped, "b.csv"), filepath.Join(flipped, "c.csv")}
	if b, _ := os.ReadFile(outs[1]); bytes.Contains(b, []byte("fairflip/1")) {
		t.Fatalf("b.csv was flipped")
	}
	for _, order := range [][]string{outs, {outs[1], outs[0], outs[2]}} {
		if r := runCLI(t, "", append([]string{"undo", "--output-dir", back}, order...)...); r.code != 0 {
			t.Fatalf("undo: exit %d: %s", r.code, r.stderr)
		}
		for _, p := range parts {
			want, _ := os.ReadFile(p)
			if got, err := os.ReadFile(filepath.Join(back, filepath.Base(p))); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: not restored (%v)", filepath.Base(p), err)
			}
			os.Remove(filepath.Join(back, filepath.Base(p)))
		}
	}
	// Only the part without flips: nothing records how to read it.
	r = runCLI(t, "", "undo", "--output-dir", back, outs[1])
	if r.code != exitUsage || !strings.Contains(r.stderr, "no audit cell records that flip read the file otherwise") {
		t.Errorf("undo of b.csv alone: exit %d: %s", r.code, r.stderr)
	}
}
