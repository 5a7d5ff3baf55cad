package tableio

// The reference reader: a second decoder of column chunks, written from the
// Parquet specification and independent of parquet-go's page reader, so that
// the check of a rewrite (VerifyParquetRewrite) does not trust the decoder
// whose output it checks. It walks the page headers, checks each page's CRC
// when it has one, decompresses the page with its own code (SNAPPY, LZ4_RAW:
// package pagecodec) or another library than parquet-go's (GZIP: the
// standard library's), and decodes levels and values with its own code
// (pagecodec, and parquet_ref_values.go): PLAIN, the dictionary encodings,
// RLE and BIT_PACKED, BYTE_STREAM_SPLIT and the three DELTA encodings. Only
// ZSTD and BROTLI are decompressed by the libraries that parquet-go also uses
// (klauspost/compress/zstd and andybalholm/brotli), with the reader's own
// buffers; an encoding outside the specification that parquet-go reads is
// decoded by parquet-go's encoding package, and the chunk is then marked as
// not independently decoded (refReader.ownAll).
//
// Values come out in statistics form (PLAIN without length prefixes, a
// BOOLEAN as one byte 0 or 1), so that the values of two files compare as
// bytes, and their min and max as statistics (parquetStatsAcc.addRaw).

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/andybalholm/brotli"
	"github.com/fairflip/fairflip/io/internal/pagecodec"
	"github.com/klauspost/compress/zstd"
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
	own      bool // decoded by the reference reader's own decoders
}

// refReader reads the data pages of one column chunk.
type refReader struct {
	r        io.ReaderAt
	l        *parquetLeaf
	codec    format.CompressionCodec
	off, end int64
	maxPage  int64 // bound on a page's declared sizes
	maxVals  int64 // bound on a page's values
	ownAll   bool  // every page so far decoded by the reference reader's own decoders
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
		r: p.r, l: p.leaves[col], codec: m.Codec, maxPage: p.maxPageBytes, maxVals: p.seams.pageValues(), ownAll: true, bufs: bufs,
		window: r.window, body: r.body, plain: r.plain, dictData: r.dictData, vbuf: r.vbuf, vbuf2: r.vbuf2,
		levels: r.levels, offs: r.offs, offs2: r.offs2, dictOffs: r.dictOffs, ints: r.ints, idx: r.idx,
	}
	r.off, r.end = chunkBounds(m)
}

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
		n, err = pagecodec.SnappyDecode(r.plain, data)
		out = r.plain[:n]
	case format.Lz4Raw:
		var n int
		n, err = pagecodec.LZ4Decode(r.plain, data)
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

func (r *refReader) readDict(uncomp int64) error {
	d := &r.page.header.DictionaryPageHeader.V
	if d.Encoding != format.Plain && d.Encoding != format.PlainDictionary {
		return fmt.Errorf("unsupported dictionary encoding %s", d.Encoding)
	}
	if d.NumValues < 0 || int64(d.NumValues) > r.maxVals {
		return pagecodec.ErrCorrupt
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
			return pagecodec.ErrCorrupt
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
		return pagecodec.ErrCorrupt
	}
	// Levels.
	r.levels = grow(r.levels, 2*pg.n)
	var err error
	if l.maxRep > 0 {
		pg.rep = r.levels[:pg.n]
		if data, err = pagecodec.DecodeLevels(pg.rep, data, repData, h.Type == format.DataPage, repEnc, l.maxRep); err != nil {
			return fmt.Errorf("repetition levels: %w", err)
		}
	}
	nn := pg.n
	if l.maxDef > 0 {
		pg.def = r.levels[pg.n : 2*pg.n]
		if data, err = pagecodec.DecodeLevels(pg.def, data, defData, h.Type == format.DataPage, defEnc, l.maxDef); err != nil {
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

// grow returns b with length n, reallocated if its capacity is smaller.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}
