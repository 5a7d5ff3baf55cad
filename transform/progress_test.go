package transform

import (
	"bytes"
	"fmt"
	"testing"
)

// TestPlanProgress checks Runtime.Progress: each stage counts up to its
// total, one at a time, and reporting changes nothing in the flip.
func TestPlanProgress(t *testing.T) {
	names, files := multiFiles(900)
	paths := writeFiles(t, names, files)
	o := baseOpts()
	o.Alpha, o.Flips, o.K = 0.6, FlipRule{Kind: FlipCount, N: 40}, 5
	o.Features = []string{"x"}
	want, _, err := staged(t, paths, o, 300)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	last := map[string][2]int{}
	o.Progress = func(stage string, done, total int) {
		calls = append(calls, fmt.Sprintf("%s %d/%d", stage, done, total))
		if prev, ok := last[stage]; ok && (done != prev[0]+1 || total != prev[1]) {
			t.Errorf("%s: %d/%d after %d/%d", stage, done, total, prev[0], prev[1])
		} else if !ok && done != 1 {
			t.Errorf("%s starts at %d/%d", stage, done, total)
		}
		last[stage] = [2]int{done, total}
	}
	got, _, err := staged(t, paths, o, 300)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if !bytes.Equal(want[i], got[i]) {
			t.Errorf("file %d: the output differs when progress is reported", i)
		}
	}
	for _, s := range []string{"inspecting", "reading", "scoring"} {
		l, ok := last[s]
		if !ok || l[0] != l[1] {
			t.Errorf("stage %s ended at %v (calls %v)", s, l, calls)
		}
	}
	if last["inspecting"][1] != len(paths) {
		t.Errorf("inspecting counted %d files, want %d", last["inspecting"][1], len(paths))
	}
	if last["reading"][1] <= len(paths) {
		t.Errorf("reading counted %d shards: the files cut at 300 bytes have more", last["reading"][1])
	}
}
