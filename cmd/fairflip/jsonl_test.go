package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/duckdb"
)

// JSON Lines end to end: flip and undo keep every byte but the label's and
// the audit member's; eval and sweep read it; conversions to and from CSV
// and Parquet keep the table; DuckDB reads what flip writes; a malformed
// file is exit 3 with nothing written.

// jsonlTable writes n rows as JSON Lines in varied spellings: key order,
// whitespace, number forms, escapes in a column the flip does not touch,
// a nested column, a CRLF line.
func jsonlTable(n int) string {
	var b strings.Builder
	for i := range n {
		g := "maj"
		if i%3 == 0 {
			g = "min"
		}
		x := (i*37)%101 - 50
		y := 0
		if x > 10 && (g == "maj" || i%2 == 0) {
			y = 1
		}
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, `{"id": %d, "x": %d.0, "g": "%s", "note": "caf\u00e9 \/ \"q\"", "meta": {"k": [1, "}"]}, "y": %d}`+"\n", i, x, g, y)
		case 1:
			fmt.Fprintf(&b, `{"y":%d,"g":"%s","x":%de0,"id":%d,"meta":null,"note":"plain"}`+"\n", y, g, x, i)
		case 2:
			fmt.Fprintf(&b, `  { "meta" : [ ] , "note" : "tab\tand\\" , "id" : %d , "x" : %d , "g" : "%s" , "y" : %d }  `+"\r\n", i, x, g, y)
		default:
			fmt.Fprintf(&b, `{"id":%d,"x":%d,"g":"%s","note":"é","meta":{},"y":%d}`+"\n", i, x, g, y)
		}
	}
	return b.String()
}

var jsonlArgs = []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--negative", "0", "--flips", "10", "--seed", "3"}

var auditMember = regexp.MustCompile(`,"fairflip_audit":"([^"]*)"`)

// checkFlippedLines checks that each output line is its input line with
// the audit member added and, on flipped lines, the label 0 written as 1,
// and returns the number of flipped lines.
func checkFlippedLines(t *testing.T, in, out string) int {
	t.Helper()
	il, ol := strings.SplitAfter(in, "\n"), strings.SplitAfter(out, "\n")
	if len(il) != len(ol) {
		t.Fatalf("%d lines in, %d out", len(il), len(ol))
	}
	flipped := 0
	for i := range il {
		if il[i] == "" && ol[i] == "" {
			continue // after the last line break
		}
		m := auditMember.FindStringSubmatch(ol[i])
		if m == nil || strings.Count(ol[i], `"fairflip_audit"`) != 1 {
			t.Fatalf("line %d has no audit member: %s", i+1, ol[i])
		}
		rest := strings.Replace(ol[i], m[0], "", 1)
		if m[1] != "" {
			flipped++
			if !strings.Contains(m[1], "label=y") || !strings.HasSuffix(m[1], "value=0") {
				t.Errorf("line %d: audit %q", i+1, m[1])
			}
			re := regexp.MustCompile(`("y" *: *)1\b`)
			if !re.MatchString(rest) {
				t.Fatalf("line %d: label not 1: %s", i+1, ol[i])
			}
			rest = re.ReplaceAllString(rest, "${1}0")
		}
		if rest != il[i] {
			t.Fatalf("line %d changed beyond the label and audit:\n%q\n%q", i+1, il[i], ol[i])
		}
	}
	return flipped
}

