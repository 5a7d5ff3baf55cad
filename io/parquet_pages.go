package tableio

// Page validation: every column chunk's page headers are walked and checked
// before parquet-go reads them (checkChunkPages), and every page parquet-go
// decodes is checked before its values are used (pageguard.CheckDecodedPage).

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"

	"github.com/fairflip/fairflip/io/internal/pageguard"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// checkedRowGroup is a row group whose pages are checked by
// pageguard.CheckDecodedPage as parquet-go reads them, before their values
// are used.
type checkedRowGroup struct {
	parquet.RowGroup
	chunks []parquet.ColumnChunk
}

func (p *ParquetFile) checkedRowGroup(g int) *checkedRowGroup {
	rg := p.f.RowGroups()[g]
	chunks := rg.ColumnChunks()
	c := &checkedRowGroup{RowGroup: rg, chunks: make([]parquet.ColumnChunk, len(chunks))}
	for i, ch := range chunks {
		c.chunks[i] = &checkedChunk{ColumnChunk: ch, p: p, g: g, leaf: p.leaves[i]}
	}
	return c
}

func (g *checkedRowGroup) ColumnChunks() []parquet.ColumnChunk { return g.chunks }
func (g *checkedRowGroup) Rows() parquet.Rows                  { return parquet.NewRowGroupRowReader(g) }

type checkedChunk struct {
	parquet.ColumnChunk
	p    *ParquetFile
	g    int
	leaf *parquetLeaf
}

func (c *checkedChunk) Pages() parquet.Pages {
	return &checkedPages{Pages: c.ColumnChunk.Pages(), c: c}
}

type checkedPages struct {
	parquet.Pages
	c *checkedChunk
}

func (cp *checkedPages) ReadPage() (parquet.Page, error) {
	page, err := cp.Pages.ReadPage()
	if err != nil {
		return page, err
	}
	if err := pageguard.CheckDecodedPage(page, cp.c.leaf.guard()); err != nil {
		parquet.Release(page)
		return nil, cp.c.p.errorf(cp.c.leaf.index, cp.c.g, "corrupt page (%v)", err)
	}
	if h := cp.c.p.pageHook; h != nil {
		h(cp.c.g, cp.c.leaf.index, page)
	}
	return page, nil
}

// parquetChunkCheck is what checkChunk learnt about a column chunk.
type parquetChunkCheck struct {
	once         sync.Once
	err          error
	dict         bool            // it has a dictionary page
	hasData      bool            // it has a data page
	dataEncoding format.Encoding // encoding of its first data page
	pageVersion  int             // 1 or 2: the type of its first data page (0: none)
	pages        []pageSpan      // its pages, in order
}

// pageSpan is a page of a column chunk as the page walk found it.
type pageSpan struct {
	offset, size int64 // of its header; header and body
	values       int64 // values, nulls included
	data         bool  // a data page (else the dictionary page)
}

// chunkCheck returns the result of checkChunk, running it if needed; chunks
// are walked concurrently, each once.
func (p *ParquetFile) chunkCheck(g, col int) *parquetChunkCheck {
	p.mu.Lock()
	key := [2]int{g, col}
	ck, ok := p.checks[key]
	if !ok {
		ck = &parquetChunkCheck{}
		p.checks[key] = ck
	}
	p.mu.Unlock()
	ck.once.Do(func() {
		// A panic in the walk leaves this error, not a chunk that passed.
		ck.err = p.errorf(col, g, "corrupt file: its pages could not be checked")
		p.checkChunkPages(g, col, ck)
	})
	return ck
}

func (p *ParquetFile) checkChunk(g, col int) error { return p.chunkCheck(g, col).err }

// CheckRows walks the page headers of leaf column col in every row group
// (without decoding values) and reports an error unless their values add up
// to the rows each row group claims: after it, NumRows can be trusted for
// sizing memory. The checks are cached, so a later scan does not repeat
// them.
func (p *ParquetFile) CheckRows(col int) (err error) {
	defer func() {
		if !p.seams.recover() {
			return
		}
		if r := recover(); r != nil {
			recoverParquet(r, p.name, p.leafName(col), -1, &err)
		}
	}()
	if col < 0 || col >= len(p.cols) {
		return fmt.Errorf("%s: no column %d", p.name, col)
	}
	for g := range p.rgSizes {
		if err := p.checkChunk(g, col); err != nil {
			return err
		}
	}
	return nil
}

