package transform

// The wire form of the two large values of a distributed flip, Batch and
// RefRows: numbers as fixed-width little-endian arrays, not gob's
// per-number varints, so that a runner moves and decodes a shard of a
// million rows at memory speed. gob (and so a Beam coder built on it)
// uses these methods.

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

type wireWriter struct{ b []byte }

func (w *wireWriter) uint(x uint64) { w.b = binary.AppendUvarint(w.b, x) }
func (w *wireWriter) int(x int64)   { w.b = binary.AppendVarint(w.b, x) }
func (w *wireWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}
func (w *wireWriter) strs(v []string) {
	w.len(v == nil, len(v))
	for _, s := range v {
		w.str(s)
	}
}

// len writes a slice's length, +1, or 0 for nil: nil and empty stay apart.
func (w *wireWriter) len(isNil bool, n int) {
	if isNil {
		w.uint(0)
		return
	}
	w.uint(uint64(n) + 1)
}
func (w *wireWriter) bools(v []bool) {
	w.len(v == nil, len(v))
	for _, x := range v {
		b := byte(0)
		if x {
			b = 1
		}
		w.b = append(w.b, b)
	}
}
func (w *wireWriter) int8s(v []int8) {
	w.len(v == nil, len(v))
	for _, x := range v {
		w.b = append(w.b, byte(x))
	}
}

// codes writes dictionary codes (each in [0, levels)) in 1, 2 or 4 bytes,
// as few as the number of levels allows.
func (w *wireWriter) codes(v []int32, levels int) {
	w.len(v == nil, len(v))
	switch {
	case levels <= 1<<8:
		for _, x := range v {
			w.b = append(w.b, byte(x))
		}
	case levels <= 1<<16:
		for _, x := range v {
			w.b = binary.LittleEndian.AppendUint16(w.b, uint16(x))
		}
	default:
		for _, x := range v {
			w.b = binary.LittleEndian.AppendUint32(w.b, uint32(x))
		}
	}
}

func (w *wireWriter) uint64s(v []uint64) {
	w.len(v == nil, len(v))
	for _, x := range v {
		w.b = binary.LittleEndian.AppendUint64(w.b, x)
	}
}
func (w *wireWriter) int64s(v []int64) {
	w.len(v == nil, len(v))
	for _, x := range v {
		w.b = binary.LittleEndian.AppendUint64(w.b, uint64(x))
	}
}
func (w *wireWriter) float64s(v []float64) {
	w.len(v == nil, len(v))
	for _, x := range v {
		w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x))
	}
}

var errWire = errors.New("transform: malformed wire data")

type wireReader struct {
	b   []byte
	err error
}

func (r *wireReader) fail() {
	if r.err == nil {
		r.err = errWire
	}
	r.b = nil
}
func (r *wireReader) uint() uint64 {
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return x
}
func (r *wireReader) int() int64 {
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return x
}

// take returns the next n bytes.
func (r *wireReader) take(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}
func (r *wireReader) str() string { return string(r.take(r.uint())) }

// len reads a length written by wireWriter.len: -1 for nil. width is the
// bytes per element, to refuse a length longer than the data.
func (r *wireReader) len(width int) int {
	n := r.uint()
	if n == 0 || r.err != nil {
		return -1
	}
	n--
	if n > uint64(len(r.b))/uint64(width) {
		r.fail()
		return -1
	}
	return int(n)
}
func (r *wireReader) strs() []string {
	n := r.len(1)
	if n < 0 {
		return nil
	}
	v := make([]string, n)
	for i := range v {
		v[i] = r.str()
	}
	return v
}
func (r *wireReader) bools() []bool {
	n := r.len(1)
	if n < 0 {
		return nil
	}
	v := make([]bool, n)
	for i, b := range r.take(uint64(n)) {
		v[i] = b != 0
	}
	return v
}
func (r *wireReader) int8s() []int8 {
	n := r.len(1)
	if n < 0 {
		return nil
	}
	v := make([]int8, n)
	for i, b := range r.take(uint64(n)) {
		v[i] = int8(b)
	}
	return v
}

