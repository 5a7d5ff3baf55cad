package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fairflip/fairflip/internal/flipcli"
	"github.com/fairflip/fairflip/internal/testdata"
)

// inProcess makes the tests that run fairflip in this process take turns.
// urfave/cli v2 keeps its help flag and help command in package variables
// that every App's run writes (cli.HelpFlag, the help subcommand): fairflip
// runs one App per process, but parallel tests run several (and the race
// detector sees the writes). Everything else in a test runs in parallel.
var inProcess sync.Mutex

// runLocked is e.run, holding inProcess.
func (e env) runLocked(ctx context.Context, args []string) int {
	inProcess.Lock()
	defer inProcess.Unlock()
	return e.run(ctx, args)
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runHooked(t, nil, stdin, args...)
}

// runHooked is runCLI with the tests' hooks h.
func runHooked(t *testing.T, h *hooks, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, hooks: h}.runLocked(context.Background(), append([]string{"fairflip"}, args...))
	return result{code, out.String(), errb.String()}
}

const small = "id,x,g,y\n1,3,min,0\n2,4,maj,1\n3,5,maj,0\n4,6,min,0\n5,7,maj,1\n6,2,min,1\n"

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBadInput runs every bad-input case of the CLI contract: each must give
// its documented exit code, a one-line message naming the place, and nothing
// on stdout or in the -o file.
func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := []string{"--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "1"}
	cases := []struct {
		name  string
		input string
		args  []string // replaces the matching flags of base
		code  int
		msg   string
	}{
		{"unknown column", small, []string{"--label", "income"}, exitUsage, `--label "income": no such column in IN; its columns are: id, x, g, y`},
		{"minority absent", small, []string{"--minority", "Martian"}, exitData, "no row has the minority value (--minority Martian)"},
		{"no majority rows", "g,y\nmin,0\nmin,1\n", nil, exitData, "no majority rows"},
		{"label neither", small + "7,1,maj,2\n", []string{"--negative", "0"}, exitData, `IN:8: column 4 (y): label "2" is neither positive`},
		{"missing label", small + "7,1,maj,\n", nil, exitData, "IN:8: column 4 (y): missing label"},
		{"ragged row", small + "7,1,maj\n", nil, exitData, "IN:8: wrong number of fields: 3 fields, but the header (line 1) has 4"},
		{"bad quoting", small + "7,1,\"maj,1\n", nil, exitData, "IN:8: column 3 (g): quoted field never closes"},
		{"bare quote", small + "7,1,ma\"j,1\n", nil, exitData, `IN:8: column 3 (g): bare "`},
		{"non-UTF-8", small + "7,\xff,maj,1\n", nil, exitData, "IN:8: column 2 (x): invalid UTF-8"},
		{"empty input", "", nil, exitData, "IN is empty"},
		{"header only", "id,x,g,y\n", nil, exitData, "IN has a header but no data rows"},
		{"alpha too large", small, []string{"--alpha", "1.5"}, exitUsage, "--alpha 1.5"},
		{"alpha zero", small, []string{"--alpha", "0"}, exitUsage, "--alpha 0"},
		{"members and alpha", small, []string{"--alpha", "0.5", "--members", "x"}, exitUsage, "--members and --alpha both choose the collective"},
		{"existing audit column", "g,y,fairflip_audit\nmin,0,\nmaj,1,\n", nil, exitUsage, `already has an audit column "fairflip_audit"`},
		{"bad --flips", small, []string{"--flips", "lots"}, exitUsage, `--flips "lots"`},
		{"unknown method", small, []string{"--method", "magic"}, exitUsage, `--method "magic"`},
		{"random with auto", small, []string{"--flips", "auto"}, exitUsage, "--flips auto cannot be used"},
		{"unknown flag", small, []string{"--bogus"}, exitUsage, "flag provided but not defined: -bogus"},
		{"missing --label", small, []string{"--label", ""}, exitUsage, "--label is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := writeFile(t, dir, "in.csv", c.input)
			outPath := filepath.Join(dir, "out.csv")
			os.Remove(outPath)
			args := append([]string{"flip", in, "-o", outPath}, merge(base, c.args)...)
			r := runCLI(t, "", args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d; stderr: %s", r.code, c.code, r.stderr)
			}
			msg := strings.ReplaceAll(c.msg, "IN", in)
			if !strings.Contains(r.stderr, msg) {
				t.Fatalf("stderr %q lacks %q", r.stderr, msg)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); lines != 0 {
				t.Errorf("error message spans %d lines: %q", lines+1, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty: %q", r.stdout)
			}
			if _, err := os.Stat(outPath); !os.IsNotExist(err) {
				t.Errorf("an output file was written")
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, ".out.csv.fairflip-*"))
			if len(leftovers) > 0 {
				t.Errorf("temporary files left: %v", leftovers)
			}
			// The same on stdout: nothing written.
			r = runCLI(t, "", append([]string{"flip", in}, merge(base, c.args)...)...)
			if r.code != c.code || r.stdout != "" {
				t.Errorf("to stdout: exit %d, stdout %q", r.code, r.stdout)
			}
		})
	}
}

