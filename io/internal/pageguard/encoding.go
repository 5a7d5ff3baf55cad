package pageguard

// Encodings and levels: that parquet-go can decode a page's encodings for the
// column's type, and that a page it decoded holds levels in range and as many
// values as they say.

import (
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// Column is what the guards need to know about a leaf column.
type Column struct {
	Kind           parquet.Kind
	TypeLen        int  // FIXED_LEN_BYTE_ARRAY: the length of its values
	MaxDef, MaxRep int  // its maximum definition and repetition levels
	Null           bool // of the NULL (UNKNOWN) logical type: it holds no value
}

// LevelEncodingOK reports whether parquet-go can decode levels of encoding e.
func LevelEncodingOK(e format.Encoding) bool { return e == format.RLE || e == format.BitPacked }

// CheckDecodedPage checks a page decoded by parquet-go before its values are
// read: levels within their maximum, as many values as the levels say are not
// null, and dictionary indexes within the dictionary (parquet-go panics
// otherwise).
func CheckDecodedPage(page parquet.Page, c Column) error {
	n := page.NumValues() - page.NumNulls()
	if c.MaxDef > 0 {
		n = 0
		for _, d := range page.DefinitionLevels() {
			switch {
			case int(d) == c.MaxDef:
				n++
			case int(d) > c.MaxDef:
				return errors.New("definition level out of range")
			}
		}
	}
	for _, r := range page.RepetitionLevels() {
		if int(r) > c.MaxRep {
			return errors.New("repetition level out of range")
		}
	}
	data := page.Data()
	if d := page.Dictionary(); d != nil {
		if data.Kind() != encoding.Int32 {
			return errors.New("dictionary page data")
		}
		idx := data.Int32()
		if int64(len(idx)) < n {
			return fmt.Errorf("%d dictionary indexes for %d values", len(idx), n)
		}
		size := uint32(d.Len())
		for _, i := range idx {
			if uint32(i) >= size {
				return fmt.Errorf("dictionary index %d out of range (the dictionary holds %d values)", i, size)
			}
		}
		return nil
	}
	if c.Null {
		if n != 0 {
			return errors.New("a value in a column of NULL type")
		}
		return nil
	}
	b, offsets := data.Data()
	var have int64
	switch data.Kind() {
	case encoding.Boolean:
		have = 8 * int64(len(b))
	case encoding.Int32, encoding.Float:
		have = int64(len(b)) / 4
	case encoding.Int64, encoding.Double:
		have = int64(len(b)) / 8
	case encoding.Int96:
		have = int64(len(b)) / 12
	case encoding.ByteArray:
		have = max(int64(len(offsets))-1, 0)
		for i := 1; i < len(offsets); i++ {
			if offsets[i] < offsets[i-1] || int(offsets[i]) > len(b) {
				return errors.New("invalid byte array offsets")
			}
		}
	case encoding.FixedLenByteArray:
		if _, size := data.FixedLenByteArray(); size > 0 {
			have = int64(len(b)) / int64(size)
		}
	default:
		if n > 0 {
			return errors.New("page values of an unknown type")
		}
	}
	if have < n {
		return fmt.Errorf("the page holds %d values where its levels say %d", have, n)
	}
	return nil
}

// CheckPageEncoding checks that parquet-go can decode a data page encoding
// for the column's type.
func CheckPageEncoding(e format.Encoding, c Column, haveDict bool) error {
	if e == format.PlainDictionary || e == format.RLEDictionary {
		if !haveDict {
			return errors.New("dictionary-encoded page without a dictionary page")
		}
		return nil
	}
	if c.Null {
		return nil
	}
	enc := parquet.LookupEncoding(e)
	if _, ok := enc.(encoding.NotSupported); ok {
		return fmt.Errorf("unsupported encoding %s", e)
	}
	// Decoding an empty input tells whether the encoding supports the type.
	var err error
	switch c.Kind {
	case parquet.Boolean:
		_, err = enc.DecodeBoolean(nil, nil)
	case parquet.Int32:
		_, err = enc.DecodeInt32(nil, nil)
	case parquet.Int64:
		_, err = enc.DecodeInt64(nil, nil)
	case parquet.Int96:
		_, err = enc.DecodeInt96(nil, nil)
	case parquet.Float:
		_, err = enc.DecodeFloat(nil, nil)
	case parquet.Double:
		_, err = enc.DecodeDouble(nil, nil)
	case parquet.ByteArray:
		_, _, err = enc.DecodeByteArray(nil, nil, nil)
	case parquet.FixedLenByteArray:
		_, err = enc.DecodeFixedLenByteArray(nil, nil, max(c.TypeLen, 1))
	}
	if errors.Is(err, encoding.ErrNotSupported) {
		return fmt.Errorf("encoding %s cannot hold %s values", e, c.Kind)
	}
	return nil
}