// codes reads what wireWriter.codes wrote, refusing a code out of range.
func (r *wireReader) codes(levels int) []int32 {
	width := 4
	switch {
	case levels <= 1<<8:
		width = 1
	case levels <= 1<<16:
		width = 2
	}
	n := r.len(width)
	if n < 0 {
		return nil
	}
	v := make([]int32, n)
	b := r.take(uint64(width * n))
	if b == nil {
		return nil
	}
	switch width {
	case 1:
		for i := range v {
			v[i] = int32(b[i])
		}
	case 2:
		for i := range v {
			v[i] = int32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	default:
		for i := range v {
			v[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
	}
	for _, k := range v {
		if k < 0 || int(k) >= levels {
			r.fail()
			return nil
		}
	}
	return v
}

func (r *wireReader) uint64s() []uint64 {
	n := r.len(8)
	if n < 0 {
		return nil
	}
	v := make([]uint64, n)
	b := r.take(8 * uint64(n))
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return v
}
func (r *wireReader) int64s() []int64 {
	u := r.uint64s()
	if u == nil {
		return nil
	}
	v := make([]int64, len(u))
	for i, x := range u {
		v[i] = int64(x)
	}
	return v
}
func (r *wireReader) float64s() []float64 {
	u := r.uint64s()
	if u == nil {
		return nil
	}
	v := make([]float64, len(u))
	for i, x := range u {
		v[i] = math.Float64frombits(x)
	}
	return v
}

// tally writes a Tally: its values in order, their counts, and Other.
func (w *wireWriter) tally(t Tally) {
	keys := make([]string, 0, len(t.Counts))
	for k := range t.Counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	counts := make([]int64, len(keys))
	for i, k := range keys {
		counts[i] = int64(t.Counts[k])
	}
	w.strs(keys)
	w.int64s(counts)
	w.int(int64(t.Other))
}

func (r *wireReader) tally() Tally {
	keys := r.strs()
	counts := r.int64s()
	t := Tally{Other: int(r.int())}
	if len(keys) != len(counts) {
		r.fail()
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
	w := &wireWriter{b: make([]byte, 0, size)}
	w.int(int64(b.File))
	w.int(int64(b.Shard))
	w.int(int64(b.Part))
	w.int(int64(b.RowBase))
	w.int(int64(b.Rows))
	w.int(int64(b.RowsRead))
	w.int64s(b.Local)
	w.int8s(b.Group)
	w.bools(b.Positive)
	w.bools(b.Member)
	w.len(b.Cols == nil, len(b.Cols))
	for _, c := range b.Cols {
		w.strs(c.Levels)
		w.codes(c.Codes, len(c.Levels))
	}
	w.strs(b.Features)
	w.bools(b.Explicit)
	w.bools(b.Forced)
	w.str(b.PositiveText)
	w.int(int64(b.PositiveRow))
	w.strs(b.Notices)
	w.tally(b.NearPositive)
	w.tally(b.NonMembers)
	w.len(b.Sens == nil, len(b.Sens))
	for _, c := range b.Sens {
		w.strs(c.Levels)
		w.codes(c.Codes, len(c.Levels))
	}
	return w.b, nil
}

// UnmarshalBinary decodes a batch written by MarshalBinary.
func (b *Batch) UnmarshalBinary(data []byte) error {
	r := &wireReader{b: data}
	*b = Batch{}
	b.File = int(r.int())
	b.Shard = int(r.int())
	b.Part = int(r.int())
	b.RowBase = int(r.int())
	b.Rows = int(r.int())
	b.RowsRead = int(r.int())
	b.Local = r.int64s()
	b.Group = r.int8s()
	b.Positive = r.bools()
	b.Member = r.bools()
	if n := r.len(1); n >= 0 {
		b.Cols = make([]CodedColumn, n)
		for i := range b.Cols {
			b.Cols[i].Levels = r.strs()
			b.Cols[i].Codes = r.codes(len(b.Cols[i].Levels))
		}
	}
	b.Features = r.strs()
	b.Explicit = r.bools()
	b.Forced = r.bools()
	b.PositiveText = r.str()
	b.PositiveRow = int(r.int())
	b.Notices = r.strs()
	b.NearPositive = r.tally()
	b.NonMembers = r.tally()
	if n := r.len(1); n >= 0 {
		b.Sens = make([]CodedColumn, n)
		for i := range b.Sens {
			b.Sens[i].Levels = r.strs()
			b.Sens[i].Codes = r.codes(len(b.Sens[i].Levels))
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail()
	}
	return r.err
}

// MarshalBinary encodes the reference rows.
func (x *RefRows) MarshalBinary() ([]byte, error) {
	size := 64 + 17*len(x.Keys)
	for _, v := range x.Num {
		size += 8*len(v) + 10
	}
	for _, v := range x.Codes {
		size += 4*len(v) + 10
	}
	w := &wireWriter{b: make([]byte, 0, size)}
	w.int(int64(x.M))
	w.uint64s(x.Keys)
	if x.M >= 0 {
		w.uint64s(x.H) // all rows (M < 0) need no hashes
	}
	w.bools(x.Pos)
	w.len(x.Num == nil, len(x.Num))
	for _, v := range x.Num {
		w.float64s(v)
	}
	w.len(x.Codes == nil, len(x.Codes))
	for _, v := range x.Codes {
		// Codes into the table's levels, -1 for missing: shifted by one
		// and written in as few bytes as their largest value allows.
		hi := int32(0)
		for _, k := range v {
			hi = max(hi, k)
		}
		w.int(int64(hi) + 2)
		if v == nil {
			w.codes(nil, 0)
			continue
		}
		shifted := make([]int32, len(v))
		for i, k := range v {
			shifted[i] = k + 1
		}
		w.codes(shifted, int(hi)+2)
	}
	return w.b, nil
}

// UnmarshalBinary decodes reference rows written by MarshalBinary.
func (x *RefRows) UnmarshalBinary(data []byte) error {
	r := &wireReader{b: data}
	*x = RefRows{}
	x.M = int(r.int())
	x.Keys = r.uint64s()
	if x.M >= 0 {
		x.H = r.uint64s()
	} else {
		x.H = make([]uint64, len(x.Keys))
	}
	x.Pos = r.bools()
	if n := r.len(1); n >= 0 {
		x.Num = make([][]float64, n)
		for i := range x.Num {
			x.Num[i] = r.float64s()
		}
	}
	if n := r.len(1); n >= 0 {
		x.Codes = make([][]int32, n)
		for i := range x.Codes {
			levels := r.int()
			if levels < 1 || levels > math.MaxInt32 {
				r.fail()
				break
			}
			v := r.codes(int(levels))
			for j := range v {
				v[j]--
			}
			x.Codes[i] = v
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail()
	}
	return r.err
}
