package tableio

// The check of an output chunk's statistics, page header statistics, column
// index and offset index against its values (chunkChecker), page by page.

import (
	"bytes"
	"fmt"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// chunkChecker checks the statistics, column index and offset index of an
// output chunk against its values, page by page.
type chunkChecker struct {
	w           *verifyWorker
	og, o       int
	l           *parquetLeaf
	page, chunk parquetStatsAcc
	pages       []checkedPage
	rows        int64 // rows before the current page

	// The dictionary entries that the current page uses, if it is
	// dictionary-encoded: its min and max are theirs.
	seen     []uint32 // by entry: the page (seenPage) that last used it
	seenPage uint32
	used     []int32
}

// addDictValue adds a non-null value of the current page given by its
// dictionary index.
func (c *chunkChecker) addDictValue(i int32) {
	c.page.values++
	if c.seen[i] != c.seenPage {
		c.seen[i] = c.seenPage
		c.used = append(c.used, i)
	}
}

type checkedPage struct {
	offset, size, firstRow int64
	nulls                  int64
	nonNull                bool
	min, max               []byte
	nan                    bool
}

func (c *chunkChecker) startPage(p *refPage) {
	c.page.reset()
	c.used = c.used[:0]
	if d := p.vals.dict; d != nil {
		if len(c.seen) < d.n {
			c.seen = make([]uint32, d.n)
		}
		c.seenPage++
	}
	first := c.rows
	for i := range p.n {
		if levelAt(p.rep, i, 0) == 0 {
			c.rows++
		}
	}
	c.pages = append(c.pages, checkedPage{offset: p.offset, size: p.size, firstRow: first})
}

func (c *chunkChecker) fail(format string, args ...any) error {
	return c.w.v.mismatch("column %s, row group %d: %s", c.l.name, c.og, fmt.Sprintf(format, args...))
}

// endPage checks the page header's statistics and records the page.
func (c *chunkChecker) endPage(p *refPage) error {
	s := &c.page
	for _, i := range c.used {
		s.add(p.vals.dict.at(int(i)))
	}
	cp := &c.pages[len(c.pages)-1]
	cp.nulls, cp.nonNull, cp.nan = s.nulls, s.values > 0, s.nan
	if s.has {
		cp.min, cp.max = bytes.Clone(s.min), bytes.Clone(s.max)
	}
	var st *format.Statistics
	switch {
	case p.header.DataPageHeader.Valid:
		st = &p.header.DataPageHeader.V.Statistics
	case p.header.DataPageHeaderV2.Valid:
		st = &p.header.DataPageHeaderV2.V.Statistics
	}
	if st != nil && (st.Min != nil || st.Max != nil || st.MinValue != nil || st.MaxValue != nil || st.NullCount != 0) {
		if st.NullCount != s.nulls {
			return c.fail("the page at offset %d says %d nulls, it holds %d", p.offset, st.NullCount, s.nulls)
		}
		if (st.Min != nil || st.Max != nil) && s.order != orderSigned && s.order != orderBool {
			return c.fail("the page at offset %d has the deprecated min and max, defined by signed comparison, for a column of another order", p.offset)
		}
		for _, b := range [][2][]byte{{st.MinValue, st.MaxValue}, {st.Min, st.Max}} {
			if err := c.bounds(b[0], b[1], s, fmt.Sprintf("the page at offset %d", p.offset)); err != nil {
				return err
			}
		}
	}
	c.chunk.merge(s)
	return nil
}

// bounds checks that min and max, if set, bound the values of s.
func (c *chunkChecker) bounds(lo, hi []byte, s *parquetStatsAcc, what string) error {
	if lo == nil && hi == nil {
		return nil
	}
	if !s.bounds() {
		return c.fail("%s has a min and max, but its values have none (no value, a NaN, or no order)", what)
	}
	size := statSize(c.l.kind, c.l.typeLen)
	if lo == nil || hi == nil || (size > 0 && (len(lo) != size || len(hi) != size)) {
		return c.fail("%s has an invalid min or max", what)
	}
	if compareStat(s.order, s.kind, lo, s.min) > 0 || compareStat(s.order, s.kind, hi, s.max) < 0 {
		return c.fail("%s says %s to %s, its values go from %s to %s", what,
			c.w.text(c.l, lo, c.l.maxDef), c.w.text(c.l, hi, c.l.maxDef), c.w.text(c.l, s.min, c.l.maxDef), c.w.text(c.l, s.max, c.l.maxDef))
	}
	return nil
}

// endChunk checks the chunk's statistics, column index and offset index.
func (c *chunkChecker) endChunk() error {
	out := c.w.v.out
	cc := &out.meta.RowGroups[c.og].Columns[c.o]
	if !c.chunk.sameAs(&cc.MetaData.Statistics) {
		st := &cc.MetaData.Statistics
		return c.fail("the statistics say %d nulls and %s to %s; the values hold %d nulls and go from %s to %s",
			st.NullCount, c.statText(st.MinValue), c.statText(st.MaxValue), c.chunk.nulls, c.accText(c.chunk.min), c.accText(c.chunk.max))
	}
	if cc.OffsetIndexLength > 0 {
		var oi format.OffsetIndex
		if err := c.readIndex(cc.OffsetIndexOffset, cc.OffsetIndexLength, &oi); err != nil {
			return err
		}
		if len(oi.PageLocations) != len(c.pages) {
			return c.fail("the offset index lists %d pages, the chunk has %d", len(oi.PageLocations), len(c.pages))
		}
		for i, pl := range oi.PageLocations {
			p := &c.pages[i]
			if pl.Offset != p.offset || int64(pl.CompressedPageSize) != p.size || pl.FirstRowIndex != p.firstRow {
				return c.fail("the offset index says page %d is at %d (%d bytes, first row %d); it is at %d (%d bytes, first row %d)",
					i, pl.Offset, pl.CompressedPageSize, pl.FirstRowIndex, p.offset, p.size, p.firstRow)
			}
		}
	}
	if cc.ColumnIndexLength == 0 {
		return nil
	}
	var ci format.ColumnIndex
	if err := c.readIndex(cc.ColumnIndexOffset, cc.ColumnIndexLength, &ci); err != nil {
		return err
	}
	if c.chunk.order == orderNone || c.chunk.nan {
		return c.fail("a column index for values without an order or with a NaN")
	}
	if len(ci.NullPages) != len(c.pages) || len(ci.MinValues) != len(c.pages) || len(ci.MaxValues) != len(c.pages) || (len(ci.NullCounts) != 0 && len(ci.NullCounts) != len(c.pages)) {
		return c.fail("the column index lists %d pages, the chunk has %d", len(ci.NullPages), len(c.pages))
	}
	var prev *checkedPage
	var prevMin, prevMax []byte
	for i := range c.pages {
		p := &c.pages[i]
		if ci.NullPages[i] != !p.nonNull {
			return c.fail("the column index says page %d is all nulls: %v", i, ci.NullPages[i])
		}
		if len(ci.NullCounts) > 0 && ci.NullCounts[i] != p.nulls {
			return c.fail("the column index says page %d holds %d nulls, it holds %d", i, ci.NullCounts[i], p.nulls)
		}
		if !p.nonNull {
			continue
		}
		ps := parquetStatsAcc{order: c.chunk.order, kind: c.chunk.kind, values: 1, has: true, min: p.min, max: p.max}
		if err := c.bounds(ci.MinValues[i], ci.MaxValues[i], &ps, fmt.Sprintf("the column index of page %d", i)); err != nil {
			return err
		}
		if prev != nil {
			o := ps.order
			lo, hi := compareStat(o, ps.kind, prevMin, ci.MinValues[i]), compareStat(o, ps.kind, prevMax, ci.MaxValues[i])
			if (ci.BoundaryOrder == format.Ascending && (lo > 0 || hi > 0)) || (ci.BoundaryOrder == format.Descending && (lo < 0 || hi < 0)) {
				return c.fail("the column index says its pages are %s, they are not", ci.BoundaryOrder)
			}
		}
		prev, prevMin, prevMax = p, ci.MinValues[i], ci.MaxValues[i]
	}
	return nil
}

func (c *chunkChecker) readIndex(off int64, n int32, v any) error {
	out := c.w.v.out
	if off < 0 || n < 0 || off+int64(n) > out.size {
		return c.fail("a page index entry lies outside the file")
	}
	b := make([]byte, n)
	if err := readFullAt(out.r, b, off); err != nil {
		return fmt.Errorf("%s: reading the page index: %w", out.name, err)
	}
	if err := thrift.Unmarshal(&thrift.CompactProtocol{}, b, v); err != nil {
		return c.fail("corrupt page index (%v)", err)
	}
	return nil
}

func (c *chunkChecker) statText(b []byte) string {
	if b == nil {
		return "none"
	}
	if size := statSize(c.l.kind, c.l.typeLen); size > 0 && len(b) != size {
		return fmt.Sprintf("%x (invalid)", b)
	}
	return c.w.text(c.l, b, c.l.maxDef)
}

func (c *chunkChecker) accText(b []byte) string {
	if !c.chunk.bounds() {
		return "none"
	}
	return c.w.text(c.l, b, c.l.maxDef)
}
