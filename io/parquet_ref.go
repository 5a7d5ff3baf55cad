package tableio

// The reference reader: a second decoder of column chunks, written from the
// Parquet specification and independent of parquet-go's page reader, so that
// the check of a rewrite (VerifyParquetRewrite) does not trust the decoder
// whose output it checks. It walks the page headers, checks each page's CRC
// when it has one, decompresses the page with its own code (SNAPPY, LZ4_RAW)
// or another library than parquet-go's (GZIP: the standard library's), and
// decodes levels and values with its own code: PLAIN, the dictionary
// encodings, RLE and BIT_PACKED, BYTE_STREAM_SPLIT and the three DELTA
// encodings. Only ZSTD and BROTLI are decompressed by the libraries that
// parquet-go also uses (klauspost/compress/zstd and andybalholm/brotli),
// with this file's own buffers; an encoding outside the specification that
// parquet-go reads is decoded by parquet-go's encoding package, and the chunk
// is then marked as not independently decoded (refReader.ownAll).
//
// Values come out in statistics form (PLAIN without length prefixes, a
// BOOLEAN as one byte 0 or 1), so that the values of two files compare as
// bytes, and their min and max as statistics (parquetStatsAcc.addRaw).

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// refValues are the non-null values of a page (or a dictionary).
type refValues struct {
	n    int
	size int      // bytes per value for fixed-size kinds (0: byte arrays)
	data []byte   // fixed size: n*size bytes; byte arrays: the values one after another
	offs []uint32 // byte arrays: value i is data[offs[i]:offs[i+1]]
	idx  []int32  // dictionary-encoded: value i is dict's value idx[i]
	dict *refValues
}

// at returns value i in statistics form.
func (v *refValues) at(i int) []byte {
	if v.idx != nil {
		return v.dict.at(int(v.idx[i]))
	}
	if v.size > 0 {
		return v.data[i*v.size : (i+1)*v.size]
	}
	return v.data[v.offs[i]:v.offs[i+1]]
}

// refPage is a data page decoded by the reference reader.
type refPage struct {
	header   format.PageHeader
	offset   int64 // of the header
	size     int64 // header and body
	n        int   // values, nulls included
	def, rep []byte
	vals     refValues
	encoding format.Encoding
	own      bool // decoded by this file's own decoders
}

// refReader reads the data pages of one column chunk.
type refReader struct {
	r        io.ReaderAt
	l        *parquetLeaf
	codec    format.CompressionCodec
	off, end int64
	maxPage  int64 // bound on a page's declared sizes
	ownAll   bool  // every page so far decoded by this file's own decoders
	pages    int   // data pages read

	dict                  refValues
	hasDict               bool
	page                  refPage
	window, body, plain   []byte
	dictData, vbuf, vbuf2 []byte
	levels                []byte
	offs, offs2, dictOffs []uint32
	ints                  []int64
	idx                   []int32

	bufs *refBuffers
}

// refBuffers are decompressors kept across chunks by one goroutine.
type refBuffers struct {
	zstd *zstd.Decoder
	gzip *gzip.Reader
}

func (b *refBuffers) close() {
	if b.zstd != nil {
		b.zstd.Close()
	}
}

// reset prepares r to read chunk (g, col) of file p.
func (r *refReader) reset(p *ParquetFile, g, col int, bufs *refBuffers) {
	m := &p.meta.RowGroups[g].Columns[col].MetaData
	*r = refReader{
		r: p.r, l: p.leaves[col], codec: m.Codec, maxPage: p.maxPageBytes, ownAll: true, bufs: bufs,
		window: r.window, body: r.body, plain: r.plain, dictData: r.dictData, vbuf: r.vbuf, vbuf2: r.vbuf2,
		levels: r.levels, offs: r.offs, offs2: r.offs2, dictOffs: r.dictOffs, ints: r.ints, idx: r.idx,
	}
	r.off, r.end = chunkBounds(m)
}

var errRefCorrupt = errors.New("corrupt page")

