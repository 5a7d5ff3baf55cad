// Package wire is the fixed-width wire form of fairflip's large values
// (transform's Batch and RefRows, model's Matrix): numbers as
// little-endian arrays, not gob's per-number varints, so that a runner
// moves and decodes a million rows at memory speed. Lengths and small
// integers are varints; a slice's length is written +1, so that nil and
// empty stay apart.
package wire

import (
	"encoding/binary"
	"errors"
	"math"
)

// Writer appends values to B.
type Writer struct{ B []byte }

func (w *Writer) Uint(x uint64) { w.B = binary.AppendUvarint(w.B, x) }
func (w *Writer) Int(x int64)   { w.B = binary.AppendVarint(w.B, x) }
func (w *Writer) Str(s string) {
	w.Uint(uint64(len(s)))
	w.B = append(w.B, s...)
}
func (w *Writer) Strs(v []string) {
	w.Len(v == nil, len(v))
	for _, s := range v {
		w.Str(s)
	}
}

// len writes a slice's length, +1, or 0 for nil: nil and empty stay apart.
func (w *Writer) Len(isNil bool, n int) {
	if isNil {
		w.Uint(0)
		return
	}
	w.Uint(uint64(n) + 1)
}
func (w *Writer) Bools(v []bool) {
	w.Len(v == nil, len(v))
	for _, x := range v {
		b := byte(0)
		if x {
			b = 1
		}
		w.B = append(w.B, b)
	}
}
func (w *Writer) Int8s(v []int8) {
	w.Len(v == nil, len(v))
	for _, x := range v {
		w.B = append(w.B, byte(x))
	}
}

// codes writes dictionary codes (each in [0, levels)) in 1, 2 or 4 bytes,
// as few as the number of levels allows.
func (w *Writer) Codes(v []int32, levels int) {
	w.Len(v == nil, len(v))
	switch {
	case levels <= 1<<8:
		for _, x := range v {
			w.B = append(w.B, byte(x))
		}
	case levels <= 1<<16:
		for _, x := range v {
			w.B = binary.LittleEndian.AppendUint16(w.B, uint16(x))
		}
	default:
		for _, x := range v {
			w.B = binary.LittleEndian.AppendUint32(w.B, uint32(x))
		}
	}
}

func (w *Writer) Uint64s(v []uint64) {
	w.Len(v == nil, len(v))
	for _, x := range v {
		w.B = binary.LittleEndian.AppendUint64(w.B, x)
	}
}
func (w *Writer) Int64s(v []int64) {
	w.Len(v == nil, len(v))
	for _, x := range v {
		w.B = binary.LittleEndian.AppendUint64(w.B, uint64(x))
	}
}
func (w *Writer) Float64s(v []float64) {
	w.Len(v == nil, len(v))
	for _, x := range v {
		w.B = binary.LittleEndian.AppendUint64(w.B, math.Float64bits(x))
	}
}

// Deltas writes v as the differences from each value's predecessor (the
// first from 0), as varints: row keys, which rise by one or a few, take a
// byte or two each instead of eight.
func (w *Writer) Deltas(v []uint64) {
	w.Len(v == nil, len(v))
	prev := uint64(0)
	for _, x := range v {
		w.Int(int64(x - prev))
		prev = x
	}
}

// Numbers writes v as Float64s, or, when every value is a whole number
// below 2⁵³ in magnitude (and none is −0), as such numbers' differences
// from the least, in 1, 2 or 4 bytes, as few as their range allows:
// ages, counts and amounts, most numeric columns, in an eighth to half
// of the bytes. The values read back are the same, bit for bit.
func (w *Writer) Numbers(v []float64) {
	lo, width := wholeRange(v)
	w.Uint(uint64(width))
	if width == 0 {
		w.Float64s(v)
		return
	}
	w.Int(lo)
	w.Len(false, len(v))
	for _, x := range v {
		d := uint64(int64(x) - lo)
		switch width {
		case 1:
			w.B = append(w.B, byte(d))
		case 2:
			w.B = binary.LittleEndian.AppendUint16(w.B, uint16(d))
		default:
			w.B = binary.LittleEndian.AppendUint32(w.B, uint32(d))
		}
	}
}

// wholeRange returns the least of v and the bytes (1, 2 or 4) that each
// value's difference from it takes, or width 0 if v is nil or has a value
// that is not a whole number exactly held by an int64 (or is −0), or the
// range needs more than 4 bytes.
func wholeRange(v []float64) (lo int64, width int) {
	if v == nil {
		return 0, 0
	}
	const limit = 1 << 53
	hi := int64(0)
	for i, x := range v {
		if !(x > -limit && x < limit) || x != math.Trunc(x) || (x == 0 && math.Signbit(x)) {
			return 0, 0
		}
		n := int64(x)
		if i == 0 {
			lo, hi = n, n
		}
		lo, hi = min(lo, n), max(hi, n)
	}
	switch span := uint64(hi - lo); {
	case span < 1<<8:
		return lo, 1
	case span < 1<<16:
		return lo, 2
	case span < 1<<32:
		return lo, 4
	}
	return 0, 0
}

