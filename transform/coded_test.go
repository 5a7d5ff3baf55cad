package transform

import (
	"fmt"
	"testing"
	"unsafe"
)

// TestCodedColumnArena: a column of a few short levels takes a small
// arena, not a 64 KiB block; and a batch cut down to some rows (keepRows)
// holds copies of their levels, none in the arena of the batch it came
// from (a kept level there would keep the whole block alive).
func TestCodedColumnArena(t *testing.T) {
	t.Parallel()
	var few CodedColumn
	for i := range 1000 {
		few.add([]byte([]string{"Male", "Female"}[i%2]))
	}
	if c := cap(few.arena); c > 1<<10 {
		t.Errorf("two levels take an arena of %d bytes", c)
	}

	var many CodedColumn
	for i := range 20000 {
		many.add(fmt.Appendf(nil, "level-%d", i))
	}
	b := &Batch{Group: make([]int8, 20000), Positive: make([]bool, 20000), Cols: []CodedColumn{many}}
	k := b.keepRows([]int{3, 500, 19999})
	if got := k.Cols[0].Levels; len(got) != 3 || got[0] != "level-3" || got[1] != "level-500" || got[2] != "level-19999" {
		t.Fatalf("kept levels %q", got)
	}
	inArena := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		for _, l := range many.Levels {
			q := uintptr(unsafe.Pointer(unsafe.StringData(l)))
			if p == q {
				return true
			}
		}
		return false
	}
	for _, l := range k.Cols[0].Levels {
		if inArena(l) {
			t.Errorf("the kept level %q is the batch's own bytes", l)
		}
	}
}
