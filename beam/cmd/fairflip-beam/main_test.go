package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/testdata"
)

// The binaries under test: fairflip-beam built stripped (-s -w: no symbol
// table, as a cluster would run it, so that a DoFn, type or coder that is
// not registered fails here), and the fairflip command it must agree with.
var beamBin, cliBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fairflip-beam-test")
	if err != nil {
		panic(err)
	}
	beamBin, cliBin = filepath.Join(dir, "fairflip-beam"), filepath.Join(dir, "fairflip")
	for _, b := range []struct{ dir, out, pkg, flags string }{
		{".", beamBin, ".", "-s -w"},
		{"../../..", cliBin, "./cmd/fairflip", ""}, // from the main module
	} {
		cmd := exec.Command("go", "build", "-ldflags="+b.flags, "-o", b.out, b.pkg)
		cmd.Dir, cmd.Stderr = b.dir, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building the binaries:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code   int
	stderr string
	outs   map[string][]byte
}

// runBin runs bin with args (OUT is replaced by a fresh output folder) and
// returns its exit code, standard error and every file left in OUT.
func runBin(t *testing.T, bin string, args ...string) result {
	t.Helper()
	out := t.TempDir()
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "OUT", out)
	}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	r := result{stderr: stderr.String(), outs: map[string][]byte{}}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		r.outs[e.Name()] = b
	}
	return r
}

// lake writes the test table: CSV parts with LF, CRLF, no final newline,
// a header only, no bytes at all, and quoted fields with line breaks; and
// the same rows as Parquet parts of several row groups each.
func lake(t *testing.T) (csvDir, pqDir string) {
	t.Helper()
	return lakeCols(t, false)
}

