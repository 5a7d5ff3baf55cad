package pagecodec

// DELTA_BINARY_PACKED, the base of the three DELTA encodings.

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// DecodeDeltaBinaryPacked decodes the first n values of DELTA_BINARY_PACKED
// data (in 64-bit arithmetic that wraps, as the format requires) appended to
// dst; it returns them and the length of the data (all its values).
func DecodeDeltaBinaryPacked(dst []int64, src []byte, n int) ([]int64, int, error) {
	bad := errors.New("corrupt DELTA_BINARY_PACKED data")
	pos := 0
	uvarint := func() (uint64, bool) {
		x, k := binary.Uvarint(src[pos:])
		if k <= 0 {
			return 0, false
		}
		pos += k
		return x, true
	}
	blockSize, ok1 := uvarint()
	miniBlocks, ok2 := uvarint()
	total, ok3 := uvarint()
	first, ok4 := uvarint()
	if !ok1 || !ok2 || !ok3 || !ok4 || miniBlocks == 0 || blockSize == 0 || blockSize%miniBlocks != 0 || (blockSize/miniBlocks)%8 != 0 {
		return dst, 0, bad
	}
	if total < uint64(n) {
		return dst, 0, fmt.Errorf("DELTA_BINARY_PACKED data holds %d values, the page %d", total, n)
	}
	perMini := blockSize / miniBlocks
	base := len(dst)
	value := int64(first>>1) ^ -int64(first&1)
	if n > 0 {
		dst = append(dst, value)
	}
	done := min(total, 1) // values decoded or skipped
	for done < total {
		md, ok := uvarint()
		if !ok || uint64(len(src)-pos) < miniBlocks {
			return dst, 0, bad
		}
		minDelta := int64(md>>1) ^ -int64(md&1)
		widths := src[pos : pos+int(miniBlocks)]
		pos += int(miniBlocks)
		for _, w := range widths {
			if done == total {
				break // the widths of unneeded miniblocks are there, their bodies are not
			}
			if w > 64 {
				return dst, 0, bad
			}
			size := perMini * uint64(w) / 8
			if size > uint64(len(src)-pos) {
				return dst, 0, bad
			}
			body := src[pos : pos+int(size)]
			pos += int(size)
			k := min(perMini, total-done)
			for j := uint64(0); j < k && len(dst)-base < n; j++ {
				value += minDelta + int64(bitsAt(body, j*uint64(w), uint(w)))
				dst = append(dst, value)
			}
			done += k
		}
	}
	return dst, pos, nil
}
