package model

import (
	"bytes"
	"encoding/gob"
	"math"
	"reflect"
	"testing"
)

// TestMatrixWire: a matrix survives MarshalBinary and UnmarshalBinary bit
// for bit (NaN, -0 and infinities included), also inside a struct that gob
// encodes, and a damaged or inconsistent encoding is refused.
func TestMatrixWire(t *testing.T) {
	m := &Matrix{N: 3, P: 2, Q: 2,
		Num:  []float64{1.5, math.Copysign(0, -1), math.Inf(1), math.NaN(), -3e300, 5e-324},
		Cat:  []int32{0, 299, 1, 0, 2, 17},
		Card: []int{3, 300},
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Matrix
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	same := func(a, b *Matrix) bool {
		if a.N != b.N || a.P != b.P || a.Q != b.Q || !reflect.DeepEqual(a.Cat, b.Cat) || !reflect.DeepEqual(a.Card, b.Card) || len(a.Num) != len(b.Num) {
			return false
		}
		for i := range a.Num {
			if math.Float64bits(a.Num[i]) != math.Float64bits(b.Num[i]) {
				return false
			}
		}
		return true
	}
	if !same(m, &back) {
		t.Fatalf("round trip: got %+v, want %+v", back, *m)
	}

	type holder struct{ X *Matrix }
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(holder{m}); err != nil {
		t.Fatal(err)
	}
	var h holder
	if err := gob.NewDecoder(&buf).Decode(&h); err != nil {
		t.Fatal(err)
	}
	if !same(m, h.X) {
		t.Fatalf("through gob: got %+v", *h.X)
	}

	empty := &Matrix{}
	data0, err := empty.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := back.UnmarshalBinary(data0); err != nil || back.N != 0 || len(back.Num) != 0 {
		t.Fatalf("empty matrix: %v, %+v", err, back)
	}

	for i := range data {
		if err := new(Matrix).UnmarshalBinary(data[:i]); err == nil {
			t.Fatalf("a prefix of %d of %d bytes was accepted", i, len(data))
		}
	}
	if err := new(Matrix).UnmarshalBinary(append(append([]byte{}, data...), 0)); err == nil {
		t.Fatal("a trailing byte was accepted")
	}
	bad := *m
	bad.Cat = append([]int32{}, m.Cat...)
	bad.Cat[0] = 3 // outside Card[0] = 3
	badData, err := bad.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := new(Matrix).UnmarshalBinary(badData); err == nil {
		t.Fatal("a code outside its feature's cardinality was accepted")
	}
	if _, err := (&Matrix{N: 2, P: 1, Num: []float64{1}}).MarshalBinary(); err == nil {
		t.Fatal("a matrix of the wrong shape was encoded")
	}
}
