package tableio

// The splice rewrite: the column chunks that the rewrite does not change are
// copied from the input as bytes (their pages verbatim), and only the chunks
// that change are encoded: a chunk of a column with changed cells in that
// row group, and the appended column (a dropped column is left out). Those
// are written by the column-wise rewrite (parquet_rewrite_columns.go), with
// the output schema, statistics and page index rules of the other paths,
// into a file in memory that holds only them (encodeChanged: memory for
// those columns' compressed chunks, the label and the audit column); their bytes
// and metadata are then taken from it. The footer is the input's, with the
// schema, key/value metadata, row groups, column orders and page index of
// the output.
//
// A copied chunk keeps everything its ColumnMetaData says (codec, encodings,
// value counts, sizes, statistics, size statistics, encoding stats), with its
// page offsets shifted to where it now lies; its column index is the input's
// bytes, and its offset index the input's page locations shifted, kept only
// when they list the pages that the page walk (checkChunkPages) found at
// their places, else both indexes are dropped. This is faithful: the chunk's
// values are those of the same bytes, so what its metadata said of them
// stays true (or stays as the input had it). Bloom filters are not written,
// as in the other paths.
//
// VerifyParquetRewrite checks a copied chunk by its bytes and metadata
// (parquet_splice_verify.go) and the encoded chunks value by value.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/fairflip/fairflip/io/internal/pageguard"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// spliceable reports whether the rewrite can splice. It cannot when the
// tests force the row-wise or the encoding path (seams), or when the
// footer's column orders do not list one order per leaf (the output's could
// not be made from them). Encrypted files and chunks in other files are
// refused when the file is opened, and a changed or dropped column must be
// a flat top-level one (plan), so the splice applies to every other file,
// nested and repeated columns included (they are copied).
func (x *parquetRewriter) spliceable() bool {
	p := x.p
	if p.seams.byRows || p.seams.noSplice {
		return false
	}
	if n := len(p.meta.ColumnOrders); n != 0 && n != len(p.leaves) {
		return false
	}
	return true
}

// splicedChunk is an output column chunk: where its bytes come from, and
// its metadata as it will be written.
type splicedChunk struct {
	cc       format.ColumnChunk // the source's, offsets shifted (indexes set later)
	copied   bool               // from the input (else from the encoded file)
	srcStart int64              // offset of its first page in its source
	shift    int64              // its offset in the output minus srcStart
	idx      format.ColumnChunk // the source's chunk, for its page index
	g, s     int                // a copied chunk's input row group and leaf
}

