package tableio

// The reference reader's decoding of a page's values, by encoding, into
// statistics form (refValues).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/fairflip/fairflip/io/internal/pagecodec"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// decodeValues decodes n values of the page's encoding from data into v.
func (r *refReader) decodeValues(v *refValues, data []byte, n int, enc format.Encoding) error {
	l := r.l
	*v = refValues{n: n, size: statSize(l.kind, l.typeLen)}
	if l.conv == convNull {
		if n != 0 {
			return errors.New("a value in a column of NULL type")
		}
		return nil
	}
	switch enc {
	case format.Plain:
		return r.decodePlain(v, data, n)
	case format.PlainDictionary, format.RLEDictionary:
		if !r.hasDict {
			return errors.New("dictionary-encoded page without a dictionary")
		}
		if n == 0 {
			v.idx, v.dict = []int32{}, &r.dict
			return nil
		}
		if len(data) < 1 || data[0] > 32 {
			return pagecodec.ErrCorrupt
		}
		r.idx = grow(r.idx, n)
		v.idx = r.idx
		if err := pagecodec.DecodeHybrid(v.idx, data[1:], uint(data[0])); err != nil {
			return err
		}
		for _, i := range v.idx {
			if i < 0 || int(i) >= r.dict.n {
				return fmt.Errorf("dictionary index %d out of range (the dictionary holds %d values)", i, r.dict.n)
			}
		}
		v.dict = &r.dict
		return nil
	case format.RLE:
		if l.kind != parquet.Boolean {
			break
		}
		if len(data) < 4 || uint64(binary.LittleEndian.Uint32(data)) > uint64(len(data)-4) {
			return pagecodec.ErrCorrupt
		}
		r.vbuf = grow(r.vbuf, n)
		v.data = r.vbuf
		return pagecodec.DecodeHybrid(v.data, data[4:4+binary.LittleEndian.Uint32(data)], 1)
	case format.ByteStreamSplit:
		if v.size == 0 {
			break
		}
		if len(data) < n*v.size {
			return pagecodec.ErrCorrupt
		}
		r.vbuf = grow(r.vbuf, n*v.size)
		for k := range v.size {
			stream := data[k*n : (k+1)*n]
			for i, b := range stream {
				r.vbuf[i*v.size+k] = b
			}
		}
		v.data = r.vbuf
		return nil
	case format.DeltaBinaryPacked:
		if l.kind != parquet.Int32 && l.kind != parquet.Int64 {
			break
		}
		ints, _, err := pagecodec.DecodeDeltaBinaryPacked(r.ints[:0], data, n)
		r.ints = ints
		if err != nil {
			return err
		}
		r.vbuf = r.vbuf[:0]
		for _, x := range ints {
			if l.kind == parquet.Int32 {
				r.vbuf = binary.LittleEndian.AppendUint32(r.vbuf, uint32(x))
			} else {
				r.vbuf = binary.LittleEndian.AppendUint64(r.vbuf, uint64(x))
			}
		}
		v.data = r.vbuf
		return nil
	case format.DeltaLengthByteArray:
		if l.kind != parquet.ByteArray {
			break
		}
		return r.decodeDeltaLength(v, data, n)
	case format.DeltaByteArray:
		if l.kind != parquet.ByteArray && l.kind != parquet.FixedLenByteArray {
			break
		}
		return r.decodeDeltaByteArray(v, data, n)
	}
	return r.decodeByParquetGo(v, data, n, enc)
}

// decodePlain decodes n PLAIN values. Fixed-size values are not copied
// (v.data points into data); byte arrays are copied into r.vbuf.
func (r *refReader) decodePlain(v *refValues, data []byte, n int) error {
	l := r.l
	*v = refValues{n: n, size: statSize(l.kind, l.typeLen)}
	switch {
	case l.kind == parquet.Boolean:
		if len(data) < (n+7)/8 {
			return fmt.Errorf("%d bytes for %d values", len(data), n)
		}
		r.vbuf = grow(r.vbuf, n)
		for i := range n {
			r.vbuf[i] = data[i/8] >> (i % 8) & 1
		}
		v.data = r.vbuf
	case v.size > 0:
		if n > len(data)/v.size {
			return fmt.Errorf("%d bytes for %d values of %d bytes", len(data), n, v.size)
		}
		v.data = data[:n*v.size]
	default:
		r.vbuf, r.offs = r.vbuf[:0], append(r.offs[:0], 0)
		for range n {
			if len(data) < 4 {
				return pagecodec.ErrCorrupt
			}
			k := binary.LittleEndian.Uint32(data)
			if uint64(k) > uint64(len(data)-4) {
				return pagecodec.ErrCorrupt
			}
			r.vbuf = append(r.vbuf, data[4:4+k]...)
			r.offs = append(r.offs, uint32(len(r.vbuf)))
			data = data[4+k:]
		}
		v.data, v.offs = r.vbuf, r.offs
	}
	return nil
}