func TestJSONLFlipUndo(t *testing.T) {
	dir := t.TempDir()
	text := jsonlTable(300)
	in := writeFile(t, dir, "in.jsonl", text)
	out := filepath.Join(dir, "out.jsonl")
	r := runCLI(t, "", append([]string{"flip", in, "-o", out, "--method", "random"}, jsonlArgs...)...)
	if r.code != 0 {
		t.Fatalf("flip: exit %d: %s", r.code, r.stderr)
	}
	flippedText, _ := os.ReadFile(out)
	if n := checkFlippedLines(t, text, string(flippedText)); n != 10 {
		t.Fatalf("%d lines flipped, want 10", n)
	}
	// From standard input, with --format: the same bytes.
	s := runCLI(t, text, append([]string{"flip", "--format", "jsonl", "--method", "random"}, jsonlArgs...)...)
	if s.code != 0 || s.stdout != string(flippedText) {
		t.Fatalf("stdin flip: exit %d (%d bytes, %d from the file): %s", s.code, len(s.stdout), len(flippedText), s.stderr)
	}
	// Undo: byte for byte, from a file and from standard input.
	back := filepath.Join(dir, "back.jsonl")
	u := runCLI(t, "", "undo", out, "-o", back)
	restored, _ := os.ReadFile(back)
	if u.code != 0 || string(restored) != text || !strings.Contains(u.stderr, "10 labels restored") {
		t.Fatalf("undo: exit %d, same %v: %s", u.code, string(restored) == text, u.stderr)
	}
	u = runCLI(t, string(flippedText), "undo", "--format", "jsonl")
	if u.code != 0 || u.stdout != text {
		t.Fatalf("stdin undo: exit %d: %s", u.code, u.stderr)
	}
	// A file that was not flipped: no audit column, said without a line.
	u = runCLI(t, "", "undo", in)
	if u.code != exitUsage || !strings.Contains(u.stderr, `in.jsonl has no audit column "fairflip_audit"`) {
		t.Fatalf("undo of an unflipped file: exit %d: %s", u.code, u.stderr)
	}
	// rb-prob, with a feature.
	r = runCLI(t, "", append([]string{"flip", in, "--method", "rb-prob", "--features", "x"}, jsonlArgs...)...)
	if r.code != 0 {
		t.Fatalf("rb-prob: exit %d: %s", r.code, r.stderr)
	}
	if n := checkFlippedLines(t, text, r.stdout); n != 10 {
		t.Fatalf("rb-prob: %d lines flipped, want 10", n)
	}
	// eval and sweep read JSON Lines.
	e := runCLI(t, "", "eval", "--train", out, "--test", in, "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--features", "x")
	if e.code != 0 || e.stdout == "" {
		t.Fatalf("eval: exit %d: %s", e.code, e.stderr)
	}
	sw := runCLI(t, "", "sweep", in, "--test-split", "0.3", "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1",
		"--features", "x", "--alpha", "0.5,1", "--flips", "0,5", "--runs", "1")
	if sw.code != 0 || !strings.Contains(sw.stdout, "EqOd") {
		t.Fatalf("sweep: exit %d: %s", sw.code, sw.stderr)
	}
}

// TestJSONLStringLabel: a label of strings stays strings; DuckDB reads the
// flipped file with the same rows and the flipped labels.
func TestJSONLStringLabel(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 200 {
		g, y := "maj", "<=50K"
		if i%4 == 0 {
			g = "min"
		}
		if i%3 == 0 {
			y = ">50K"
		}
		fmt.Fprintf(&b, `{"id":%d,"g":"%s","income":"%s","w":%d.5}`+"\n", i, g, y, i%7)
	}
	in := writeFile(t, dir, "in.ndjson", b.String())
	out := filepath.Join(dir, "out.jsonl")
	r := runCLI(t, "", "flip", in, "-o", out, "--sensitive", "g", "--minority", "min", "--label", "income", "--positive", ">50K", "--method", "rb-prob", "--features", "w", "--flips", "7")
	if r.code != 0 {
		t.Fatalf("flip: exit %d: %s", r.code, r.stderr)
	}
	flipped, _ := os.ReadFile(out)
	if got := strings.Count(string(flipped), `"income":">50K"`) - strings.Count(b.String(), `"income":">50K"`); got != 7 {
		t.Fatalf("%d more positive labels, want 7", got)
	}
	duckdb.Require(t)
	res, err := duckdb.Query(fmt.Sprintf(`SELECT count(*)::VARCHAR, count(*) FILTER (WHERE income = '>50K')::VARCHAR, count(*) FILTER (WHERE fairflip_audit <> '')::VARCHAR, count(DISTINCT id)::VARCHAR FROM read_json(%s, format = 'newline_delimited')`, duckdb.Quote(out)))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"200", fmt.Sprint(strings.Count(b.String(), `">50K"`) + 7), "7", "200"}
	if fmt.Sprint(res.Rows[0]) != fmt.Sprint(want) {
		t.Fatalf("DuckDB reads %v, want %v", res.Rows[0], want)
	}
}

