package transform

import (
	"strings"
	"testing"
)

// A nil *Timings records nothing (the stages call Lap unconditionally);
// a Timings keeps its laps in order and prints one line each.
func TestTimingsLaps(t *testing.T) {
	var none *Timings
	none.Lap(StageRead)
	if none.Stages() != nil {
		t.Fatalf("nil Timings recorded %v", none.Stages())
	}
	tm := NewTimings()
	for _, s := range []string{StageRead, StageFit, StageWrite} {
		tm.Lap(s)
	}
	got := tm.Stages()
	if len(got) != 3 || got[0].Name != StageRead || got[1].Name != StageFit || got[2].Name != StageWrite {
		t.Fatalf("stages %v", got)
	}
	for _, s := range got {
		if s.Wall < 0 || s.Heap == 0 {
			t.Errorf("stage %+v: negative time or no heap", s)
		}
	}
	var b strings.Builder
	tm.Print(&b)
	out := b.String()
	last := -1
	for _, s := range []string{"timings:", StageRead, StageFit, StageWrite, "total", "peak RSS"} {
		i := strings.Index(out, s)
		if i <= last {
			t.Errorf("%q missing or out of order:\n%s", s, out)
		}
		last = i
	}
}
