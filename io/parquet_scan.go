package tableio

// Reading a column: one flat leaf, row by row, as text cells (pass 1).

import (
	"fmt"
	"io"
	"sort"

	"github.com/parquet-go/parquet-go"
)

// ScanColumn reads one flat leaf column row by row (row = 0-based index over
// the whole file, across row groups), calling fn with the value's text form
// (see ParquetText) or null=true. The bytes are valid only during the call.
// It reads only that column's pages, one page at a time. An error returned
// by fn stops the scan and is returned as it is.
func (p *ParquetFile) ScanColumn(col int, fn func(row int64, text []byte, null bool) error) (err error) {
	return p.ScanColumnGroups(col, 0, len(p.rgSizes), fn)
}

// ScanColumnGroups is ScanColumn over the row groups [g0, g1) only: a
// worker that reads one row group of a file. Rows keep their index in the
// file (the first row of group g0 is the sum of the sizes of the groups
// before it).
func (p *ParquetFile) ScanColumnGroups(col, g0, g1 int, fn func(row int64, text []byte, null bool) error) (err error) {
	return p.scanColumn(col, g0, g1, nil, nil, fn)
}

// scanColumnCoded is ScanColumnGroups appending each row's code to c
// (see codedColumn).
func (p *ParquetFile) scanColumnCoded(col, g0, g1 int, c *codedColumn) error {
	return p.scanColumn(col, g0, g1, nil, c, func(_ int64, text []byte, null bool) error {
		c.add(text, null)
		return nil
	})
}

// scanRows is ScanColumn for the rows of rows only (ascending, distinct):
// fn is called for those rows alone, and the row groups that hold none are
// not read. The other values of a row group read are decoded and their
// levels checked, but not turned into text.
func (p *ParquetFile) scanRows(col int, rows []int64, fn func(row int64, text []byte, null bool) error) error {
	if rows == nil {
		rows = []int64{}
	}
	return p.scanColumn(col, 0, len(p.rgSizes), rows, nil, fn)
}

// scanColumn is ScanColumnGroups, for the rows of rows only if it is not
// nil (scanRows); if coded is not nil, the pages of dictionary indexes are
// coded into it without calling fn (scanColumnCoded).
func (p *ParquetFile) scanColumn(col, g0, g1 int, rows []int64, coded *codedColumn, fn func(row int64, text []byte, null bool) error) (err error) {
	return p.scanWith(&columnScan{p: p, col: col, rg: -1, fn: fn, rows: rows, coded: coded}, g0, g1)
}

// scanWith runs the scan s (not started) over row groups [g0, g1).
func (p *ParquetFile) scanWith(s *columnScan, g0, g1 int) (err error) {
	col, rows := s.col, s.rows
	defer func() {
		if !p.seams.recover() {
			return
		}
		if rec := recover(); rec != nil {
			if s.inFn {
				panic(rec) // a panic in the caller's function is not ours to hide
			}
			recoverParquet(rec, p.name, p.leafName(col), s.rg, &err)
		}
	}()
	if col < 0 || col >= len(p.leaves) {
		return fmt.Errorf("%s: no column %d (the file has %d columns)", p.name, col, len(p.leaves))
	}
	s.l = p.leaves[col]
	if !s.l.flat {
		return p.nestedError(s.l)
	}
	s.buf = make([]parquet.Value, parquetBatchRows)
	if g0 < 0 || g1 > len(p.rgSizes) || g0 > g1 {
		return fmt.Errorf("%s: no row groups [%d, %d) (the file has %d)", p.name, g0, g1, len(p.rgSizes))
	}
	for g := g0; g < g1; g++ {
		s.row = p.rgStarts[g]
		if rows != nil {
			end := s.row + p.rgSizes[g]
			s.next = sort.Search(len(rows), func(i int) bool { return rows[i] >= s.row })
			if s.next == len(rows) || rows[s.next] >= end {
				continue
			}
		}
		s.rg = g
		if err := p.checkChunk(g, col); err != nil {
			return err
		}
		if err := s.scanChunk(g); err != nil {
			return err
		}
	}
	return nil
}

// columnScan is the state of ScanColumnGroups.
type columnScan struct {
	p    *ParquetFile
	col  int
	l    *parquetLeaf
	fn   func(row int64, text []byte, null bool) error
	rg   int   // the row group being read (-1: none yet)
	row  int64 // the next row, in the file
	got  int64 // the values read from the current chunk
	inFn bool  // fn is running
	buf  []parquet.Value
	text []byte
	rows []int64 // if not nil, the only rows to pass to fn (scanRows)
	next int     // the index in rows of the next row to pass

	coded *codedColumn // if not nil, where dictionary pages are coded
	ix    []int32      // dictIndexes' buffer

	onDictPage func() // for tests: called for each page of asked rows read from its dictionary
}

// scanChunk reads the column's chunk in row group g, page by page: it must
// hold one value per row.
func (s *columnScan) scanChunk(g int) error {
	p := s.p
	want := p.f.RowGroups()[g].NumRows()
	s.got = 0
	pages := p.checkedRowGroup(g).ColumnChunks()[s.col].Pages()
	defer pages.Close()
	for {
		page, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return p.errorf(s.col, g, "corrupt page (%v)", err)
		}
		if err := s.scanPage(g, page, want); err != nil {
			return err
		}
	}
	if s.got != want {
		return p.errorf(s.col, g, "corrupt file: the column holds %d values but the row group has %d rows", s.got, want)
	}
	return nil
}

// scanPage passes the values of a page of row group g, which has want rows,
// to fn, and releases the page.
func (s *columnScan) scanPage(g int, page parquet.Page, want int64) error {
	defer parquet.Release(page)
	switch {
	case s.coded != nil && s.rows == nil:
		if ok, err := s.codePage(g, page, want); ok {
			return err
		}
	case s.rows != nil:
		if ok, err := s.rowsPage(g, page, want); ok {
			return err
		}
	}
	p, l := s.p, s.l
	vr := page.Values()
	for {
		n, rerr := vr.ReadValues(s.buf)
		if n > 0 && s.got+int64(n) > want {
			return p.errorf(s.col, g, "corrupt file: the column holds more values than the row group's %d rows", want)
		}
		for i := range n {
			v := &s.buf[i]
			if v.RepetitionLevel() != 0 || v.DefinitionLevel() > l.maxDef || v.IsNull() != (v.DefinitionLevel() < l.maxDef) {
				return p.errorf(s.col, g, "corrupt page (invalid levels at row %d)", s.row)
			}
			if s.rows != nil {
				if s.next == len(s.rows) || s.rows[s.next] != s.row {
					s.row++
					s.got++
					continue
				}
				s.next++
			}
			var fnErr error
			if v.IsNull() {
				s.inFn = true
				fnErr = s.fn(s.row, nil, true)
			} else {
				s.text = appendParquetText(s.text[:0], *v, l)
				s.inFn = true
				fnErr = s.fn(s.row, s.text, false)
			}
			s.inFn = false
			if fnErr != nil {
				return fnErr
			}
			s.row++
			s.got++
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return p.errorf(s.col, g, "corrupt page (%v)", rerr)
		}
		if n == 0 {
			return p.errorf(s.col, g, "corrupt page (no progress)")
		}
	}
}

func (p *ParquetFile) nestedError(l *parquetLeaf) error {
	return fmt.Errorf("%s: column %s is nested or repeated (%s, %s): fairflip cannot use it as a table cell", p.name, l.name, l.desc, l.shape)
}
