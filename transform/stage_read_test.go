package transform

import (
	"slices"
	"strconv"
	"testing"
)

// TestCellText: equal cells give equal strings, whatever came between,
// and a string never shares the bytes it was made from (the scanner
// reuses them).
func TestCellText(t *testing.T) {
	t.Parallel()
	var c cellText
	buf := []byte("White")
	got := []string{c.text(buf), c.text([]byte("Black")), c.text([]byte("Black")), c.text(buf), c.text(nil)}
	copy(buf, "XXXXX")
	if want := []string{"White", "Black", "Black", "White", ""}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := 0; i < 2*cellTextLimit; i++ {
		if s := c.text([]byte(strconv.Itoa(i))); s != strconv.Itoa(i) {
			t.Fatalf("cell %d read as %q", i, s)
		}
	}
	if len(c.seen) > cellTextLimit {
		t.Errorf("%d values kept, the limit is %d", len(c.seen), cellTextLimit)
	}
}
