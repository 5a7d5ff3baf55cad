package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// multiTable writes a table split over five files into dir/in: LF, CRLF,
// header-only, empty (0 bytes), no final newline.
func multiTable(t *testing.T, dir string) map[string]string {
	t.Helper()
	var rows []string
	for i := 0; i < 240; i++ {
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
		{[]string{"flip", "--output-dir", out, a, filepath.Join(other, "z.csv")}, 3, "different headers"},
		{[]string{"flip", "--output-dir", out, a, filepath.Join(other, "p.parquet")}, 2, "CSV inputs for now"},
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
		if strings.Contains(r.stderr, "different headers") && (!strings.Contains(r.stderr, a) || !strings.Contains(r.stderr, "z.csv")) {
			t.Errorf("the header error names both files: %s", r.stderr)
		}
		if ents, _ := os.ReadDir(out); len(ents) != 0 {
			t.Fatalf("%v: a failed run left %d files in the output folder", c.args, len(ents))
		}
	}
}
