package tableio

// The check of a chunk that the splice copied (parquet_splice.go): its bytes
// in the output are the input chunk's, its metadata the input's but for the
// offsets, which keep their places relative to the chunk's first page, and
// its page index the input's (the column index's bytes, the offset index's
// page locations shifted by as much as the chunk), or none.

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"sort"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// checkChunk checks output chunk (og, o): as a copy of its input chunk
// (checkCopied) if the rewrite says it copied it; else as a copy too if
// its metadata is the input chunk's (but for where it lies) and that check
// passes; else value by value (check).
func (w *verifyWorker) checkChunk(og, o int) error {
	v := w.v
	s := v.srcOf[o]
	if s < 0 {
		return w.check(og, o)
	}
	g := v.groups[og]
	if c := v.src.copied; g < len(c) && s < len(c[g]) && c[g][s] {
		return w.checkCopied(og, o)
	}
	in, out := v.src.meta.RowGroups[g].Columns[s], v.out.meta.RowGroups[og].Columns[o]
	inStart, _ := chunkBounds(&in.MetaData)
	outStart, _ := chunkBounds(&out.MetaData)
	if same, _ := sameChunkMeta(in, inStart, out, outStart); same && w.checkCopied(og, o) == nil {
		return nil
	}
	return w.check(og, o)
}

// sameChunkMeta reports whether two chunks' metadata, their offsets taken
// relative to their first pages (relativeChunk), encode to the same bytes;
// it also returns the two, for a message.
func sameChunkMeta(a format.ColumnChunk, aStart int64, b format.ColumnChunk, bStart int64) (bool, [2]format.ColumnChunk) {
	x, y := relativeChunk(a, aStart), relativeChunk(b, bStart)
	bx, err1 := thrift.Marshal(&thrift.CompactProtocol{}, &x)
	by, err2 := thrift.Marshal(&thrift.CompactProtocol{}, &y)
	return err1 == nil && err2 == nil && bytes.Equal(bx, by), [2]format.ColumnChunk{x, y}
}

// checkCopied checks a copied output chunk (og, o) against its input chunk.
func (w *verifyWorker) checkCopied(og, o int) error {
	v := w.v
	g, s := v.groups[og], v.srcOf[o]
	l := v.leaves[o]
	fail := func(format string, args ...any) error {
		return v.mismatch("column %s, row group %d (copied from the input): %s", l.name, og, fmt.Sprintf(format, args...))
	}
	start, end := v.src.rgStarts[g], v.src.rgStarts[g]+v.src.rgSizes[g]
	if len(rowsIn(v.setsOf[s], func(c *parquetCellChange) int64 { return c.row }, start, end)) > 0 {
		return fail("the rewrite changes cells in it")
	}
	in, out := v.src.meta.RowGroups[g].Columns[s], v.out.meta.RowGroups[og].Columns[o]
	inStart, inEnd := chunkBounds(&in.MetaData)
	outStart, outEnd := chunkBounds(&out.MetaData)
	if outEnd-outStart != inEnd-inStart || outStart < 4 || outEnd > v.out.dataEnd {
		return fail("%d bytes at %d, the input's chunk has %d", outEnd-outStart, outStart, inEnd-inStart)
	}
	if out.MetaData.BloomFilterOffset != 0 || out.MetaData.BloomFilterLength != 0 {
		return fail("a bloom filter")
	}
	if same, ab := sameChunkMeta(in, inStart, out, outStart); !same {
		return fail("its metadata differs from the input's: %+v, want %+v", ab[1].MetaData, ab[0].MetaData)
	}
	if err := sameBytes(v.src.r, inStart, v.out.r, outStart, inEnd-inStart, &w.raw); err != nil {
		return fail("%v", err)
	}
	return w.checkCopiedIndex(in, out, outStart-inStart, fail)
}

