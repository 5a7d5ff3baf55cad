package pagecodec

// LZ4_RAW: an LZ4 block, without the frame.

import (
	"encoding/binary"
	"errors"
)

// LZ4Decode decodes an LZ4 block (LZ4_RAW) into dst; it returns the length
// decoded, an error if dst is too small.
func LZ4Decode(dst, src []byte) (int, error) {
	bad := errors.New("corrupt LZ4 data")
	s, d := 0, 0
	length := func(n int) (int, bool) {
		if n != 15 {
			return n, true
		}
		for {
			if s >= len(src) {
				return 0, false
			}
			b := src[s]
			s++
			n += int(b)
			if n > len(dst)+len(src) {
				return 0, false
			}
			if b != 255 {
				return n, true
			}
		}
	}
	for s < len(src) {
		token := src[s]
		s++
		lit, ok := length(int(token >> 4))
		if !ok || lit > len(src)-s || lit > len(dst)-d {
			return 0, bad
		}
		copy(dst[d:], src[s:s+lit])
		s += lit
		d += lit
		if s == len(src) {
			break // the last sequence holds literals only
		}
		if len(src)-s < 2 {
			return 0, bad
		}
		offset := int(binary.LittleEndian.Uint16(src[s:]))
		s += 2
		ml, ok := length(int(token & 15))
		if !ok {
			return 0, bad
		}
		ml += 4
		if offset == 0 || offset > d || ml > len(dst)-d {
			return 0, bad
		}
		copyMatch(dst, d, offset, ml)
		d += ml
	}
	return d, nil
}