var ErrMalformed = errors.New("malformed wire data")

// Reader reads values from B; the first malformed read sets Err (and
// every later read then gives zero values).
type Reader struct {
	B   []byte
	Err error
}

func (r *Reader) Fail() {
	if r.Err == nil {
		r.Err = ErrMalformed
	}
	r.B = nil
}
func (r *Reader) Uint() uint64 {
	x, n := binary.Uvarint(r.B)
	if n <= 0 {
		r.Fail()
		return 0
	}
	r.B = r.B[n:]
	return x
}
func (r *Reader) Int() int64 {
	x, n := binary.Varint(r.B)
	if n <= 0 {
		r.Fail()
		return 0
	}
	r.B = r.B[n:]
	return x
}

// take returns the next n bytes.
func (r *Reader) Take(n uint64) []byte {
	if n > uint64(len(r.B)) {
		r.Fail()
		return nil
	}
	out := r.B[:n]
	r.B = r.B[n:]
	return out
}
func (r *Reader) Str() string { return string(r.Take(r.Uint())) }

// len reads a length written by Writer.len: -1 for nil. width is the
// bytes per element, to refuse a length longer than the data.
func (r *Reader) Len(width int) int {
	n := r.Uint()
	if n == 0 || r.Err != nil {
		return -1
	}
	n--
	if n > uint64(len(r.B))/uint64(width) {
		r.Fail()
		return -1
	}
	return int(n)
}
func (r *Reader) Strs() []string {
	n := r.Len(1)
	if n < 0 {
		return nil
	}
	v := make([]string, n)
	for i := range v {
		v[i] = r.Str()
	}
	return v
}
func (r *Reader) Bools() []bool {
	n := r.Len(1)
	if n < 0 {
		return nil
	}
	v := make([]bool, n)
	for i, b := range r.Take(uint64(n)) {
		v[i] = b != 0
	}
	return v
}
func (r *Reader) Int8s() []int8 {
	n := r.Len(1)
	if n < 0 {
		return nil
	}
	v := make([]int8, n)
	for i, b := range r.Take(uint64(n)) {
		v[i] = int8(b)
	}
	return v
}

// codes reads what Writer.codes wrote, refusing a code out of range.
func (r *Reader) Codes(levels int) []int32 {
	width := 4
	switch {
	case levels <= 1<<8:
		width = 1
	case levels <= 1<<16:
		width = 2
	}
	n := r.Len(width)
	if n < 0 {
		return nil
	}
	v := make([]int32, n)
	b := r.Take(uint64(width * n))
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
			r.Fail()
			return nil
		}
	}
	return v
}

func (r *Reader) Uint64s() []uint64 {
	n := r.Len(8)
	if n < 0 {
		return nil
	}
	v := make([]uint64, n)
	b := r.Take(8 * uint64(n))
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return v
}
func (r *Reader) Int64s() []int64 {
	u := r.Uint64s()
	if u == nil {
		return nil
	}
	v := make([]int64, len(u))
	for i, x := range u {
		v[i] = int64(x)
	}
	return v
}
func (r *Reader) Float64s() []float64 {
	u := r.Uint64s()
	if u == nil {
		return nil
	}
	v := make([]float64, len(u))
	for i, x := range u {
		v[i] = math.Float64frombits(x)
	}
	return v
}

// Deltas reads what Writer.Deltas wrote.
func (r *Reader) Deltas() []uint64 {
	n := r.Len(1)
	if n < 0 {
		return nil
	}
	v := make([]uint64, n)
	prev := uint64(0)
	for i := range v {
		prev += uint64(r.Int())
		v[i] = prev
	}
	if r.Err != nil {
		return nil
	}
	return v
}

// Numbers reads what Writer.Numbers wrote.
func (r *Reader) Numbers() []float64 {
	width := r.Uint()
	switch width {
	case 0:
		return r.Float64s()
	case 1, 2, 4:
	default:
		r.Fail()
		return nil
	}
	lo := r.Int()
	n := r.Len(int(width))
	if n < 0 {
		r.Fail() // Writer.Numbers writes no nil this way
		return nil
	}
	b := r.Take(width * uint64(n))
	if b == nil && n > 0 {
		return nil
	}
	v := make([]float64, n)
	for i := range v {
		var d uint64
		switch width {
		case 1:
			d = uint64(b[i])
		case 2:
			d = uint64(binary.LittleEndian.Uint16(b[2*i:]))
		default:
			d = uint64(binary.LittleEndian.Uint32(b[4*i:]))
		}
		v[i] = float64(lo + int64(d))
	}
	return v
}