// runSplice writes the output by splicing (see the file comment).
func (x *parquetRewriter) runSplice(w io.Writer, rw ParquetRewrite) error {
	p := x.p
	setsOf := x.setsByColumn()
	changed := make([]bool, len(p.leaves))
	anyChanged := false
	for c, s := range setsOf {
		changed[c] = len(s) > 0
		anyChanged = anyChanged || changed[c]
	}
	var enc []byte
	var em *format.FileMetaData
	if anyChanged || x.append {
		var err error
		if enc, em, err = x.encodeChanged(rw, changed); err != nil {
			return err
		}
	}
	// The column of the encoded file of each input leaf (-1: none).
	encCol := make([]int, len(p.leaves))
	k := 0
	for c := range p.leaves {
		encCol[c] = -1
		if changed[c] {
			encCol[c], k = k, k+1
		}
	}
	cw := &countWriter{w: w}
	cw.write([]byte("PAR1"))
	src := x.outputSources()
	copied := make([][]bool, len(p.meta.RowGroups))
	var groups []format.RowGroup
	var chunks [][]splicedChunk
	og := 0
	for g := range p.meta.RowGroups {
		copied[g] = make([]bool, len(p.leaves))
		if p.rgSizes[g] == 0 {
			continue // not written, as in the other paths
		}
		start, end := p.rgStarts[g], p.rgStarts[g]+p.rgSizes[g]
		rg := format.RowGroup{NumRows: p.rgSizes[g], FileOffset: cw.n, Ordinal: int16(og)}
		row := make([]splicedChunk, len(src))
		for o, s := range src {
			sc := &row[o]
			var err error
			if s >= 0 && (!changed[s] || len(rowsIn(setsOf[s], func(c *parquetCellChange) int64 { return c.row }, start, end)) == 0) {
				sc.cc, sc.copied, sc.g, sc.s = p.meta.RowGroups[g].Columns[s], true, g, s
				copied[g][s] = true
				x.rg, x.col = g, s
				err = sc.copyFrom(cw, io.NewSectionReader(p.r, 0, p.dataEnd))
			} else {
				e := len(em.RowGroups[og].Columns) - 1 // the appended column
				if s >= 0 {
					e = encCol[s]
				}
				sc.cc = em.RowGroups[og].Columns[e]
				err = sc.copyFrom(cw, bytes.NewReader(enc))
			}
			if err != nil {
				return fmt.Errorf("%s: writing: %w", p.name, err)
			}
			rg.TotalByteSize += sc.cc.MetaData.TotalUncompressedSize
			rg.TotalCompressedSize += sc.cc.MetaData.TotalCompressedSize
		}
		x.rg, x.col = -1, -1
		groups, chunks = append(groups, rg), append(chunks, row)
		og++
	}
	if err := x.splicePageIndex(cw, chunks, enc); err != nil {
		return err
	}
	md := x.spliceFooter(rw, em)
	md.RowGroups = groups
	for og := range chunks {
		md.RowGroups[og].Columns = make([]format.ColumnChunk, len(chunks[og]))
		for o := range chunks[og] {
			md.RowGroups[og].Columns[o] = chunks[og][o].cc
		}
	}
	footer, err := thrift.Marshal(&thrift.CompactProtocol{}, md)
	if err != nil {
		return fmt.Errorf("%s: encoding the footer: %w", p.name, err)
	}
	cw.write(footer)
	cw.write(binary.LittleEndian.AppendUint32(nil, uint32(len(footer))))
	cw.write([]byte("PAR1"))
	if cw.err != nil {
		return fmt.Errorf("%s: writing: %w", p.name, cw.err)
	}
	p.copied = copied
	return nil
}

// copyFrom copies the chunk's pages from r to cw, and shifts the offsets of
// its metadata to where they now lie. The page index and bloom filter
// fields are cleared (splicePageIndex sets the index).
func (sc *splicedChunk) copyFrom(cw *countWriter, r io.ReaderAt) error {
	m := &sc.cc.MetaData
	start, end := chunkBounds(m)
	sc.srcStart, sc.shift = start, cw.n-start
	sc.idx = sc.cc
	if _, err := io.Copy(cw, io.NewSectionReader(r, start, end-start)); err != nil {
		return err
	}
	if cw.err != nil {
		return cw.err
	}
	shiftChunk(&sc.cc, sc.shift)
	return nil
}

// shiftChunk moves a chunk's page offsets by d and clears its page index
// and bloom filter fields.
func shiftChunk(cc *format.ColumnChunk, d int64) {
	m := &cc.MetaData
	m.DataPageOffset += d
	if m.DictionaryPageOffset != 0 {
		m.DictionaryPageOffset += d
	}
	if m.IndexPageOffset != 0 {
		m.IndexPageOffset += d
	}
	if cc.FileOffset != 0 {
		cc.FileOffset += d
	}
	m.BloomFilterOffset, m.BloomFilterLength = 0, 0
	cc.ColumnIndexOffset, cc.ColumnIndexLength, cc.OffsetIndexOffset, cc.OffsetIndexLength = 0, 0, 0, 0
}