// checkChunkPages walks the pages of a column chunk before parquet-go reads
// them: every page header must decode, fit in the chunk and declare sizes and
// counts within limits and consistent with each other, use encodings
// parquet-go can decode, and its compressed bytes must not declare more
// uncompressed bytes than the header (parquet-go allocates what they say, and
// loops forever on some corrupt LZ4 data). The pages of a flat column must hold
// exactly one value per row.
func (p *ParquetFile) checkChunkPages(g, col int, ck *parquetChunkCheck) {
	w := chunkWalk{p: p, g: g, col: col, l: p.leaves[col], m: &p.meta.RowGroups[g].Columns[col].MetaData, ck: ck}
	start, end := chunkBounds(w.m)
	for off := start; off < end; w.pages++ {
		size, err := w.checkPage(off, end)
		if err != nil {
			w.ck.err = err
			return
		}
		off += size
	}
	w.ck.err = nil
	if w.l.flat && w.values != p.meta.RowGroups[g].NumRows {
		w.ck.err = w.fail("corrupt file: the pages hold %d values but the row group has %d rows", w.values, p.meta.RowGroups[g].NumRows)
	}
}

// chunkWalk is the walk of checkChunkPages through a column chunk's pages.
type chunkWalk struct {
	p      *ParquetFile
	g, col int
	l      *parquetLeaf
	m      *format.ColumnMetaData
	ck     *parquetChunkCheck // what the walk learns
	pages  int                // pages before the current one
	values int64              // values (nulls included) of those pages

	window, body, scratch []byte // buffers for the headers, the bodies and their decompression
}

// fail is the error of the chunk, for a message.
func (w *chunkWalk) fail(format string, args ...any) error {
	return w.p.errorf(w.col, w.g, format, args...)
}

// pageShape is what a page header says about its body.
type pageShape struct {
	levels     int64 // bytes of levels before the compressed data (v2 pages)
	compressed bool
	numValues  int64 // values, nulls included (0 for a dictionary page)
}

// checkPage checks the page at off, in a chunk that ends at end: its header
// (checkHeader), then its body (checkBody). It returns the page's size.
func (w *chunkWalk) checkPage(off, end int64) (int64, error) {
	var h format.PageHeader
	hlen, err := readPageHeader(w.p.r, off, end, &w.window, &h)
	if err != nil {
		return 0, w.fail("%v", err)
	}
	comp, uncomp := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
	if comp < 0 || uncomp < 0 || comp > w.p.maxPageBytes || uncomp > w.p.maxPageBytes {
		return 0, w.fail("corrupt or unsupported page at offset %d (compressed size %d, uncompressed size %d; the limit is %d, --max-page-bytes)", off, comp, uncomp, w.p.maxPageBytes)
	}
	if comp > end-off-int64(hlen) {
		return 0, w.fail("truncated or corrupt page at offset %d (%d bytes do not fit in the column chunk)", off, comp)
	}
	shape, err := w.checkHeader(&h, off, comp, uncomp)
	if err != nil {
		return 0, err
	}
	if shape.numValues < 0 || shape.numValues > w.p.seams.pageValues() {
		return 0, w.fail("corrupt or unsupported page at offset %d (%d values)", off, shape.numValues)
	}
	w.values += shape.numValues
	if err := w.checkBody(&h, off, int64(hlen), comp, uncomp, shape); err != nil {
		return 0, err
	}
	w.ck.pages = append(w.ck.pages, pageSpan{offset: off, size: int64(hlen) + comp, values: shape.numValues, data: h.Type != format.DictionaryPage})
	return int64(hlen) + comp, nil
}