// next reads the next data page into r.page; it returns false after the
// last one. Errors name the page by its offset.
func (r *refReader) next() (bool, error) {
	for r.off < r.end {
		h := &r.page.header
		hlen, err := readPageHeader(r.r, r.off, r.end, &r.window, h)
		if err != nil {
			return false, err
		}
		at := r.off
		comp, uncomp := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
		if comp < 0 || uncomp < 0 || comp > r.maxPage || uncomp > r.maxPage || comp > r.end-at-int64(hlen) {
			return false, fmt.Errorf("page at offset %d: invalid sizes (compressed %d, uncompressed %d)", at, comp, uncomp)
		}
		r.body = grow(r.body, int(comp))
		if err := readFullAt(r.r, r.body, at+int64(hlen)); err != nil {
			return false, fmt.Errorf("reading the page at offset %d: %v", at, err)
		}
		r.off = at + int64(hlen) + comp
		if h.CRC != 0 {
			if got := crc32.ChecksumIEEE(r.body); got != uint32(h.CRC) {
				return false, fmt.Errorf("page at offset %d: its checksum is %08x, its header says %08x (the page is corrupt)", at, got, uint32(h.CRC))
			}
		}
		r.page.offset, r.page.size = at, int64(hlen)+comp
		switch h.Type {
		case format.DictionaryPage:
			if !h.DictionaryPageHeader.Valid {
				return false, fmt.Errorf("page at offset %d: dictionary page without its header", at)
			}
			if err := r.readDict(uncomp); err != nil {
				return false, fmt.Errorf("dictionary page at offset %d: %w", at, err)
			}
		case format.DataPage, format.DataPageV2:
			if err := r.readData(uncomp); err != nil {
				return false, fmt.Errorf("page at offset %d (%s): %w", at, r.page.encoding, err)
			}
			r.pages++
			return true, nil
		default:
			return false, fmt.Errorf("page at offset %d: unsupported page type %s", at, h.Type)
		}
	}
	return false, nil
}

// decompress decompresses data, which must give exactly size bytes (in
// r.plain, or data itself when it is not compressed).
func (r *refReader) decompress(data []byte, size int64) ([]byte, error) {
	if r.codec == format.Uncompressed {
		if int64(len(data)) != size {
			return nil, fmt.Errorf("%d bytes, the header says %d", len(data), size)
		}
		return data, nil
	}
	r.plain = grow(r.plain, int(size))
	out := r.plain
	var err error
	switch r.codec {
	case format.Snappy:
		var n int
		n, err = snappyDecode(r.plain, data)
		out = r.plain[:n]
	case format.Lz4Raw:
		var n int
		n, err = lz4Decode(r.plain, data)
		out = r.plain[:n]
	case format.Gzip:
		if r.bufs.gzip == nil {
			r.bufs.gzip, err = gzip.NewReader(bytes.NewReader(data))
		} else {
			err = r.bufs.gzip.Reset(bytes.NewReader(data))
		}
		if err == nil {
			out, err = readAllInto(r.bufs.gzip, r.plain)
		}
	case format.Brotli:
		out, err = readAllInto(brotli.NewReader(bytes.NewReader(data)), r.plain)
	case format.Zstd:
		if r.bufs.zstd == nil {
			r.bufs.zstd, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(max(r.maxPage, 1<<20))))
		}
		if err == nil {
			out, err = r.bufs.zstd.DecodeAll(data, r.plain[:0])
		}
	default:
		return nil, fmt.Errorf("unsupported codec %s", r.codec)
	}
	if err != nil {
		return nil, fmt.Errorf("%s data: %v", r.codec, err)
	}
	if int64(len(out)) != size {
		return nil, fmt.Errorf("%s data decompresses to %d bytes, not the %d bytes its header declares", r.codec, len(out), size)
	}
	return out, nil
}

// readAllInto reads rd to its end into dst; it returns what it read, one
// byte longer than dst if rd holds more. Reading to the end checks a gzip
// stream's trailer.
func readAllInto(rd io.Reader, dst []byte) ([]byte, error) {
	n, err := io.ReadFull(rd, dst)
	switch err {
	case io.ErrUnexpectedEOF, io.EOF:
		return dst[:n], nil
	case nil:
	default:
		return nil, err
	}
	var one [1]byte
	switch m, err := io.ReadFull(rd, one[:]); {
	case m > 0:
		return append(dst[:n:n], one[0]), nil
	case err != io.EOF:
		return nil, err
	}
	return dst, nil
}