// encodeChanged writes the changed columns (changed, by input leaf) and the
// appended one, in every row group, to a file in memory with the
// column-wise rewrite; it returns the file and its footer.
func (x *parquetRewriter) encodeChanged(rw ParquetRewrite, changed []bool) ([]byte, *format.FileMetaData, error) {
	p := x.p
	x.only = changed
	defer func() { x.only = nil }()
	x.outCol = len(x.outputSources()) - 1
	var buf bytes.Buffer
	wr, tw, err := x.newWriter(&buf, rw)
	if err != nil {
		return nil, nil, err
	}
	p.reads = nil
	if err := x.runColumns(wr); err != nil {
		return nil, nil, err
	}
	if err := x.close(wr, tw); err != nil {
		return nil, nil, err
	}
	b := buf.Bytes()
	if len(b) < 12 {
		return nil, nil, fmt.Errorf("%s: writing: the encoded columns make no file", p.name)
	}
	n := int64(binary.LittleEndian.Uint32(b[len(b)-8:]))
	if n > int64(len(b))-12 {
		return nil, nil, fmt.Errorf("%s: writing: the encoded columns' footer does not fit", p.name)
	}
	md := &format.FileMetaData{}
	if err := thrift.Unmarshal(&thrift.CompactProtocol{}, b[int64(len(b))-8-n:len(b)-8], md); err != nil {
		return nil, nil, fmt.Errorf("%s: writing: decoding the encoded columns' footer: %w", p.name, err)
	}
	want := 0
	for _, n := range p.rgSizes {
		if n > 0 {
			want++
		}
	}
	if len(md.RowGroups) != want {
		return nil, nil, fmt.Errorf("%s: writing: the encoded columns have %d row groups, not %d", p.name, len(md.RowGroups), want)
	}
	return b, md, nil
}

// spliceFooter returns the output's footer but for its row groups: the
// input's, with the dropped column's schema element and column order left
// out, the appended column's (as the encoded file em has it) added, the
// output's key/value metadata, and the input's created_by (the copied
// pages are its writer's: a reader that works around that writer's bugs
// must still know it).
func (x *parquetRewriter) spliceFooter(rw ParquetRewrite, em *format.FileMetaData) *format.FileMetaData {
	p := x.p
	in := p.meta
	md := &format.FileMetaData{Version: in.Version, NumRows: p.numRows, CreatedBy: in.CreatedBy}
	md.Schema = append(md.Schema, in.Schema...)
	if x.drop >= 0 {
		e := x.topElement(x.p.leaves[x.drop].top)
		md.Schema = append(md.Schema[:e:e], md.Schema[e+1:]...)
		md.Schema[0].NumChildren.V--
	}
	for c, o := range in.ColumnOrders {
		if c != x.drop {
			md.ColumnOrders = append(md.ColumnOrders, o)
		}
	}
	if x.append {
		md.Schema = append(md.Schema, em.Schema[len(em.Schema)-1])
		md.Schema[0].NumChildren.V++
		if len(in.ColumnOrders) > 0 {
			md.ColumnOrders = append(md.ColumnOrders, format.ColumnOrder{Value: &format.TypeDefinedOrder{}})
		}
	}
	md.KeyValueMetadata = x.outputKV(rw)
	return md
}

// topElement returns the index in the schema of top-level field i.
func (x *parquetRewriter) topElement(i int) int {
	s := x.p.meta.Schema
	e := 1
	for ; i > 0; i-- {
		// Skip field's subtree.
		left := 1
		for left > 0 {
			left += int(s[e].NumChildren.V) - 1
			e++
		}
	}
	return e
}

// countWriter counts the bytes written and keeps the first error.
type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countWriter) write(b []byte) { _, _ = c.Write(b) }

// splicePageIndex writes the column indexes, then the offset indexes, of
// the output's chunks, and sets their offsets: an encoded chunk's are those
// of the encoded file enc (its offset index shifted); a copied chunk's are
// the input's if they list the pages the page walk found (spliceInputIndex),
// else none.
func (x *parquetRewriter) splicePageIndex(cw *countWriter, chunks [][]splicedChunk, enc []byte) error {
	p := x.p
	type index struct {
		ci []byte
		oi *format.OffsetIndex
	}
	idx := make([][]index, len(chunks))
	for og := range chunks {
		idx[og] = make([]index, len(chunks[og]))
		for o := range chunks[og] {
			sc := &chunks[og][o]
			var err error
			if sc.copied {
				idx[og][o].ci, idx[og][o].oi, err = x.spliceInputIndex(sc)
			} else {
				idx[og][o].ci, idx[og][o].oi, err = readPageIndex(bytes.NewReader(enc), int64(len(enc)), &sc.idx)
			}
			if err != nil {
				return fmt.Errorf("%s: writing: the encoded columns' page index: %w", p.name, err)
			}
		}
	}
	for og := range chunks {
		for o := range chunks[og] {
			if ix := idx[og][o]; ix.ci != nil && ix.oi != nil {
				cc := &chunks[og][o].cc
				cc.ColumnIndexOffset, cc.ColumnIndexLength = cw.n, int32(len(ix.ci))
				cw.write(ix.ci)
			}
		}
	}
	for og := range chunks {
		for o := range chunks[og] {
			sc := &chunks[og][o]
			oi := idx[og][o].oi
			if oi == nil {
				continue
			}
			shifted := format.OffsetIndex{PageLocations: make([]format.PageLocation, len(oi.PageLocations)), UnencodedByteArrayDataBytes: oi.UnencodedByteArrayDataBytes}
			for i, pl := range oi.PageLocations {
				pl.Offset += sc.shift
				shifted.PageLocations[i] = pl
			}
			b, err := thrift.Marshal(&thrift.CompactProtocol{}, &shifted)
			if err != nil {
				return fmt.Errorf("%s: encoding an offset index: %w", p.name, err)
			}
			sc.cc.OffsetIndexOffset, sc.cc.OffsetIndexLength = cw.n, int32(len(b))
			cw.write(b)
		}
	}
	return nil
}

