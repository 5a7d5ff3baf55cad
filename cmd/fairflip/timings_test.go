package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/transform"
)

// timingLine is one stage's line of --timings: its name, seconds and heap.
var timingLine = regexp.MustCompile(`^  (\S.*?)\s+[0-9]+\.[0-9]{3} s   heap\s+[0-9]+\.[0-9] MiB`)

// timedStages are the stage names --timings printed in stderr, in order.
func timedStages(stderr string) []string {
	var names []string
	for _, l := range strings.Split(stderr, "\n") {
		if m := timingLine.FindStringSubmatch(l); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}

// --timings prints every stage of a flip, in order, then the total and
// the peak memory, with one file or several, quiet or not; without it,
// nothing of the kind. (The times themselves are not tested.)
func TestFlipTimings(t *testing.T) {
	t.Parallel()
	want := []string{transform.StageRead, transform.StageFeatures, transform.StageReference, transform.StageFit,
		transform.StageIndex, transform.StageScore, transform.StageSelect, transform.StageWrite, transform.StageCommit, "total"}
	dir := t.TempDir()
	multiTable(t, dir)
	in := filepath.Join(dir, "in", "a.csv")
	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"one file", []string{"flip", in, "-o", filepath.Join(dir, "one.csv"), "--method", "rb-dist", "--flips", "3"}},
		{"quiet", []string{"flip", in, "-o", filepath.Join(dir, "quiet.csv"), "--method", "random", "--flips", "3", "-q"}},
		{"several files", []string{"flip", "--output-dir", outDir, filepath.Join(dir, "in", "*.csv"), "--method", "rb-label", "--flips", "3"}},
	} {
		r := runCLI(t, "", append(append(c.args, multiFlags...), "--timings")...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, r.code, r.stderr)
		}
		if got := timedStages(r.stderr); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: stages %q, want %q:\n%s", c.name, got, want, r.stderr)
		}
		if !strings.Contains(r.stderr, "peak RSS") {
			t.Errorf("%s: no peak RSS line:\n%s", c.name, r.stderr)
		}
		if c.name != "quiet" && strings.Index(r.stderr, "flipped") > strings.Index(r.stderr, "timings:") {
			t.Errorf("%s: the timings come before the summary:\n%s", c.name, r.stderr)
		}
	}
	r := runCLI(t, "", append([]string{"flip", in, "-o", filepath.Join(dir, "plain.csv"), "--method", "random", "--flips", "3"}, multiFlags...)...)
	if r.code != 0 || strings.Contains(r.stderr, "timings:") || len(timedStages(r.stderr)) > 0 {
		t.Errorf("without --timings: exit %d, stderr %q", r.code, r.stderr)
	}
}