// TestJSONLConvert: CSV to JSON Lines and back, and Parquet to JSON Lines
// and back, keep the table.
func TestJSONLConvert(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	args := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "1", "-q"}
	j := runCLI(t, "", append([]string{"flip", in, "--output-format", "jsonl"}, args...)...)
	if j.code != 0 || !strings.HasPrefix(j.stdout, `{"id":1,"x":3,"g":"min","y":`) {
		t.Fatalf("to JSON Lines: exit %d %q: %s", j.code, firstLine(j.stdout), j.stderr)
	}
	c := runCLI(t, j.stdout, "undo", "--format", "jsonl", "--output-format", "csv", "-q")
	if c.code != 0 || c.stdout != small {
		t.Fatalf("back to CSV: exit %d:\n%s\nwant\n%s%s", c.code, c.stdout, small, c.stderr)
	}
	// Parquet: flip to JSON Lines, undo to Parquet; the same flip of the
	// original and of the round trip, written as CSV, is the same table.
	src := fixtures + "duckdb_rowgroups.parquet"
	j = runCLI(t, "", append([]string{"flip", src, "--output-format", "jsonl", "-q"}, rowgroupArgs...)...)
	if j.code != 0 {
		t.Fatalf("Parquet to JSON Lines: exit %d: %s", j.code, j.stderr)
	}
	pq := runCLI(t, j.stdout, "undo", "--format", "jsonl", "--output-format", "parquet", "-q")
	if pq.code != 0 || !strings.HasPrefix(pq.stdout, "PAR1") {
		t.Fatalf("back to Parquet: exit %d: %s", pq.code, pq.stderr)
	}
	back := writeFile(t, dir, "back.parquet", pq.stdout)
	a := runCLI(t, "", append([]string{"flip", src, "--output-format", "csv", "-q"}, rowgroupArgs...)...)
	b := runCLI(t, "", append([]string{"flip", back, "--output-format", "csv", "-q"}, rowgroupArgs...)...)
	if a.code != 0 || b.code != 0 || a.stdout != b.stdout || a.stdout == "" {
		t.Fatalf("the round trip changed the table: exit %d, %d; %s%s", a.code, b.code, a.stderr, b.stderr)
	}
}

// TestJSONLHostile: malformed files are exit 3, naming the file, line and
// key, and no output is written.
func TestJSONLHostile(t *testing.T) {
	good := jsonlTable(20)
	lines := strings.SplitAfter(good, "\n")
	with := func(i int, line string) string {
		l := append([]string(nil), lines...)
		l[i] = line
		return strings.Join(l, "")
	}
	cases := []struct{ name, text, want string }{
		{"not an object", with(4, "[1, 2]\n"), "in.jsonl:5: not a JSON object: an array"},
		{"missing key", with(4, `{"id":4,"x":1,"g":"maj","note":"","meta":null}`+"\n"), `in.jsonl:5: column 6 (y): the object has no key "y"`},
		{"invalid UTF-8", with(4, "{\"id\":4,\"x\":1,\"g\":\"ma\xffj\",\"note\":\"\",\"meta\":null,\"y\":0}\n"), `in.jsonl:5: not a JSON object: invalid UTF-8 at byte 22 (after the key "g")`},
		{"duplicate key", with(4, `{"id":4,"x":1,"g":"maj","note":"","meta":null,"y":0,"x":2}`+"\n"), `in.jsonl:5: column 2 (x): the key "x" is in the object twice`},
		{"truncated", good + `{"id":20,"x":1,"g":"maj","note":"","me`, "in.jsonl:21: not a JSON object: the line ends inside a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := writeFile(t, dir, "in.jsonl", c.text)
			out := filepath.Join(dir, "out.jsonl")
			r := runCLI(t, "", append([]string{"flip", in, "-o", out, "--method", "random"}, jsonlArgs...)...)
			if r.code != exitData || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d, want %d with %q: %s", r.code, exitData, c.want, r.stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("an output was written (%v)", err)
			}
		})
	}
}