// lakeCols is lake, with two more columns if numeric: id, which numbers
// the rows (left out of the features, with a notice), and level, a code
// of 6 values (a notice suggests --categorical).
func lakeCols(t *testing.T, numeric bool) (csvDir, pqDir string) {
	t.Helper()
	var rows []string
	for i := 0; i < 1500; i++ {
		g := []string{"a", "a", "b", "a", "c"}[i%5]
		y := "no"
		if (i*7)%5 < 2 {
			y = "yes"
		}
		note := fmt.Sprintf("n%d", i%9)
		if i%13 == 0 {
			note = fmt.Sprintf("\"two\nlines, %d\"", i%4)
		}
		age := fmt.Sprint(18 + (i*31)%60)
		if i%17 == 0 {
			age = "?"
		}
		row := fmt.Sprintf("%s,%s,%s,%d,%s,%s", age, []string{"clerk", "exec", "farm"}[(i*3)%3], note, (i*7919)%100000, g, y)
		if numeric {
			row = fmt.Sprintf("%d,%s,%d", i, row, 1+(i*7)%6)
		}
		rows = append(rows, row)
	}
	header := "age,job,note,income,grp,label"
	if numeric {
		header = "id," + header + ",level"
	}
	part := func(rs []string, eol string, final bool) string {
		s := header + eol + strings.Join(rs, eol)
		if final {
			s += eol
		}
		return s
	}
	csvParts := map[string]string{
		"p0.csv": part(rows[:500], "\n", true),
		"p1.csv": part(rows[500:900], "\r\n", true),
		"p2.csv": header + "\n",
		"p3.csv": "",
		"p4.csv": part(rows[900:], "\n", false),
	}
	csvDir, pqDir = t.TempDir(), t.TempDir()
	for name, text := range csvParts {
		if err := os.WriteFile(filepath.Join(csvDir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, rs := range [][]string{rows[:700], rows[700:]} {
		pq := testdata.CSVToParquet(t, part(rs, "\n", true), 128)
		if err := os.WriteFile(filepath.Join(pqDir, fmt.Sprintf("p%d.parquet", i)), pq, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return csvDir, pqDir
}

// TestSameAsFairflip is the golden test of the contract: for the same
// inputs, flags and seed, fairflip-beam writes the files that
// fairflip flip --output-dir writes, byte for byte.
func TestSameAsFairflip(t *testing.T) {
	csvDir, pqDir := lakeCols(t, true)
	base := []string{"--sensitive", "grp", "--minority", "b", "--label", "label", "--positive", "yes", "--seed", "7", "--summary", "OUT/../summary.json"}
	cases := []struct {
		name  string
		glob  string
		extra []string
		beam  []string // fairflip-beam's own flags, for it only
	}{
		{"csv rb-prob", csvDir + "/*.csv", []string{"--alpha", "0.5", "--flips", "40"}, nil},
		{"csv rb-label auto", csvDir + "/*.csv", []string{"--method", "rb-label", "--k", "5", "--alpha", "0.8"}, nil},
		{"csv rb-dist percent", csvDir + "/*.csv", []string{"--method", "rb-dist", "--k", "7", "--flips", "30%", "--exclude", "income"}, nil},
		{"csv random reference sample", csvDir + "/*.csv", []string{"--method", "random", "--flips", "25", "--reference-sample", "100"}, nil},
		{"csv rb-prob members nothing flips", csvDir + "/*.csv", []string{"--members", "job", "--flips", "10"}, nil}, // "clerk" is not truthy: an empty collective
		{"csv rb-prob max-flips", csvDir + "/*.csv", []string{"--max-flips", "3", "--reference-sample", "200", "--categorical", "age"}, nil},
		{"parquet rb-prob", pqDir + "/*.parquet", []string{"--alpha", "0.5", "--flips", "40"}, nil},
		{"parquet rb-label", pqDir + "/*.parquet", []string{"--method", "rb-label", "--k", "5", "--flips", "60"}, nil},
		// However the candidates are grouped for scoring, the same flips.
		{"csv rb-dist one score group", csvDir + "/*.csv", []string{"--method", "rb-dist", "--k", "5", "--flips", "50"}, []string{"--score-groups", "1", "--shard-bytes", "3000"}},
		{"csv rb-label five score groups", csvDir + "/*.csv", []string{"--method", "rb-label", "--k", "5", "--flips", "50"}, []string{"--score-groups", "5", "--shard-bytes", "3000"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string{"flip", "--output-dir", "OUT", c.glob}, base...), c.extra...)
			want := runBin(t, cliBin, append([]string(nil), args...)...)
			if want.code != 0 {
				t.Fatalf("fairflip: exit %d\n%s", want.code, want.stderr)
			}
			got := runBin(t, beamBin, append(append([]string(nil), args...), c.beam...)...)
			if got.code != 0 {
				t.Fatalf("fairflip-beam: exit %d\n%s", got.code, got.stderr)
			}
			if len(got.outs) != len(want.outs) {
				t.Fatalf("fairflip-beam wrote %d files, fairflip %d: %v", len(got.outs), len(want.outs), keys(got.outs))
			}
			for name, w := range want.outs {
				if !bytes.Equal(got.outs[name], w) {
					t.Errorf("%s: fairflip-beam's output differs from fairflip's (%d vs %d bytes)", name, len(got.outs[name]), len(w))
				}
			}
			// The same report: the summary lines and the notices on numeric
			// columns (counted over every part), whatever Beam logged around them.
			notices := []string{"fairflip: left out of the features because nearly all their values are distinct, like identifiers: id (1500 distinct integers from 0 to 1499);",
				"fairflip: integer columns with few distinct values are read as numbers: level (6 values);"}
			for _, n := range notices {
				if learns := !slices.Contains(c.extra, "random"); strings.Contains(want.stderr, n) != learns {
					t.Errorf("fairflip's stderr has %q: %v, want %v:\n%s", n, !learns, learns, want.stderr)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(want.stderr), "\n") {
				if strings.HasPrefix(line, "fairflip flip:") || strings.HasPrefix(line, "  collective") || strings.HasPrefix(line, "  method") ||
					strings.HasPrefix(line, "fairflip: left out") || strings.HasPrefix(line, "fairflip: integer columns") {
					if !strings.Contains(got.stderr, line) {
						t.Errorf("fairflip-beam does not report %q", line)
					}
				}
			}
			if c.name == "csv rb-prob members nothing flips" && !strings.Contains(got.stderr, "flipped 0") {
				t.Errorf("expected no flips:\n%s", got.stderr)
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func keys(m map[string][]byte) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

// TestRunners: the direct runner gives the same files as prism.
func TestRunners(t *testing.T) {
	csvDir, _ := lake(t)
	args := []string{"flip", "--output-dir", "OUT", csvDir + "/*.csv", "--sensitive", "grp", "--minority", "b", "--label", "label", "--positive", "yes", "--flips", "30", "-q"}
	prism := runBin(t, beamBin, append(append([]string(nil), args...), "--runner", "prism")...)
	direct := runBin(t, beamBin, append(append([]string(nil), args...), "--runner=direct")...)
	if prism.code != 0 || direct.code != 0 {
		t.Fatalf("exit %d (prism) and %d (direct)\n%s\n%s", prism.code, direct.code, prism.stderr, direct.stderr)
	}
	for name, b := range prism.outs {
		if !bytes.Equal(direct.outs[name], b) {
			t.Errorf("%s: direct and prism differ", name)
		}
	}
}

// TestErrors: a bad row in a later shard, different columns and usage
// errors give fairflip's message and exit code, and leave OUT empty.
func TestErrors(t *testing.T) {
	csvDir, pqDir := lake(t)
	bad := t.TempDir()
	for _, name := range []string{"p0.csv", "p4.csv"} {
		b, _ := os.ReadFile(filepath.Join(csvDir, name))
		if name == "p4.csv" {
			i := bytes.LastIndex(b, []byte(",yes\n")) // a missing label, late in the file
			b = append(append(b[:i:i], ",\n"...), b[i+5:]...)
		}
		os.WriteFile(filepath.Join(bad, name), b, 0o644)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "x.csv"), []byte("a,b\n1,2\n"), 0o644)
	flags := []string{"--sensitive", "grp", "--minority", "b", "--label", "label", "--positive", "yes"}
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"missing label", append([]string{"flip", "--output-dir", "OUT", bad + "/*.csv", "--shard-bytes", "2000"}, flags...), 3, "p4.csv:646: column 6 (label): missing label"},
		{"different columns", append([]string{"flip", "--output-dir", "OUT", csvDir + "/p0.csv", other + "/x.csv"}, flags...), 3, "different columns"},
		{"mixed formats", append([]string{"flip", "--output-dir", "OUT", csvDir + "/p0.csv", pqDir + "/p0.parquet"}, flags...), 2, "same format"},
		{"no output dir", append([]string{"flip", csvDir + "/p0.csv"}, flags...), 2, "--output-dir"},
		{"no score group", append([]string{"flip", "--output-dir", "OUT", csvDir + "/p0.csv", "--score-groups", "0"}, flags...), 2, "--score-groups 0: must be at least 1"},
		{"no such column", []string{"flip", "--output-dir", "OUT", csvDir + "/p0.csv", "--sensitive", "race", "--minority", "b", "--label", "label", "--positive", "yes"}, 2, "no such column"},
		{"invalid config", append([]string{"flip", "--output-dir", "OUT", csvDir + "/p0.csv", "--method", "random"}, flags...), 2, "--method random has no estimate of the counterfactual label, so --flips auto cannot be used"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runBin(t, beamBin, append([]string(nil), c.args...)...)
			if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
				t.Fatalf("exit %d, want %d with %q:\n%s", r.code, c.code, c.msg, r.stderr)
			}
			// fairflip's own message (its file, line and column), alone on its line.
			if c.name == "missing label" || c.name == "invalid config" { // the same message as fairflip's, word for word
				var cliArgs []string
				for i := 0; i < len(c.args); i++ {
					if c.args[i] == "--shard-bytes" {
						i++
						continue
					}
					cliArgs = append(cliArgs, c.args[i])
				}
				cli := runBin(t, cliBin, cliArgs...)
				want := strings.TrimPrefix(lastLine(cli.stderr), "fairflip: ")
				if got := strings.TrimPrefix(lastLine(r.stderr), "fairflip-beam: "); got != want || cli.code != r.code {
					t.Errorf("fairflip-beam says (exit %d)\n  %s\nfairflip says (exit %d)\n  %s", r.code, got, cli.code, want)
				}
			}
			if strings.Contains(r.stderr, "level=") {
				t.Errorf("Beam's own log reached stderr without --beam-log:\n%s", r.stderr)
			}
			if len(r.outs) != 0 {
				t.Errorf("OUT is not empty after a failed run: %v", keys(r.outs))
			}
		})
	}
}

// TestSplitArgs: Beam's flags go to the flag package, fairflip's and the
// inputs to the command, and no fairflip flag hides a Beam flag.
func TestSplitArgs(t *testing.T) {
	beamArgs, rest := splitArgs([]string{"flip", "--runner", "prism", "--output-dir", "o", "a.csv", "--worker_binary=/x", "--k", "5", "--environment_type", "LOOPBACK", "-q"}, ownFlags())
	if strings.Join(beamArgs, " ") != "--runner prism --worker_binary=/x --environment_type LOOPBACK" {
		t.Errorf("Beam's flags: %q", beamArgs)
	}
	if strings.Join(rest, " ") != "flip --output-dir o a.csv --k 5 -q" {
		t.Errorf("fairflip's: %q", rest)
	}
	for name := range ownFlags() {
		if f := flag.CommandLine.Lookup(name); f != nil && name != "h" && name != "help" && name != "v" && name != "version" {
			t.Errorf("--%s is both a fairflip flag and a Beam flag (%s)", name, f.Usage)
		}
	}
	_ = context.Background
}