// checkHeader checks a page header by its type: a dictionary page first in the
// chunk, data pages with counts that agree and encodings parquet-go can
// decode for the column. It records the chunk's dictionary and first data
// page in w.ck.
func (w *chunkWalk) checkHeader(h *format.PageHeader, off, comp, uncomp int64) (pageShape, error) {
	l, ck := w.l, w.ck
	shape := pageShape{compressed: true}
	switch h.Type {
	case format.DictionaryPage:
		if !h.DictionaryPageHeader.Valid {
			return shape, w.fail("corrupt dictionary page at offset %d (no header)", off)
		}
		if w.pages != 0 || ck.dict {
			return shape, w.fail("unsupported file: a dictionary page that is not the first page of the column chunk (offset %d)", off)
		}
		d := &h.DictionaryPageHeader.V
		if int64(d.NumValues) < 0 || int64(d.NumValues) > w.p.seams.pageValues() {
			return shape, w.fail("corrupt or unsupported dictionary page at offset %d (%d values)", off, d.NumValues)
		}
		if d.Encoding != format.Plain && d.Encoding != format.PlainDictionary {
			return shape, w.fail("unsupported dictionary page encoding %s", d.Encoding)
		}
		if l.conv == convNull {
			return shape, w.fail("unsupported file: a dictionary page in a column of NULL type")
		}
		ck.dict = true
	case format.DataPage:
		if !h.DataPageHeader.Valid {
			return shape, w.fail("corrupt data page at offset %d (no header)", off)
		}
		d := &h.DataPageHeader.V
		shape.numValues = int64(d.NumValues)
		if err := pageguard.CheckPageEncoding(d.Encoding, l.guard(), ck.dict); err != nil {
			return shape, w.fail("page at offset %d: %v", off, err)
		}
		if (l.maxRep > 0 && !pageguard.LevelEncodingOK(d.RepetitionLevelEncoding)) || (l.maxDef > 0 && !pageguard.LevelEncodingOK(d.DefinitionLevelEncoding)) {
			return shape, w.fail("unsupported level encoding in the page at offset %d", off)
		}
		if !ck.hasData {
			ck.hasData, ck.dataEncoding, ck.pageVersion = true, d.Encoding, 1
		}
	case format.DataPageV2:
		if !h.DataPageHeaderV2.Valid {
			return shape, w.fail("corrupt data page at offset %d (no header)", off)
		}
		d := &h.DataPageHeaderV2.V
		shape.numValues = int64(d.NumValues)
		if d.NumNulls < 0 || d.NumNulls > d.NumValues || d.NumRows < 0 || d.NumRows > d.NumValues ||
			d.RepetitionLevelsByteLength < 0 || d.DefinitionLevelsByteLength < 0 {
			return shape, w.fail("corrupt data page at offset %d (invalid counts)", off)
		}
		// A v2 page's levels are RLE runs of their own length: a column
		// with levels and a page with values but no level bytes is corrupt
		// (parquet-go dereferences the levels it did not decode).
		if d.NumValues > 0 && ((l.maxRep > 0 && d.RepetitionLevelsByteLength == 0) || (l.maxDef > 0 && d.DefinitionLevelsByteLength == 0)) {
			return shape, w.fail("corrupt data page at offset %d (%d values but no repetition or definition levels)", off, d.NumValues)
		}
		shape.levels = int64(d.RepetitionLevelsByteLength) + int64(d.DefinitionLevelsByteLength)
		if shape.levels > comp || shape.levels > uncomp {
			return shape, w.fail("corrupt data page at offset %d (levels larger than the page)", off)
		}
		if err := pageguard.CheckPageEncoding(d.Encoding, l.guard(), ck.dict); err != nil {
			return shape, w.fail("page at offset %d: %v", off, err)
		}
		if d.IsCompressed.Valid && !d.IsCompressed.V {
			shape.compressed = false
		}
		if !ck.hasData {
			ck.hasData, ck.dataEncoding, ck.pageVersion = true, d.Encoding, 2
		}
	default:
		return shape, w.fail("unsupported page type %s at offset %d", h.Type, off)
	}
	return shape, nil
}

