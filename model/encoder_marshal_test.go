package model

import (
	"math"
	"testing"
)

func TestEncoderMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	b1 := NewColumnBuilder("age", false)
	b2 := NewColumnBuilder("job", false)
	b3 := NewColumnBuilder("hours", false)
	b4 := NewColumnBuilder("const", false) // constant on the reference, not outside it
	ages := []string{"39", "50", "", "28", "1e300", "61"}
	jobs := []string{"clerk", "exec", "clerk", "", "farm", "exec"}
	hours := []string{"40", "13", "40", "40", "45", "?"}
	consts := []string{"7", "7", "7", "7", "9", "-2"}
	for i := range ages {
		b1.Add(ages[i])
		b2.Add(jobs[i])
		b3.Add(hours[i])
		b4.Add(consts[i])
	}
	cols := []Column{b1.Build(), b2.Build(), b3.Build(), b4.Build()}
	ref := []int{0, 1, 2, 3}
	e, err := FitEncoder(cols, ref, EncoderOptions{MaxLevels: 1})
	if err != nil {
		t.Fatal(err)
	}
	data, err := e.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var d Encoder
	if err := d.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	all := []int{0, 1, 2, 3, 4, 5}
	m1, m2 := e.Encode(cols, all), d.Encode(cols, all)
	if m1.P != m2.P || m1.Q != m2.Q || len(m1.Num) != len(m2.Num) {
		t.Fatalf("shapes differ: %d×%d vs %d×%d", m1.P, m1.Q, m2.P, m2.Q)
	}
	for i := range m1.Num {
		if math.Float64bits(m1.Num[i]) != math.Float64bits(m2.Num[i]) {
			t.Fatalf("Num[%d]: %v vs %v", i, m1.Num[i], m2.Num[i])
		}
	}
	for i := range m1.Cat {
		if m1.Cat[i] != m2.Cat[i] {
			t.Fatalf("Cat[%d]: %v vs %v", i, m1.Cat[i], m2.Cat[i])
		}
	}
	if err := d.UnmarshalBinary([]byte("not gob")); err == nil {
		t.Fatal("garbage decoded without an error")
	}
}

func TestEncoderHasMissing(t *testing.T) {
	t.Parallel()
	b := NewColumnBuilder("x", false)
	for _, v := range []string{"1", "2", "3"} {
		b.Add(v)
	}
	cols := []Column{b.Build()}
	e, _ := FitEncoder(cols, []int{0, 1, 2}, EncoderOptions{})
	if p, _ := e.Shape(); p != 1 {
		t.Fatalf("no missing cell: %d numeric features, want 1", p)
	}
	e, _ = FitEncoder(cols, []int{0, 1, 2}, EncoderOptions{HasMissing: []bool{true}})
	if p, _ := e.Shape(); p != 2 {
		t.Fatalf("HasMissing: %d numeric features, want 2 (value and indicator)", p)
	}
}