// readPageIndex reads the column index bytes and the offset index of a
// chunk cc of a file of size bytes; either is nil if the chunk has none.
func readPageIndex(r io.ReaderAt, size int64, cc *format.ColumnChunk) (ci []byte, oi *format.OffsetIndex, err error) {
	read := func(off int64, n int32) ([]byte, error) {
		if off < 4 || n <= 0 || off+int64(n) > size {
			return nil, fmt.Errorf("a page index entry (%d bytes at %d) lies outside the file", n, off)
		}
		b := make([]byte, n)
		if err := readFullAt(r, b, off); err != nil {
			return nil, err
		}
		if k, err := pageguard.ThriftCheck(b); err != nil || k != len(b) {
			return nil, fmt.Errorf("corrupt page index entry at %d", off)
		}
		return b, nil
	}
	if cc.OffsetIndexLength > 0 {
		b, err := read(cc.OffsetIndexOffset, cc.OffsetIndexLength)
		if err != nil {
			return nil, nil, err
		}
		oi = &format.OffsetIndex{}
		if err := thrift.Unmarshal(&thrift.CompactProtocol{}, b, oi); err != nil {
			return nil, nil, fmt.Errorf("corrupt offset index (%v)", err)
		}
	}
	if cc.ColumnIndexLength > 0 {
		if ci, err = read(cc.ColumnIndexOffset, cc.ColumnIndexLength); err != nil {
			return nil, nil, err
		}
	}
	return ci, oi, nil
}

// spliceInputIndex returns the input's column index bytes and offset index
// of a copied chunk, or none if the offset index does not list the chunk's
// data pages (their offsets, sizes and, for a leaf with one value per row,
// first rows) as the page walk found them, or the column index does not
// decode to one entry per page: a reader would be misled by them.
func (x *parquetRewriter) spliceInputIndex(sc *splicedChunk) ([]byte, *format.OffsetIndex, error) {
	p := x.p
	ci, oi, err := readPageIndex(p.r, p.dataEnd, &sc.idx)
	if err != nil || ci == nil || oi == nil {
		return nil, nil, nil //nolint:nilerr // an unusable index is dropped
	}
	pages := p.chunkCheck(sc.g, sc.s).pages
	l := p.leaves[sc.s]
	i, rows := 0, int64(0)
	for _, pg := range pages {
		if !pg.data {
			continue
		}
		if i >= len(oi.PageLocations) {
			return nil, nil, nil
		}
		pl := oi.PageLocations[i]
		if pl.Offset != pg.offset || int64(pl.CompressedPageSize) != pg.size || (l.maxRep == 0 && pl.FirstRowIndex != rows) {
			return nil, nil, nil
		}
		i++
		rows += pg.values
	}
	if i != len(oi.PageLocations) {
		return nil, nil, nil
	}
	var c format.ColumnIndex
	if err := thrift.Unmarshal(&thrift.CompactProtocol{}, ci, &c); err != nil ||
		len(c.NullPages) != i || len(c.MinValues) != i || len(c.MaxValues) != i || (len(c.NullCounts) != 0 && len(c.NullCounts) != i) {
		return nil, nil, nil
	}
	return ci, oi, nil
}
