package pageguard

// Dictionary indexes: the runs of a data page's dictionary indexes against
// the page, before parquet-go decodes them.

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go/format"
)

// IsDictIndexEncoding reports whether a data page holds dictionary indexes.
func IsDictIndexEncoding(h format.PageHeader) bool {
	var e format.Encoding
	switch {
	case h.Type == format.DataPage && h.DataPageHeader.Valid:
		e = h.DataPageHeader.V.Encoding
	case h.Type == format.DataPageV2 && h.DataPageHeaderV2.Valid:
		e = h.DataPageHeaderV2.V.Encoding
	default:
		return false
	}
	return e == format.PlainDictionary || e == format.RLEDictionary
}

// SkipLevelsV1 returns the values of an uncompressed v1 data page, after its
// levels, as parquet-go finds them: each level section that the column has
// (repetition, then definition) is preceded by its length in 4 bytes.
func SkipLevelsV1(data []byte, c Column) ([]byte, error) {
	for _, has := range []bool{c.MaxRep > 0, c.MaxDef > 0} {
		if !has {
			continue
		}
		if len(data) < 4 {
			return nil, errors.New("truncated levels")
		}
		n := uint64(binary.LittleEndian.Uint32(data))
		if n > uint64(len(data)-4) {
			return nil, errors.New("levels larger than the page")
		}
		data = data[4+n:]
	}
	return data, nil
}

// CheckDictIndexes checks the dictionary indexes of a data page (a bit width,
// then runs of the RLE/bit-packed hybrid encoding) before parquet-go decodes
// them: the bit width must be at most 32, every run must fit in the page's
// bytes, and no run may start after numValues values (nulls included). A run
// may end past numValues (DuckDB pads its last bit-packed run to 256 values),
// by 7 values or by 8 per byte it holds, so that the values decoded (4 bytes
// each for parquet-go) stay proportional to the page: a run header alone may
// claim 2^31 values.
func CheckDictIndexes(src []byte, numValues int64) error {
	if len(src) == 0 {
		return nil // parquet-go decodes no index
	}
	width := uint64(src[0])
	if width > 32 {
		return fmt.Errorf("dictionary indexes of %d bits", width)
	}
	limit := uint64(numValues)
	tooMany := errors.New("more dictionary indexes than values")
	var n uint64
	for i := 1; i < len(src); {
		u, k := binary.Uvarint(src[i:])
		if k <= 0 {
			return errors.New("corrupt run of dictionary indexes")
		}
		i += k
		count := u >> 1
		if count == 0 {
			continue // parquet-go skips it
		}
		if n >= limit || count > uint64(len(src))+limit {
			return tooMany
		}
		size := (width + 7) / 8 // a repeated value
		if u&1 != 0 {           // bit-packed: count groups of 8 values
			size = count * width
			count *= 8
		}
		if size > uint64(len(src)-i) {
			return errors.New("truncated run of dictionary indexes")
		}
		i += int(size)
		if n += count; n > limit && n-limit > max(7, 8*size) {
			return tooMany
		}
	}
	return nil
}