// checkBody checks the body of the page at off (its header hlen bytes long): its
// compressed bytes against the uncompressed size the header declares
// (pageguard.CheckCompressedPage), and the dictionary indexes of a data page
// that holds some (pageguard.CheckDictIndexes).
func (w *chunkWalk) checkBody(h *format.PageHeader, off, hlen, comp, uncomp int64, shape pageShape) error {
	codec := w.m.Codec
	decompress := shape.compressed && codec != format.Uncompressed
	dictIndexes := h.Type != format.DictionaryPage && pageguard.IsDictIndexEncoding(*h)
	if !decompress && !dictIndexes && h.CRC == 0 {
		return nil
	}
	if int64(cap(w.body)) < comp {
		w.body = make([]byte, comp)
	}
	w.body = w.body[:comp]
	if err := readFullAt(w.p.r, w.body, off+hlen); err != nil {
		return w.fail("reading the page at offset %d: %v", off, err)
	}
	if h.CRC != 0 {
		// A chunk that the rewrite copies is not decoded: its checksums
		// are checked here.
		if got := crc32.ChecksumIEEE(w.body); got != uint32(h.CRC) {
			return w.fail("corrupt page at offset %d (crc32 checksum mismatch: %08x, the header says %08x)", off, got, uint32(h.CRC))
		}
	}
	levels := shape.levels
	if decompress {
		if err := pageguard.CheckCompressedPage(codec, w.body[levels:], uncomp-levels); err != nil {
			return w.fail("corrupt %s page at offset %d (%v)", codec, off, err)
		}
	}
	if !dictIndexes {
		return nil
	}
	// parquet-go decodes dictionary indexes without checking their runs
	// against the page (rle.decodeInt32 slices past its input, or allocates
	// 4 bytes for each of the 2^31 values a run may claim): check them here,
	// on the page decompressed.
	data := w.body[levels:]
	if decompress {
		var err error
		if w.scratch, err = pageguard.Decompress(codec, data, uncomp-levels, w.scratch); err != nil {
			return w.fail("corrupt %s page at offset %d (%v)", codec, off, err)
		}
		data = w.scratch
	}
	if h.Type == format.DataPage {
		var err error
		if data, err = pageguard.SkipLevelsV1(data, w.l.guard()); err != nil {
			return w.fail("corrupt data page at offset %d (%v)", off, err)
		}
	}
	if err := pageguard.CheckDictIndexes(data, shape.numValues); err != nil {
		return w.fail("corrupt data page at offset %d (%v)", off, err)
	}
	return nil
}

// chunkBounds returns the byte range of a column chunk's pages.
func chunkBounds(m *format.ColumnMetaData) (start, end int64) {
	start = m.DataPageOffset
	if m.DictionaryPageOffset != 0 {
		start = m.DictionaryPageOffset
	}
	return start, start + m.TotalCompressedSize
}

// readPageHeader reads and decodes the page header at off, in a column chunk
// that ends at end, with a window (kept for the next call) that grows until
// it holds the header; it returns the header's length.
func readPageHeader(r io.ReaderAt, off, end int64, window *[]byte, h *format.PageHeader) (int, error) {
	size := min(end-off, 1024)
	for {
		if int64(cap(*window)) < size {
			*window = make([]byte, size)
		}
		w := (*window)[:size]
		if err := readFullAt(r, w, off); err != nil {
			return 0, fmt.Errorf("reading a page header at offset %d: %v", off, err)
		}
		n, err := pageguard.ThriftCheck(w)
		if err == nil {
			*h = format.PageHeader{}
			if err := thrift.Unmarshal(&thrift.CompactProtocol{}, w[:n], h); err != nil {
				return 0, fmt.Errorf("corrupt page header at offset %d (%v)", off, err)
			}
			return n, nil
		}
		if errors.Is(err, pageguard.ErrThriftEOF) && size < end-off && size < 64<<20 {
			size = min(end-off, size*8)
			continue
		}
		return 0, fmt.Errorf("corrupt page header at offset %d (%v)", off, err)
	}
}