func (r *refReader) decodeDeltaLength(v *refValues, data []byte, n int) error {
	lens, used, err := pagecodec.DecodeDeltaBinaryPacked(r.ints[:0], data, n)
	r.ints = lens
	if err != nil {
		return err
	}
	data = data[used:]
	r.vbuf, r.offs = r.vbuf[:0], append(r.offs[:0], 0)
	for _, k := range lens {
		if k < 0 || k > int64(len(data)) {
			return pagecodec.ErrCorrupt
		}
		r.vbuf = append(r.vbuf, data[:k]...)
		r.offs = append(r.offs, uint32(len(r.vbuf)))
		data = data[k:]
	}
	v.data, v.offs, v.size = r.vbuf, r.offs, 0
	return nil
}

func (r *refReader) decodeDeltaByteArray(v *refValues, data []byte, n int) error {
	prefixes, used, err := pagecodec.DecodeDeltaBinaryPacked(nil, data, n)
	if err != nil {
		return err
	}
	var suffixes refValues
	if err := r.decodeDeltaLength(&suffixes, data[used:], n); err != nil {
		return err
	}
	out, offs := r.vbuf2[:0], append(r.offs2[:0], 0)
	var prev []byte
	for i, p := range prefixes {
		if p < 0 || p > int64(len(prev)) {
			return pagecodec.ErrCorrupt
		}
		start := len(out)
		out = append(out, prev[:p]...)
		out = append(out, suffixes.at(i)...)
		offs = append(offs, uint32(len(out)))
		prev = out[start:]
	}
	r.vbuf2, r.offs2 = out, offs
	if size := statSize(r.l.kind, r.l.typeLen); size > 0 {
		for i := range n {
			if offs[i+1]-offs[i] != uint32(size) {
				return fmt.Errorf("a value of %d bytes in a column of %d-byte values", offs[i+1]-offs[i], size)
			}
		}
		v.data, v.offs, v.size = out, nil, size
		return nil
	}
	v.data, v.offs, v.size = out, offs, 0
	return nil
}

// decodeByParquetGo decodes an encoding the reference reader does not
// implement with parquet-go's encoding package (on the reader's decompressed
// bytes).
func (r *refReader) decodeByParquetGo(v *refValues, data []byte, n int, enc format.Encoding) error {
	r.ownAll, r.page.own = false, false
	e := parquet.LookupEncoding(enc)
	l := r.l
	var err error
	r.vbuf = r.vbuf[:0]
	switch l.kind {
	case parquet.Boolean:
		var b []byte
		if b, err = e.DecodeBoolean(nil, data); err == nil {
			if len(b) < (n+7)/8 {
				return pagecodec.ErrCorrupt
			}
			for i := range n {
				r.vbuf = append(r.vbuf, b[i/8]>>(i%8)&1)
			}
		}
	case parquet.Int32:
		var x []int32
		if x, err = e.DecodeInt32(nil, data); err == nil && len(x) >= n {
			for _, y := range x[:n] {
				r.vbuf = binary.LittleEndian.AppendUint32(r.vbuf, uint32(y))
			}
		}
	case parquet.Int64:
		var x []int64
		if x, err = e.DecodeInt64(nil, data); err == nil && len(x) >= n {
			for _, y := range x[:n] {
				r.vbuf = binary.LittleEndian.AppendUint64(r.vbuf, uint64(y))
			}
		}
	case parquet.Int96:
		var x []deprecated.Int96
		if x, err = e.DecodeInt96(nil, data); err == nil && len(x) >= n {
			for _, y := range x[:n] {
				for _, w := range y {
					r.vbuf = binary.LittleEndian.AppendUint32(r.vbuf, w)
				}
			}
		}
	case parquet.Float:
		var x []float32
		if x, err = e.DecodeFloat(nil, data); err == nil && len(x) >= n {
			for _, y := range x[:n] {
				r.vbuf = binary.LittleEndian.AppendUint32(r.vbuf, math.Float32bits(y))
			}
		}
	case parquet.Double:
		var x []float64
		if x, err = e.DecodeDouble(nil, data); err == nil && len(x) >= n {
			for _, y := range x[:n] {
				r.vbuf = binary.LittleEndian.AppendUint64(r.vbuf, math.Float64bits(y))
			}
		}
	case parquet.ByteArray:
		var b []byte
		var offs []uint32
		if b, offs, err = e.DecodeByteArray(nil, data, nil); err == nil {
			if len(offs) < n+1 {
				return pagecodec.ErrCorrupt
			}
			v.data, v.offs, v.size = b, offs[:n+1], 0
			return nil
		}
	case parquet.FixedLenByteArray:
		var b []byte
		if b, err = e.DecodeFixedLenByteArray(nil, data, l.typeLen); err == nil && len(b) >= n*l.typeLen {
			r.vbuf = append(r.vbuf, b[:n*l.typeLen]...)
		}
	}
	if err != nil {
		return fmt.Errorf("decoding %s: %v", enc, err)
	}
	if len(r.vbuf) < n*v.size {
		return fmt.Errorf("fewer values than the page holds")
	}
	v.data = r.vbuf
	return nil
}