func (r *refReader) readDict(uncomp int64) error {
	d := &r.page.header.DictionaryPageHeader.V
	if d.Encoding != format.Plain && d.Encoding != format.PlainDictionary {
		return fmt.Errorf("unsupported dictionary encoding %s", d.Encoding)
	}
	if d.NumValues < 0 || int64(d.NumValues) > parquetMaxPageValues {
		return errRefCorrupt
	}
	data, err := r.decompress(r.body, uncomp)
	if err != nil {
		return err
	}
	var v refValues
	if err := r.decodePlain(&v, data, int(d.NumValues)); err != nil {
		return err
	}
	// The dictionary outlives the page: keep its values in its own buffers.
	r.dictData = append(r.dictData[:0], v.data...)
	r.dict = refValues{n: v.n, size: v.size, data: r.dictData}
	if v.size == 0 {
		r.dictOffs = append(r.dictOffs[:0], v.offs...)
		r.dict.offs = r.dictOffs
	}
	r.hasDict = true
	return nil
}

func (r *refReader) readData(uncomp int64) error {
	h := &r.page.header
	l := r.l
	pg := &r.page
	pg.def, pg.rep, pg.own = nil, nil, true
	var data []byte
	var nNulls int64 = -1
	defEnc, repEnc := format.RLE, format.RLE
	var defData, repData []byte // v2: the level sections
	if h.Type == format.DataPage {
		if !h.DataPageHeader.Valid {
			return errors.New("data page without its header")
		}
		d := &h.DataPageHeader.V
		pg.n, pg.encoding = int(d.NumValues), d.Encoding
		defEnc, repEnc = d.DefinitionLevelEncoding, d.RepetitionLevelEncoding
		var err error
		if data, err = r.decompress(r.body, uncomp); err != nil {
			return err
		}
	} else {
		if !h.DataPageHeaderV2.Valid {
			return errors.New("data page without its header")
		}
		d := &h.DataPageHeaderV2.V
		pg.n, pg.encoding, nNulls = int(d.NumValues), d.Encoding, int64(d.NumNulls)
		rl, dl := int64(d.RepetitionLevelsByteLength), int64(d.DefinitionLevelsByteLength)
		if rl < 0 || dl < 0 || rl+dl > int64(len(r.body)) || rl+dl > uncomp {
			return errRefCorrupt
		}
		repData, defData = r.body[:rl], r.body[rl:rl+dl]
		values := r.body[rl+dl:]
		if d.IsCompressed.Valid && !d.IsCompressed.V || r.codec == format.Uncompressed {
			if int64(len(values)) != uncomp-rl-dl {
				return fmt.Errorf("%d bytes of values, the header says %d", len(values), uncomp-rl-dl)
			}
			data = values
		} else {
			var err error
			if data, err = r.decompress(values, uncomp-rl-dl); err != nil {
				return err
			}
		}
	}
	if pg.n < 0 {
		return errRefCorrupt
	}
	// Levels.
	r.levels = grow(r.levels, 2*pg.n)
	var err error
	if l.maxRep > 0 {
		pg.rep = r.levels[:pg.n]
		if data, err = decodeLevels(pg.rep, data, repData, h.Type == format.DataPage, repEnc, l.maxRep); err != nil {
			return fmt.Errorf("repetition levels: %w", err)
		}
	}
	nn := pg.n
	if l.maxDef > 0 {
		pg.def = r.levels[pg.n : 2*pg.n]
		if data, err = decodeLevels(pg.def, data, defData, h.Type == format.DataPage, defEnc, l.maxDef); err != nil {
			return fmt.Errorf("definition levels: %w", err)
		}
		nn = 0
		for _, d := range pg.def {
			if int(d) == l.maxDef {
				nn++
			}
		}
	}
	if nNulls >= 0 && nNulls != int64(pg.n-nn) {
		return fmt.Errorf("%d nulls, the header says %d", pg.n-nn, nNulls)
	}
	return r.decodeValues(&pg.vals, data, nn, pg.encoding)
}

