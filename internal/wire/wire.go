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