// merge returns base with the flags in over replaced (or appended).
func merge(base, over []string) []string {
	out := append([]string{}, base...)
	for i := 0; i < len(over); i++ {
		name := over[i]
		val := ""
		hasVal := i+1 < len(over) && !strings.HasPrefix(over[i+1], "--")
		if hasVal {
			val = over[i+1]
			i++
		}
		found := false
		for j := 0; j < len(out); j++ {
			if out[j] == name && j+1 < len(out) {
				out[j+1] = val
				found = true
			}
		}
		if !found {
			out = append(out, name)
			if hasVal {
				out = append(out, val)
			}
		}
	}
	return out
}

func TestMissingFileIsIOError(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", "flip", "/nonexistent/in.csv", "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1")
	if r.code != exitIO || !strings.Contains(r.stderr, "/nonexistent/in.csv") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	r = runCLI(t, "", "flip", in, "-o", "/nonexistent/dir/out.csv", "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "1")
	if r.code != exitIO || !strings.Contains(r.stderr, "/nonexistent/dir/out.csv") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
}

func TestExistingOutputUntouchedOnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small+"7,1,maj\n")
	out := writeFile(t, dir, "out.csv", "precious\n")
	r := runCLI(t, "", "flip", in, "-o", out, "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "1")
	if r.code != exitData {
		t.Fatalf("exit %d", r.code)
	}
	if b, _ := os.ReadFile(out); string(b) != "precious\n" {
		t.Fatalf("existing output changed to %q", b)
	}
	r = runCLI(t, "", "flip", in, "-o", in, "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1")
	if r.code != exitUsage || !strings.Contains(r.stderr, "never writes over its input") {
		t.Fatalf("-o = input: exit %d stderr %q", r.code, r.stderr)
	}
}

func TestEmptyPoolExitsZero(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "g,y\nmin,1\nmaj,0\nmaj,1\n", "flip", "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1")
	if r.code != 0 || !strings.Contains(r.stderr, "candidate pool is empty") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	if r.stdout != "g,y,fairflip_audit\nmin,1,\nmaj,0,\nmaj,1,\n" {
		t.Fatalf("stdout %q", r.stdout)
	}
}

func TestStdinPipeAndSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sum := filepath.Join(dir, "s.json")
	r := runCLI(t, small, "flip", "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "2", "--summary", sum)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Count(r.stdout, "fairflip/1 ") != 2 {
		t.Fatalf("want 2 audited rows:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "flipped 2") || !strings.Contains(r.stderr, "positive rate: minority 33.33% -> 100.00%, majority 66.67%") {
		t.Fatalf("summary on stderr: %q", r.stderr)
	}
	var s map[string]any
	b, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"rows": 6.0, "minority": 3.0, "majority": 3.0, "collective": 3.0, "pool": 2.0, "flips": 2.0, "method": "random", "seed": 1.0, "input": "<stdin>", "version": flipcli.Version} {
		if s[k] != want {
			t.Errorf("summary %s = %v, want %v", k, s[k], want)
		}
	}
	if sha, _ := s["input_sha256"].(string); len(sha) != 64 {
		t.Errorf("input_sha256 = %q", sha)
	}
	back := runCLI(t, r.stdout, "undo")
	if back.code != 0 || back.stdout != small || !strings.Contains(back.stderr, "2 labels restored") {
		t.Fatalf("undo: exit %d stdout %q stderr %q", back.code, back.stdout, back.stderr)
	}
}

func TestUndoErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, msg string
		args    []string
		code    int
	}{
		{"a,b\n1,2\n", `the header has no audit column "fairflip_audit"`, nil, exitUsage},
		{"a,fairflip_audit\n1,junk\n", "<stdin>:2: column 2 (fairflip_audit): audit cell \"junk\" was not written by fairflip", nil, exitData},
		{"a,fairflip_audit\n1,fairflip/1 col=9 method=random score=1 was=0\n", "names column 9", nil, exitData},
		{"", "is empty", nil, exitData},
	}
	for _, c := range cases {
		r := runCLI(t, c.in, append([]string{"undo"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) || r.stdout != "" {
			t.Errorf("undo %q: exit %d stdout %q stderr %q; want %d and %q", c.in, r.code, r.stdout, r.stderr, c.code, c.msg)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", "flip", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "--minority") || !strings.Contains(r.stdout, "Examples (") {
		t.Fatalf("flip --help: exit %d\n%s", r.code, r.stdout)
	}
	r = runCLI(t, "", "--version")
	if r.code != 0 || !strings.Contains(r.stdout, flipcli.Version) {
		t.Fatalf("--version: %d %q", r.code, r.stdout)
	}
}

// TestAdultExample runs the README's example on the real Adult file with
// every method, and undoes it.
func TestAdultExample(t *testing.T) {
	t.Parallel()
	adult := testdata.Path(t, "adult/adult.data")
	orig, err := os.ReadFile(adult)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, m := range []string{"rb-prob", "rb-label", "rb-dist"} {
		out := filepath.Join(dir, m+".csv")
		r := runCLI(t, "", "flip", adult, "-o", out, "--no-header", "--header-names", testdata.AdultColumns,
			"--sensitive", "race", "--minority", "Black", "--label", "income", "--positive", ">50K", "--alpha", "0.3", "--seed", "1", "--method", m)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", m, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "32561 rows: 3124 minority, 29437 majority") {
			t.Fatalf("%s: summary %q", m, r.stderr)
		}
		back := filepath.Join(dir, m+".back")
		if r := runCLI(t, "", "undo", out, "-o", back, "--no-header"); r.code != 0 {
			t.Fatalf("undo: %s", r.stderr)
		}
		if b, _ := os.ReadFile(back); !bytes.Equal(b, orig) {
			t.Fatalf("%s: flip then undo is not byte-identical", m)
		}
	}
}

func TestInterspersed(t *testing.T) {
	t.Parallel()
	app := newApp(nil, nil, nil, nil)
	got := flipcli.Interspersed(app, []string{"fairflip", "flip", "in.csv", "-o", "out.csv", "--no-header", "--k", "5", "--flips=3", "-"})
	want := "fairflip flip -o out.csv --no-header --k 5 --flips=3 -- in.csv -"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %q\nwant %q", strings.Join(got, " "), want)
	}
}

// TestInterrupted: a cancelled run (SIGINT/SIGTERM cancel the context in
// main) exits 130 and leaves no -o file and no temporary file behind.
func TestInterrupted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", small)
	out := filepath.Join(dir, "out.csv")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}.runLocked(ctx, []string{"fairflip", "flip", in, "-o", out, "--sensitive", "g", "--minority", "min", "--label", "y", "--positive", "1", "--method", "random", "--flips", "1"})
	if code != exitInterrupted || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("files left in the output folder: %v", entries)
	}
}