// decodeLevels decodes len(dst) levels: from data (v1 pages: they come
// first, and the rest of data is returned) or from section (v2).
func decodeLevels(dst, data, section []byte, v1 bool, enc format.Encoding, maxLevel int) ([]byte, error) {
	width := uint(bits.Len(uint(maxLevel)))
	src := section
	if v1 {
		switch enc {
		case format.RLE:
			if len(data) < 4 {
				return nil, errRefCorrupt
			}
			n := binary.LittleEndian.Uint32(data)
			if uint64(n) > uint64(len(data)-4) {
				return nil, errRefCorrupt
			}
			src, data = data[4:4+n], data[4+n:]
		case format.BitPacked:
			n := (len(dst)*int(width) + 7) / 8
			if n > len(data) {
				return nil, errRefCorrupt
			}
			src, data = data[:n], data[n:]
		default:
			return nil, fmt.Errorf("unsupported level encoding %s", enc)
		}
	}
	var err error
	if v1 && enc == format.BitPacked {
		err = decodeBitPackedMSB(dst, src, width)
	} else {
		err = decodeHybrid(dst, src, width)
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
			return errRefCorrupt
		}
		r.idx = grow(r.idx, n)
		v.idx = r.idx
		if err := decodeHybrid(v.idx, data[1:], uint(data[0])); err != nil {
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
			return errRefCorrupt
		}
		r.vbuf = grow(r.vbuf, n)
		v.data = r.vbuf
		return decodeHybrid(v.data, data[4:4+binary.LittleEndian.Uint32(data)], 1)
	case format.ByteStreamSplit:
		if v.size == 0 {
			break
		}
		if len(data) < n*v.size {
			return errRefCorrupt
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
		ints, _, err := decodeDeltaBinaryPacked(r.ints[:0], data, n)
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
				return errRefCorrupt
			}
			k := binary.LittleEndian.Uint32(data)
			if uint64(k) > uint64(len(data)-4) {
				return errRefCorrupt
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
	lens, used, err := decodeDeltaBinaryPacked(r.ints[:0], data, n)
	r.ints = lens
	if err != nil {
		return err
	}
	data = data[used:]
	r.vbuf, r.offs = r.vbuf[:0], append(r.offs[:0], 0)
	for _, k := range lens {
		if k < 0 || k > int64(len(data)) {
			return errRefCorrupt
		}
		r.vbuf = append(r.vbuf, data[:k]...)
		r.offs = append(r.offs, uint32(len(r.vbuf)))
		data = data[k:]
	}
	v.data, v.offs, v.size = r.vbuf, r.offs, 0
	return nil
}

func (r *refReader) decodeDeltaByteArray(v *refValues, data []byte, n int) error {
	prefixes, used, err := decodeDeltaBinaryPacked(nil, data, n)
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
			return errRefCorrupt
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

// decodeByParquetGo decodes an encoding this file does not implement with
// parquet-go's encoding package (on this reader's decompressed bytes).
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
				return errRefCorrupt
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
				return errRefCorrupt
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

// ---------------------------------------------------------------------------
// Decoders.

// grow returns b with length n, reallocated if its capacity is smaller.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
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

// decodeHybrid decodes len(dst) values of the RLE/bit-packed hybrid encoding
// of the given bit width (at most 32) from src. Runs that go past len(dst)
// are cut; src running out first is an error.
func decodeHybrid[T uint8 | int32](dst []T, src []byte, width uint) error {
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

// decodeBitPackedMSB decodes the deprecated BIT_PACKED level encoding:
// len(dst) values packed from the most significant bit.
func decodeBitPackedMSB(dst []byte, src []byte, width uint) error {
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

// decodeDeltaBinaryPacked decodes the first n values of DELTA_BINARY_PACKED
// data (in 64-bit arithmetic that wraps, as the format requires) appended to
// dst; it returns them and the length of the data (all its values).
func decodeDeltaBinaryPacked(dst []int64, src []byte, n int) ([]int64, int, error) {
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

// snappyDecode decodes snappy data (a block, not the framing format) into
// dst, which must be large enough; with dst nil, it only walks the data. The
// data is its length, then literals and copies (each from within what came
// before) that must add up to that length, which it returns.
func snappyDecode(dst, src []byte) (int, error) {
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

// lz4Decode decodes an LZ4 block (LZ4_RAW) into dst; it returns the length
// decoded, an error if dst is too small.
func lz4Decode(dst, src []byte) (int, error) {
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
