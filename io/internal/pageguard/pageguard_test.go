package pageguard

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

var proto = &thrift.CompactProtocol{}

// pageHeader is a data page header as parquet-go writes one.
func pageHeader(t testing.TB) []byte {
	h := format.PageHeader{
		Type:                 format.DataPage,
		UncompressedPageSize: 1000,
		CompressedPageSize:   400,
		CRC:                  0x1234,
	}
	h.DataPageHeader.Valid = true
	h.DataPageHeader.V = format.DataPageHeader{NumValues: 100, Encoding: format.RLEDictionary, DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE}
	h.DataPageHeader.V.Statistics.MinValue = []byte("abc")
	h.DataPageHeader.V.Statistics.MaxValue = []byte("xyz")
	b, err := thrift.Marshal(proto, &h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// footer is a file's metadata with n columns.
func footer(t testing.TB, n int) []byte {
	md := format.FileMetaData{Version: 1, NumRows: 10, CreatedBy: "test"}
	md.Schema = append(md.Schema, format.SchemaElement{Name: "schema"})
	md.Schema[0].NumChildren.Valid, md.Schema[0].NumChildren.V = true, int32(n)
	var rg format.RowGroup
	for i := range n {
		e := format.SchemaElement{Name: strings.Repeat("c", i%7+1)}
		e.Type.Valid, e.Type.V = true, format.Int64
		md.Schema = append(md.Schema, e)
		rg.Columns = append(rg.Columns, format.ColumnChunk{MetaData: format.ColumnMetaData{Type: format.Int64, PathInSchema: []string{e.Name}, Codec: format.Zstd, NumValues: 10, DataPageOffset: 4}})
	}
	rg.NumRows = 10
	md.RowGroups = []format.RowGroup{rg}
	md.KeyValueMetadata = []format.KeyValue{{Key: "k", Value: "v"}}
	b, err := thrift.Marshal(proto, &md)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestThriftCheck: the walk gives the length of a struct as parquet-go
// writes it, and refuses a struct cut short, nested too deep, with a list
// longer than its bytes, or with more structs than the bound.
func TestThriftCheck(t *testing.T) {
	for _, b := range [][]byte{pageHeader(t), footer(t, 3)} {
		n, err := ThriftCheck(append(bytes.Clone(b), 0xff, 0xff, 0xff))
		if err != nil || n != len(b) {
			t.Errorf("a struct of %d bytes and 3 more: got %d, %v", len(b), n, err)
		}
		for k := range len(b) {
			if _, err := ThriftCheck(b[:k]); !errors.Is(err, ErrThriftEOF) {
				t.Errorf("%d of %d bytes: got %v, want ErrThriftEOF", k, len(b), err)
			}
		}
	}
	// Structs 65 deep: 64 times field 1 of type struct, then their 65 STOPs.
	deep := append(bytes.Repeat([]byte{0x1c}, 64), bytes.Repeat([]byte{0}, 65)...)
	if _, err := ThriftCheck(deep); err == nil || errors.Is(err, ErrThriftEOF) {
		t.Errorf("structs 65 deep: got %v", err)
	}
	if n, err := ThriftCheck(deep[1:]); err != nil || n != len(deep)-2 {
		t.Errorf("structs 64 deep: got %d, %v", n, err)
	}
	// Field 1, a list of 1000 i32 (the long form of the size), and 10 bytes.
	list := append([]byte{0x19, 0xf5, 0xe8, 0x07}, make([]byte, 10)...)
	if _, err := ThriftCheck(list); !errors.Is(err, ErrThriftEOF) {
		t.Errorf("a list of 1000 values in 10 bytes: got %v", err)
	}
	// A footer of 50 columns holds more than 50 structs.
	f := footer(t, 50)
	if _, err := ThriftCheckStructs(f, 50); !errors.Is(err, ErrThriftStructs) {
		t.Errorf("at most 50 structs: got %v", err)
	}
	if n, err := ThriftCheckStructs(f, 1000); err != nil || n != len(f) {
		t.Errorf("at most 1000 structs: got %d, %v", n, err)
	}
}

var codecs = []format.CompressionCodec{format.Snappy, format.Gzip, format.Brotli, format.Zstd, format.Lz4Raw}

func compressed(t testing.TB, c format.CompressionCodec, src []byte) []byte {
	b, err := parquet.LookupCompressionCodec(c).Encode(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zstdNoSize is zstd data whose frame does not say its content size (as
// parquet-go's writer writes small pages).
func zstdNoSize(t testing.TB, src []byte) []byte {
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(src); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCheckCompressedPage: data of every codec is accepted with the size it
// decompresses to, and refused with another size or cut short; Decompress
// then gives those bytes.
func TestCheckCompressedPage(t *testing.T) {
	src := bytes.Repeat([]byte("fairflip, 0123456789; "), 300)
	for _, c := range codecs {
		datas := [][]byte{compressed(t, c, src)}
		if c == format.Zstd {
			datas = append(datas, zstdNoSize(t, src))
		}
		for _, data := range datas {
			n := int64(len(src))
			if err := CheckCompressedPage(c, data, n); err != nil {
				t.Errorf("%s: %v", c, err)
			}
			out, err := Decompress(c, data, n, nil)
			if err != nil || !bytes.Equal(out, src) {
				t.Errorf("%s: Decompress: %v", c, err)
			}
			for _, m := range []int64{n - 1, n + 1, 2 * n} {
				if err := CheckCompressedPage(c, data, m); err == nil {
					t.Errorf("%s: %d bytes declared for %d: accepted", c, m, n)
				}
			}
			if err := CheckCompressedPage(c, data[:len(data)-1], n); err == nil {
				t.Errorf("%s: data cut by one byte: accepted", c)
			}
		}
	}
	// LZ4 cannot decompress to more than 255 times its size.
	if err := CheckCompressedPage(format.Lz4Raw, []byte{0}, 1<<20); err == nil || !strings.Contains(err.Error(), "cannot decompress") {
		t.Errorf("LZ4 ratio: got %v", err)
	}
}

// TestCheckDictIndexes: indexes as parquet-go encodes them are accepted,
// and refused with too wide a bit width, a run cut short, or a run that
// starts after the page's values.
func TestCheckDictIndexes(t *testing.T) {
	idx := make([]int32, 1000)
	for i := range idx {
		idx[i] = int32(i * 7 % 300)
		if i > 600 {
			idx[i] = 5 // a long RLE run
		}
	}
	enc, err := parquet.RLEDictionary.EncodeInt32(nil, idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckDictIndexes(enc, int64(len(idx))); err != nil {
		t.Errorf("parquet-go's encoding: %v", err)
	}
	if err := CheckDictIndexes(enc, 10); err == nil {
		t.Errorf("1000 indexes for 10 values: accepted")
	}
	if err := CheckDictIndexes(enc[:len(enc)/2], int64(len(idx))); err == nil {
		t.Errorf("indexes cut in half: accepted")
	}
	if err := CheckDictIndexes([]byte{33, 2, 0, 0, 0, 0, 0}, 1); err == nil {
		t.Errorf("33-bit indexes: accepted")
	}
	// A run header alone claiming 2^31 values.
	if err := CheckDictIndexes([]byte{1, 0x80, 0x80, 0x80, 0x80, 0x10, 1}, 8); err == nil {
		t.Errorf("a run of 2^31 values: accepted")
	}
}

// FuzzThriftCheck: whatever the bytes, the walk neither panics nor hangs,
// and a struct it accepts is exactly as long as parquet-go's decoder reads
// it, as a page header and as a footer (where the decoder decodes it: it
// also checks field types). io decodes exactly the bytes the walk accepts,
// and parquet-go's thrift.Unmarshal refuses bytes left over.
func FuzzThriftCheck(f *testing.F) {
	f.Add(pageHeader(f))
	f.Add(footer(f, 3))
	f.Add([]byte{0x19, 0xf5, 0xe8, 0x07, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ThriftCheck(data)
		n2, err2 := ThriftCheckStructs(data, 1<<20)
		if n != n2 || (err == nil) != (err2 == nil) {
			t.Fatalf("ThriftCheck: %d, %v; ThriftCheckStructs: %d, %v", n, err, n2, err2)
		}
		if err != nil {
			return
		}
		if n < 1 || n > len(data) {
			t.Fatalf("a struct of %d bytes in %d", n, len(data))
		}
		decodedLength[format.PageHeader](t, data, n)
		decodedLength[format.FileMetaData](t, data, n)
	})
}

// decodedLength checks that parquet-go's decoder, if it decodes a T from
// data, reads n bytes of it.
func decodedLength[T any](t *testing.T, data []byte, n int) {
	var v T
	r := proto.NewReaderFromBytes(data)
	if thrift.NewDecoder(r).Decode(&v) != nil {
		return
	}
	if r.BytesRead() != n {
		t.Fatalf("%T: the walk accepts %d bytes, parquet-go's decoder reads %d", v, n, r.BytesRead())
	}
}

// FuzzCheckCompressedPage: whatever the data, codec and declared size, the
// check neither panics nor hangs, and data it accepts is decompressed by
// parquet-go's codec (as parquet-go reads a page: into a buffer of the
// declared size) to exactly the declared size, without panicking or
// hanging. Only zstd data whose frames declare their sizes is accepted
// without being decompressed: parquet-go may then fail with an error, but
// never give another size.
func FuzzCheckCompressedPage(f *testing.F) {
	src := bytes.Repeat([]byte("hello, parquet "), 40)
	for i, c := range codecs {
		data := compressed(f, c, src)
		f.Add(uint8(i), data, uint32(len(src)))
		f.Add(uint8(i), data, uint32(len(src)+1))
		f.Add(uint8(i), data[:len(data)/2], uint32(len(src)))
	}
	f.Add(uint8(3), zstdNoSize(f, src), uint32(len(src)))
	f.Fuzz(func(t *testing.T, c uint8, data []byte, declared uint32) {
		codec := codecs[int(c)%len(codecs)]
		size := int64(declared % (1 << 20))
		if CheckCompressedPage(codec, data, size) != nil {
			return
		}
		out, err := parquet.LookupCompressionCodec(codec).Decode(make([]byte, size), data)
		if err != nil {
			if codec != format.Zstd {
				t.Fatalf("%s: accepted for %d bytes, parquet-go fails: %v", codec, size, err)
			}
			return
		}
		if int64(len(out)) != size {
			t.Fatalf("%s: accepted for %d bytes, parquet-go decompresses %d", codec, size, len(out))
		}
	})
}

// FuzzCheckDictIndexes: whatever the bytes and the number of values, the
// check neither panics nor hangs, and indexes it accepts are decoded by
// parquet-go without panicking into at most numValues indexes plus 8 per
// byte of the page (a run may end past the last value, by 7 indexes or by
// the 8 per byte it holds): never the 2^31 a run header alone may claim.
func FuzzCheckDictIndexes(f *testing.F) {
	idx := []int32{0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 7, 1, 0}
	enc, err := parquet.RLEDictionary.EncodeInt32(nil, idx)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc, uint16(len(idx)))
	f.Add(enc, uint16(3))
	f.Add([]byte{1, 0x80, 0x80, 0x80, 0x80, 0x10, 1}, uint16(8))
	f.Fuzz(func(t *testing.T, data []byte, numValues uint16) {
		if CheckDictIndexes(data, int64(numValues)) != nil {
			return
		}
		out, _ := parquet.RLEDictionary.DecodeInt32(nil, data)
		if limit := int(numValues) + max(7, 8*len(data)); len(out) > limit {
			t.Fatalf("accepted for %d values, parquet-go decodes %d indexes from %d bytes", numValues, len(out), len(data))
		}
	})
}
