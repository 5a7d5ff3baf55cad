package transform

// The wire form (package wire) of the two large values of a distributed
// flip, Batch and RefRows. gob (and so a Beam coder built on it) uses
// these methods.

import (
	"math"
	"slices"

	"github.com/fairflip/fairflip/internal/wire"
)

// tally writes a Tally: its values in order, their counts, and Other.
func writeTally(w *wire.Writer, t Tally) {
	keys := make([]string, 0, len(t.Counts))
	for k := range t.Counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	counts := make([]int64, len(keys))
	for i, k := range keys {
		counts[i] = int64(t.Counts[k])
	}
	w.Strs(keys)
	w.Int64s(counts)
	w.Int(int64(t.Other))
}

func readTally(r *wire.Reader) Tally {
	keys := r.Strs()
	counts := r.Int64s()
	t := Tally{Other: int(r.Int())}
	if len(keys) != len(counts) {
		r.Fail()
		return Tally{}
	}
	if len(keys) > 0 {
		t.Counts = make(map[string]int, len(keys))
		for i, k := range keys {
			t.Counts[k] = int(counts[i])
		}
	}
	return t
}

// MarshalBinary encodes the batch.
func (b *Batch) MarshalBinary() ([]byte, error) {
	size := 64 + 11*len(b.Local) + 3*len(b.Group)
	for _, c := range b.Cols {
		size += 4*len(c.Codes) + 16
		for _, l := range c.Levels {
			size += len(l) + 2
		}
	}
	w := &wire.Writer{B: make([]byte, 0, size)}
	w.Int(int64(b.File))
	w.Int(int64(b.Shard))
	w.Int(int64(b.Part))
	w.Int(int64(b.RowBase))
	w.Int(int64(b.Rows))
	w.Int(int64(b.RowsRead))
	w.Int64s(b.Local)
	w.Int8s(b.Group)
	w.Bools(b.Positive)
	w.Bools(b.Member)
	w.Len(b.Cols == nil, len(b.Cols))
	for _, c := range b.Cols {
		w.Strs(c.Levels)
		w.Codes(c.Codes, len(c.Levels))
	}
	w.Strs(b.Features)
	w.Bools(b.Explicit)
	w.Bools(b.Forced)
	w.Str(b.PositiveText)
	w.Int(int64(b.PositiveRow))
	w.Strs(b.Notices)
	writeTally(w, b.NearPositive)
	writeTally(w, b.NonMembers)
	w.Len(b.Sens == nil, len(b.Sens))
	for _, c := range b.Sens {
		w.Strs(c.Levels)
		w.Codes(c.Codes, len(c.Levels))
	}
	return w.B, nil
}

// UnmarshalBinary decodes a batch written by MarshalBinary.
func (b *Batch) UnmarshalBinary(data []byte) error {
	r := &wire.Reader{B: data}
	*b = Batch{}
	b.File = int(r.Int())
	b.Shard = int(r.Int())
	b.Part = int(r.Int())
	b.RowBase = int(r.Int())
	b.Rows = int(r.Int())
	b.RowsRead = int(r.Int())
	b.Local = r.Int64s()
	b.Group = r.Int8s()
	b.Positive = r.Bools()
	b.Member = r.Bools()
	if n := r.Len(1); n >= 0 {
		b.Cols = make([]CodedColumn, n)
		for i := range b.Cols {
			b.Cols[i].Levels = r.Strs()
			b.Cols[i].Codes = r.Codes(len(b.Cols[i].Levels))
		}
	}
	b.Features = r.Strs()
	b.Explicit = r.Bools()
	b.Forced = r.Bools()
	b.PositiveText = r.Str()
	b.PositiveRow = int(r.Int())
	b.Notices = r.Strs()
	b.NearPositive = readTally(r)
	b.NonMembers = readTally(r)
	if n := r.Len(1); n >= 0 {
		b.Sens = make([]CodedColumn, n)
		for i := range b.Sens {
			b.Sens[i].Levels = r.Strs()
			b.Sens[i].Codes = r.Codes(len(b.Sens[i].Levels))
		}
	}
	if r.Err == nil && len(r.B) != 0 {
		r.Fail()
	}
	return r.Err
}

// MarshalBinary encodes the reference rows: the keys of all rows (which
// rise by a few) as differences, and a numeric feature of whole numbers (most are)
// in as few bytes as its range allows (wire.Numbers). A runner moves all
// the reference rows to where they are fitted, and its data plane copies
// every byte a few times: the 904k reference rows of the 1M-row bench
// table take 20 MB this way, not 58.
func (x *RefRows) MarshalBinary() ([]byte, error) {
	size := 64 + 11*len(x.Keys)
	for _, v := range x.Num {
		size += 4*len(v) + 10
	}
	for _, v := range x.Codes {
		size += 4*len(v) + 10
	}
	w := &wire.Writer{B: make([]byte, 0, size)}
	w.Int(int64(x.M))
	if x.M >= 0 {
		// Cut to the smallest hashes, the rows are in hash order: their
		// keys do not rise.
		w.Uint64s(x.Keys)
		w.Uint64s(x.H) // all rows (M < 0) need no hashes
	} else {
		w.Deltas(x.Keys)
	}
	w.Bools(x.Pos)
	w.Len(x.Num == nil, len(x.Num))
	for _, v := range x.Num {
		w.Numbers(v)
	}
	w.Len(x.Codes == nil, len(x.Codes))
	for _, v := range x.Codes {
		// Codes into the table's levels, -1 for missing: shifted by one
		// and written in as few bytes as their largest value allows.
		hi := int32(0)
		for _, k := range v {
			hi = max(hi, k)
		}
		w.Int(int64(hi) + 2)
		if v == nil {
			w.Codes(nil, 0)
			continue
		}
		shifted := make([]int32, len(v))
		for i, k := range v {
			shifted[i] = k + 1
		}
		w.Codes(shifted, int(hi)+2)
	}
	return w.B, nil
}

// UnmarshalBinary decodes reference rows written by MarshalBinary.
func (x *RefRows) UnmarshalBinary(data []byte) error {
	r := &wire.Reader{B: data}
	*x = RefRows{}
	x.M = int(r.Int())
	if x.M >= 0 {
		x.Keys = r.Uint64s()
		x.H = r.Uint64s()
	} else {
		x.Keys = r.Deltas()
		x.H = make([]uint64, len(x.Keys))
	}
	x.Pos = r.Bools()
	if n := r.Len(1); n >= 0 {
		x.Num = make([][]float64, n)
		for i := range x.Num {
			x.Num[i] = r.Numbers()
		}
	}
	if n := r.Len(1); n >= 0 {
		x.Codes = make([][]int32, n)
		for i := range x.Codes {
			levels := r.Int()
			if levels < 1 || levels > math.MaxInt32 {
				r.Fail()
				break
			}
			v := r.Codes(int(levels))
			for j := range v {
				v[j]--
			}
			x.Codes[i] = v
		}
	}
	if r.Err == nil && len(r.B) != 0 {
		r.Fail()
	}
	return r.Err
}
