package pagecodec

// Levels and dictionary indexes: the RLE/bit-packed hybrid encoding and the
// deprecated BIT_PACKED one.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/parquet-go/parquet-go/format"
)

// DecodeLevels decodes len(dst) levels: from data (v1 pages: they come
// first, and the rest of data is returned) or from section (v2).
func DecodeLevels(dst, data, section []byte, v1 bool, enc format.Encoding, maxLevel int) ([]byte, error) {
	width := uint(bits.Len(uint(maxLevel)))
	src := section
	if v1 {
		switch enc {
		case format.RLE:
			if len(data) < 4 {
				return nil, ErrCorrupt
			}
			n := binary.LittleEndian.Uint32(data)
			if uint64(n) > uint64(len(data)-4) {
				return nil, ErrCorrupt
			}
			src, data = data[4:4+n], data[4+n:]
		case format.BitPacked:
			n := (len(dst)*int(width) + 7) / 8
			if n > len(data) {
				return nil, ErrCorrupt
			}
			src, data = data[:n], data[n:]
		default:
			return nil, fmt.Errorf("unsupported level encoding %s", enc)
		}
	}
	var err error
	if v1 && enc == format.BitPacked {
		err = DecodeBitPackedMSB(dst, src, width)
	} else {
		err = DecodeHybrid(dst, src, width)
	}
	if err != nil {
		return nil, err
	}
	for _, v := range dst {
		if int(v) > maxLevel {
			return nil, errors.New("a level out of range")
		}
	}
	return data, nil
}

// bitsAt returns width (at most 64) bits of src starting at bit pos, least
// significant bit first.
func bitsAt(src []byte, pos uint64, width uint) uint64 {
	var v uint64
	for got := uint(0); got < width; {
		b := src[pos>>3] >> (pos & 7)
		take := min(8-uint(pos&7), width-got)
		v |= uint64(b&(1<<take-1)) << got
		got += take
		pos += uint64(take)
	}
	return v
}

// DecodeHybrid decodes len(dst) values of the RLE/bit-packed hybrid encoding
// of the given bit width (at most 32) from src. Runs that go past len(dst)
// are cut; src running out first is an error.
func DecodeHybrid[T uint8 | int32](dst []T, src []byte, width uint) error {
	byteWidth := int(width+7) / 8
	for i := 0; i < len(dst); {
		h, k := binary.Uvarint(src)
		if k <= 0 {
			return errors.New("truncated RLE/bit-packed data")
		}
		src = src[k:]
		if h&1 == 0 { // a run of one value
			count := h >> 1
			if byteWidth > len(src) {
				return errors.New("truncated RLE run")
			}
			var x uint64
			for j := byteWidth - 1; j >= 0; j-- {
				x = x<<8 | uint64(src[j])
			}
			src = src[byteWidth:]
			if width < 64 && x>>width != 0 {
				return errors.New("an RLE value wider than its bit width")
			}
			for ; count > 0 && i < len(dst); count-- {
				dst[i] = T(x)
				i++
			}
			continue
		}
		groups := h >> 1
		if groups > uint64(len(src)) {
			return errors.New("truncated bit-packed run")
		}
		size := groups * uint64(width)
		if size > uint64(len(src)) {
			return errors.New("truncated bit-packed run")
		}
		run := src[:size]
		src = src[size:]
		n := min(groups*8, uint64(len(dst)-i))
		j := uint64(0)
		if width <= 32 {
			// Whole 64-bit loads while 8 bytes remain after the value.
			mask := uint64(1)<<width - 1
			for ; j < n; j++ {
				pos := j * uint64(width)
				if pos/8+8 > uint64(len(run)) {
					break
				}
				dst[i] = T(binary.LittleEndian.Uint64(run[pos/8:]) >> (pos % 8) & mask)
				i++
			}
		}
		for ; j < n; j++ {
			dst[i] = T(bitsAt(run, j*uint64(width), width))
			i++
		}
	}
	return nil
}

// DecodeBitPackedMSB decodes the deprecated BIT_PACKED level encoding:
// len(dst) values packed from the most significant bit. src must hold
// len(dst)*width bits (DecodeLevels checks it).
func DecodeBitPackedMSB(dst []byte, src []byte, width uint) error {
	pos := uint64(0)
	for i := range dst {
		var v uint64
		for range width {
			v = v<<1 | uint64(src[pos>>3]>>(7-pos&7)&1)
			pos++
		}
		dst[i] = byte(v)
	}
	return nil
}
