package tableio

// The digest of the values parquet-go reads from a column chunk for a
// rewrite, which VerifyParquetRewrite compares with the digest of what the
// reference reader reads.

import (
	"encoding/binary"
	"math"

	"github.com/parquet-go/parquet-go"
)

// valueDigest is a 64-bit digest of a sequence of values with their levels
// (not cryptographic: it tells two readings of the same pages apart). Each
// value adds its levels, then, if not null, one 64-bit word (digestWord).
type valueDigest struct {
	h uint64
	n int64
}

const digestPrime = 0x100000001b3

func newValueDigest() valueDigest { return valueDigest{h: 0xcbf29ce484222325} }

// add adds a value: its levels and, if not null, its word.
func (d valueDigest) add(def, rep int, null bool, word uint64) valueDigest {
	x := uint64(def)<<32 | uint64(rep)<<16
	if null {
		return valueDigest{h: (d.h ^ x ^ 1) * digestPrime, n: d.n + 1}
	}
	h := (d.h ^ x) * digestPrime
	return valueDigest{h: (h ^ word) * digestPrime, n: d.n + 1}
}

// digestWord is the word of a non-null value of kind k in statistics form:
// the value itself if it has 8 bytes or fewer (a number, a BOOLEAN), else
// a hash of its bytes (byte arrays, INT96).
func digestWord(k parquet.Kind, raw []byte) uint64 {
	switch k {
	case parquet.Boolean:
		return uint64(raw[0])
	case parquet.Int32, parquet.Float:
		return uint64(binary.LittleEndian.Uint32(raw))
	case parquet.Int64, parquet.Double:
		return binary.LittleEndian.Uint64(raw)
	}
	return digestBytes(raw)
}

// digestBytes hashes b: its length, then its bytes 8 at a time; the last 1
// to 7 bytes go in one word read in overlapping parts, which the length
// makes unambiguous.
func digestBytes(b []byte) uint64 {
	all := b
	h := (0xcbf29ce484222325 ^ uint64(len(b))) * digestPrime
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * digestPrime
		b = b[8:]
	}
	var w uint64
	switch r := len(b); {
	case r == 0:
		return h
	case len(all) >= 8:
		w = binary.LittleEndian.Uint64(all[len(all)-8:])
	case r >= 4:
		w = uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[r-4:]))<<32
	default:
		w = uint64(b[0]) | uint64(b[r/2])<<8 | uint64(b[r-1])<<16
	}
	return (h ^ w) * digestPrime
}

// addRaw adds a value of kind k in statistics form (raw is ignored for a
// null).
func (d valueDigest) addRaw(k parquet.Kind, def, rep int, raw []byte, null bool) valueDigest {
	if null {
		return d.add(def, rep, true, 0)
	}
	return d.add(def, rep, false, digestWord(k, raw))
}

// addValues adds values of kind k read by parquet-go: the same digest as
// addRaw of their statistics form.
func (d valueDigest) addValues(k parquet.Kind, vals []parquet.Value) valueDigest {
	var tmp [12]byte
	for i := range vals {
		v := &vals[i]
		var w uint64
		if !v.IsNull() {
			switch k {
			case parquet.Boolean:
				w = uint64(b2i(v.Boolean()))
			case parquet.Int32:
				w = uint64(uint32(v.Int32()))
			case parquet.Float:
				w = uint64(math.Float32bits(v.Float()))
			case parquet.Int64:
				w = uint64(v.Int64())
			case parquet.Double:
				w = math.Float64bits(v.Double())
			case parquet.Int96:
				w = digestBytes(appendRaw(tmp[:0], *v))
			default:
				w = digestBytes(v.ByteArray())
			}
		}
		d = d.add(v.DefinitionLevel(), v.RepetitionLevel(), v.IsNull(), w)
	}
	return d
}
