package wire

import (
	"math"
	"testing"
)

// TestDeltas: keys survive their differences, whatever their order, nil
// and empty apart; rising keys take a byte each.
func TestDeltas(t *testing.T) {
	rising := make([]uint64, 1000)
	for i := range rising {
		rising[i] = 1<<40 + uint64(3*i)
	}
	cases := map[string][]uint64{
		"nil": nil, "empty": {}, "rising": rising,
		"any order": {5, 1, math.MaxUint64, 0, 1 << 63, 7},
	}
	for name, v := range cases {
		w := &Writer{}
		w.Deltas(v)
		r := &Reader{B: w.B}
		got := r.Deltas()
		if r.Err != nil || len(r.B) != 0 || (got == nil) != (v == nil) || len(got) != len(v) {
			t.Fatalf("%s: got %v (%v), want %v", name, got, r.Err, v)
		}
		for i := range v {
			if got[i] != v[i] {
				t.Fatalf("%s: value %d is %d, want %d", name, i, got[i], v[i])
			}
		}
		if name == "rising" && len(w.B) > len(v)+16 {
			t.Errorf("%d rising keys took %d bytes", len(v), len(w.B))
		}
	}
}

// TestNumbers: every value comes back bit for bit; whole numbers take the
// fewest bytes their range allows, anything else eight.
func TestNumbers(t *testing.T) {
	ages := make([]float64, 1000)
	for i := range ages {
		ages[i] = float64(17 + i%74)
	}
	cases := []struct {
		name  string
		v     []float64
		bytes int // per value
	}{
		{"nil", nil, 0},
		{"empty", []float64{}, 0},
		{"ages", ages, 1},
		{"negative", []float64{-300, -1, 0, 255, -45}, 2},
		{"amounts", []float64{0, 99999, 1e9, 3}, 4},
		{"wider than 4 bytes", []float64{0, 1 << 33}, 8},
		{"near 2^53", []float64{1<<53 - 1, 1<<53 - 2}, 1},
		{"2^53", []float64{1 << 53, 0}, 8},
		{"negative zero", []float64{1, math.Copysign(0, -1)}, 8},
		{"fraction", []float64{1, 2.5}, 8},
		{"NaN", []float64{math.NaN(), 1}, 8},
		{"infinity", []float64{math.Inf(1), 1}, 8},
	}
	for _, c := range cases {
		w := &Writer{}
		w.Numbers(c.v)
		r := &Reader{B: w.B}
		got := r.Numbers()
		if r.Err != nil || len(r.B) != 0 || (got == nil) != (c.v == nil) || len(got) != len(c.v) {
			t.Fatalf("%s: got %v (%v), want %v", c.name, got, r.Err, c.v)
		}
		for i := range c.v {
			if math.Float64bits(got[i]) != math.Float64bits(c.v[i]) {
				t.Fatalf("%s: value %d is %v, want %v", c.name, i, got[i], c.v[i])
			}
		}
		if n := len(c.v); n > 0 && (len(w.B) < c.bytes*n || len(w.B) > c.bytes*n+16) {
			t.Errorf("%s: %d values took %d bytes, want %d each", c.name, n, len(w.B), c.bytes)
		}
		// Cut short, or with a bad width, it is an error, not a panic.
		for n := 0; n < len(w.B); n++ {
			if r := (&Reader{B: w.B[:n]}); r.Numbers() != nil || r.Err == nil {
				t.Fatalf("%s: cut to %d of %d bytes, read without an error", c.name, n, len(w.B))
			}
		}
	}
	if r := (&Reader{B: []byte{3, 0, 1}}); r.Numbers() != nil || r.Err == nil {
		t.Error("width 3 was read")
	}
}