// relativeChunk returns cc with its offsets relative to start, the chunk's
// first page, and without its page index and bloom filter fields.
func relativeChunk(cc format.ColumnChunk, start int64) format.ColumnChunk {
	m := &cc.MetaData
	m.DataPageOffset -= start
	if m.DictionaryPageOffset != 0 {
		m.DictionaryPageOffset -= start
	}
	if m.IndexPageOffset != 0 {
		m.IndexPageOffset -= start
	}
	if cc.FileOffset != 0 {
		cc.FileOffset -= start
	}
	m.BloomFilterOffset, m.BloomFilterLength = 0, 0
	cc.ColumnIndexOffset, cc.ColumnIndexLength, cc.OffsetIndexOffset, cc.OffsetIndexLength = 0, 0, 0, 0
	return cc
}

// sameBytes compares n bytes of a at aOff with those of b at bOff, a
// megabyte at a time (buf holds both blocks).
func sameBytes(a io.ReaderAt, aOff int64, b io.ReaderAt, bOff, n int64, buf *[]byte) error {
	const block = 1 << 20
	if cap(*buf) < 2*block {
		*buf = make([]byte, 2*block)
	}
	x, y := (*buf)[:block], (*buf)[block:2*block]
	for done := int64(0); done < n; {
		k := min(n-done, block)
		if err := readFullAt(a, x[:k], aOff+done); err != nil {
			return fmt.Errorf("reading the input: %v", err)
		}
		if err := readFullAt(b, y[:k], bOff+done); err != nil {
			return fmt.Errorf("reading the output: %v", err)
		}
		if !bytes.Equal(x[:k], y[:k]) {
			for i := range k {
				if x[i] != y[i] {
					return fmt.Errorf("its byte %d differs from the input's", done+i)
				}
			}
		}
		done += k
	}
	return nil
}

// checkCopiedIndex checks the page index of a copied chunk: none, or the
// input's column index bytes with the input's offset index shifted by d.
func (w *verifyWorker) checkCopiedIndex(in, out format.ColumnChunk, d int64, fail func(string, ...any) error) error {
	v := w.v
	if out.ColumnIndexLength == 0 && out.OffsetIndexLength == 0 {
		return nil
	}
	if out.OffsetIndexLength == 0 || in.OffsetIndexLength == 0 || (out.ColumnIndexLength == 0) != (in.ColumnIndexLength == 0) {
		return fail("a page index that is not the input's")
	}
	ici, ioi, err := readPageIndex(v.src.r, v.src.dataEnd, &in)
	if err != nil {
		return fail("the input's page index: %v", err)
	}
	oci, ooi, err := readPageIndex(v.out.r, v.out.dataEnd, &out)
	if err != nil {
		return fail("its page index: %v", err)
	}
	if !bytes.Equal(ici, oci) {
		return fail("its column index is not the input's")
	}
	if len(ioi.PageLocations) != len(ooi.PageLocations) || !reflect.DeepEqual(ioi.UnencodedByteArrayDataBytes, ooi.UnencodedByteArrayDataBytes) {
		return fail("its offset index is not the input's")
	}
	for i, pl := range ioi.PageLocations {
		pl.Offset += d
		if ooi.PageLocations[i] != pl {
			return fail("its offset index says page %d is at %d (%d bytes, first row %d), want %d (%d bytes, first row %d)", i,
				ooi.PageLocations[i].Offset, ooi.PageLocations[i].CompressedPageSize, ooi.PageLocations[i].FirstRowIndex, pl.Offset, pl.CompressedPageSize, pl.FirstRowIndex)
		}
	}
	return nil
}

// copiedAt reports whether the last RewriteParquet copied as bytes leaf
// col's chunk in every row group holding one of rows (ascending).
func (p *ParquetFile) copiedAt(col int, rows []int64) bool {
	if p.copied == nil {
		return false
	}
	for g := range p.rgSizes {
		start, end := p.rgStarts[g], p.rgStarts[g]+p.rgSizes[g]
		i := sort.Search(len(rows), func(i int) bool { return rows[i] >= start })
		if i < len(rows) && rows[i] < end && !p.copied[g][col] {
			return false
		}
	}
	return true
}
