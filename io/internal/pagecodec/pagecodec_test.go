package pagecodec

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/format"
)

// TestDecoders: the reference reader's own decompressors and
// decoders against the encoders of other libraries, and on corrupt data.
func TestDecoders(t *testing.T) {
	inputs := [][]byte{nil, []byte("a"), bytes.Repeat([]byte("abcabcabd"), 1000), make([]byte, 70000)}
	for i := range 2000 {
		inputs[3][i*31%70000] = byte(i)
	}
	for _, src := range inputs {
		for _, codec := range []compress.Codec{&parquet.Snappy, &parquet.Lz4Raw} {
			enc, err := codec.Encode(nil, src)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]byte, len(src))
			var n int
			if codec == &parquet.Snappy {
				n, err = SnappyDecode(dst, enc)
			} else {
				n, err = LZ4Decode(dst, enc)
			}
			if err != nil || !bytes.Equal(dst[:n], src) {
				t.Errorf("%s, %d bytes: %v", codec, len(src), err)
			}
			// Cut or changed, the data fails or decodes to something; it
			// never panics.
			for k := 0; k < len(enc); k += 1 + len(enc)/50 {
				bad := bytes.Clone(enc[:k])
				SnappyDecode(dst, bad)
				LZ4Decode(dst, bad)
				bad = bytes.Clone(enc)
				bad[k] ^= 0x5a
				SnappyDecode(dst, bad)
				LZ4Decode(dst, bad)
			}
		}
	}
	// DELTA_BINARY_PACKED and the RLE/bit-packed hybrid, from parquet-go's
	// encoders.
	ints := []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 5, 5, 5, 1 << 40}
	for i := range 1000 {
		ints = append(ints, int64(i*i)-int64(i)<<33)
	}
	for _, n := range []int{0, 1, 2, 129, len(ints)} {
		enc, err := parquet.DeltaBinaryPacked.EncodeInt64(nil, ints[:n])
		if err != nil {
			t.Fatal(err)
		}
		got, used, err := DecodeDeltaBinaryPacked(nil, enc, n)
		if err != nil || used != len(enc) || fmt.Sprint(got) != fmt.Sprint(ints[:n]) {
			t.Errorf("DELTA_BINARY_PACKED of %d values: %v, %d of %d bytes", n, err, used, len(enc))
		}
	}
	levels := make([]uint8, 1000)
	for i := range levels {
		levels[i] = uint8(i / 7 % 3)
		if i > 500 {
			levels[i] = uint8(i % 3)
		}
	}
	enc, err := (&rle.Encoding{BitWidth: 2}).EncodeLevels(nil, levels)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]uint8, len(levels))
	if err := DecodeHybrid(got, enc, 2); err != nil || !bytes.Equal(got, levels) {
		t.Errorf("RLE levels: %v", err)
	}
	for k := range enc {
		DecodeHybrid(got, enc[:k], 2)
		DecodeDeltaBinaryPacked(nil, enc[:k], 3)
	}
	// The deprecated BIT_PACKED levels: 0 to 7 in 3 bits each, from the
	// most significant bit (the example of the format's Encodings.md).
	bp := make([]byte, 8)
	if err := DecodeBitPackedMSB(bp, []byte{0b00000101, 0b00111001, 0b01110111}, 3); err != nil || !bytes.Equal(bp, []byte{0, 1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("BIT_PACKED: %v %v", bp, err)
	}
}

// FuzzDecoders: the reference reader's decoders never panic nor loop,
// whatever the bytes: levels (both level encodings, in v1 and v2 pages) are
// decoded through DecodeLevels, which checks the length DecodeBitPackedMSB
// needs.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte{}, uint8(3), uint16(10))
	for _, codec := range []compress.Codec{&parquet.Snappy, &parquet.Lz4Raw} {
		enc, _ := codec.Encode(nil, bytes.Repeat([]byte("hello, "), 30))
		f.Add(enc, uint8(1), uint16(210))
	}
	enc, _ := parquet.DeltaBinaryPacked.EncodeInt64(nil, []int64{1, 5, -7, 1 << 50})
	f.Add(enc, uint8(7), uint16(4))
	f.Fuzz(func(t *testing.T, data []byte, width uint8, n uint16) {
		dst := make([]byte, int(n)*4)
		SnappyDecode(dst, data)
		LZ4Decode(dst, data)
		DecodeDeltaBinaryPacked(nil, data, int(n))
		DecodeHybrid(make([]int32, n), data, uint(width%33))
		DecodeHybrid(make([]uint8, n), data, uint(width%9))
		levels := make([]byte, n)
		for _, enc := range []format.Encoding{format.RLE, format.BitPacked} {
			DecodeLevels(levels, data, nil, true, enc, int(width))
		}
		DecodeLevels(levels, nil, data, false, format.RLE, int(width))
	})
}
