package transform

import (
	"fmt"
	"testing"
)

// TestRulesMemo: a row's group and label, decided with the memos of one
// rowRules over many rows, are those of a rowRules that sees the row
// alone (errors included), and the near-positive tally counts every row.
func TestRulesMemo(t *testing.T) {
	t.Parallel()
	o := baseOpts()
	o.Sensitive, o.Minority, o.Majority = []string{"a", "b"}, []string{"a=x&b=1", "a=y"}, []string{"a=z", "b=1"}
	o.Positive, o.Negative = []string{"yes", "Y"}, []string{"no", " Yes", "YES"}
	memo, err := o.rules()
	if err != nil {
		t.Fatal(err)
	}
	as := []string{"x", "y", "z", "w", "", "x", "z"}
	bs := []string{"1", "2", "1", "3"}
	labels := []string{"no", "yes", "no", " Yes", " Yes", "Y", "maybe", "", "YES", "yes", "no"}
	near := 0
	for i := 0; i < 500; i++ {
		cells := []string{as[i*7%len(as)], bs[i/3%len(bs)]}
		v := labels[i/2*5%len(labels)] // each twice: the memos are used
		fresh, err := o.rules()
		if err != nil {
			t.Fatal(err)
		}
		wg, werr := fresh.group(cells)
		g, gerr := memo.group(cells)
		if g != wg || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("row %d %v: group %d (%v), alone %d (%v)", i, cells, g, gerr, wg, werr)
		}
		wp, werr := fresh.label(v)
		p, perr := memo.label(v)
		if p != wp || fmt.Sprint(perr) != fmt.Sprint(werr) {
			t.Fatalf("row %d %q: label %v (%v), alone %v (%v)", i, v, p, perr, wp, werr)
		}
		if werr == nil && !wp && fresh.nearPositive1(v) {
			near++
		}
	}
	if len(memo.groups) == 0 || !memo.posSeen || memo.lastNeg == "" {
		t.Errorf("the memos were not used: %d groups, positive %v, negative %q", len(memo.groups), memo.posSeen, memo.lastNeg)
	}
	total := memo.nearPositive.Other
	for _, n := range memo.nearPositive.Counts {
		total += n
	}
	if near == 0 || total != near {
		t.Errorf("near-positive tally %d, want %d", total, near)
	}
}
