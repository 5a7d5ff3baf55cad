package pagecodec

// SNAPPY: the block format (not the framing format).

import (
	"encoding/binary"
	"errors"
	"math"
)

// SnappyDecode decodes snappy data (a block, not the framing format) into
// dst, which must be large enough; with dst nil, it only walks the data. The
// data is its length, then literals and copies (each from within what came
// before) that must add up to that length, which it returns.
func SnappyDecode(dst, src []byte) (int, error) {
	bad := errors.New("corrupt snappy data")
	n64, k := binary.Uvarint(src)
	if k <= 0 || n64 > math.MaxUint32 || (dst != nil && n64 > uint64(len(dst))) {
		return 0, bad
	}
	n, d := int(n64), 0
	for s := k; s < len(src); {
		tag := src[s]
		var length, offset int
		switch tag & 3 {
		case 0: // literal
			x := int(tag >> 2)
			s++
			if x >= 60 {
				extra := x - 59 // 1 to 4 bytes of length
				if extra > len(src)-s {
					return 0, bad
				}
				x = 0
				for i := extra - 1; i >= 0; i-- {
					x = x<<8 | int(src[s+i])
				}
				s += extra
			}
			length = x + 1
			if length <= 0 || length > len(src)-s || length > n-d {
				return 0, bad
			}
			if dst != nil {
				copy(dst[d:], src[s:s+length])
			}
			s += length
			d += length
			continue
		case 1: // copy, 1-byte offset
			if len(src)-s < 2 {
				return 0, bad
			}
			length = 4 + int(tag>>2)&7
			offset = int(tag&0xe0)<<3 | int(src[s+1])
			s += 2
		case 2: // copy, 2-byte offset
			if len(src)-s < 3 {
				return 0, bad
			}
			length = 1 + int(tag>>2)
			offset = int(binary.LittleEndian.Uint16(src[s+1:]))
			s += 3
		case 3: // copy, 4-byte offset
			if len(src)-s < 5 {
				return 0, bad
			}
			length = 1 + int(tag>>2)
			offset = int(binary.LittleEndian.Uint32(src[s+1:]))
			s += 5
		}
		if offset <= 0 || offset > d || length > n-d {
			return 0, bad
		}
		if dst != nil {
			copyMatch(dst, d, offset, length)
		}
		d += length
	}
	if d != n {
		return 0, bad
	}
	return d, nil
}

// copyMatch copies length bytes from offset bytes back in dst to dst[d:]
// (the two may overlap, which repeats the bytes).
func copyMatch(dst []byte, d, offset, length int) {
	if offset >= length {
		copy(dst[d:d+length], dst[d-offset:])
		return
	}
	for i := range length {
		dst[d+i] = dst[d-offset+i]
	}
}
