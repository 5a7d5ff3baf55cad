package tableio

// Reading a column as codes (pass 1): each row's value becomes the index of
// its text form among the column's distinct values. A page that parquet-go
// decoded as dictionary indexes is coded without turning each value into
// text: each dictionary entry is turned into text and looked up once, the
// first time a row uses it.

import (
	"reflect"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// codedColumn is a column read as codes: one code per row, an index into
// levels (the distinct text forms, in the order rows first use them), or -1
// for a null.
type codedColumn struct {
	levels [][]byte
	codes  []int32
	index  map[string]int32

	// The dictionary of the last dictionary-coded page, and the code of
	// each of its entries (-2: no row has used it yet).
	dict  parquet.Dictionary
	dcode []int32

	onDictPage func() // for tests: called for each page coded from its dictionary
}

func newCodedColumn(rows int64) *codedColumn {
	return &codedColumn{codes: make([]int32, 0, rows), index: map[string]int32{}}
}

// code returns text's code, adding it to the levels if it is new.
func (c *codedColumn) code(text []byte) int32 {
	k, ok := c.index[string(text)]
	if !ok {
		k = int32(len(c.levels))
		v := append([]byte(nil), text...)
		c.levels = append(c.levels, v)
		c.index[string(v)] = k
	}
	return k
}

// add appends one row's value.
func (c *codedColumn) add(text []byte, null bool) {
	if null {
		c.codes = append(c.codes, -1)
		return
	}
	c.codes = append(c.codes, c.code(text))
}

// sameDict reports whether d is the dictionary whose entries c.dcode codes.
// A dictionary whose type cannot be compared is never the same, and its
// entries are coded again for each page.
func (c *codedColumn) sameDict(d parquet.Dictionary) bool {
	return c.dict != nil && reflect.TypeOf(c.dict) == reflect.TypeOf(d) &&
		reflect.TypeOf(d).Comparable() && c.dict == d
}

// dictIndexes returns, for a page of row group g that parquet-go decoded
// as dictionary indexes, its dictionary and each value's index in it (-1:
// null), and ok=false for another page. CheckDecodedPage has checked the
// levels and indexes; they are checked again here, as the values path
// checks each value. The indexes are valid until the next call.
func (s *columnScan) dictIndexes(g int, page parquet.Page, want int64) (d parquet.Dictionary, ix []int32, ok bool, err error) {
	d = page.Dictionary()
	if d == nil || len(page.RepetitionLevels()) > 0 {
		return nil, nil, false, nil
	}
	data := page.Data()
	if data.Kind() != encoding.Int32 {
		return nil, nil, false, nil
	}
	idx := data.Int32()
	l, p := s.l, s.p
	n := page.NumValues()
	if s.got+n > want {
		return nil, nil, true, p.errorf(s.col, g, "corrupt file: the column holds more values than the row group's %d rows", want)
	}
	size := uint32(d.Len())
	s.ix = grow(s.ix, int(n))
	bad := func(i int32) error {
		return p.errorf(s.col, g, "corrupt page (dictionary index %d out of range (the dictionary holds %d values))", i, size)
	}
	if l.maxDef == 0 {
		if int64(len(idx)) < n {
			return nil, nil, true, p.errorf(s.col, g, "corrupt page (%d dictionary indexes for %d values)", len(idx), n)
		}
		for r, i := range idx[:n] {
			if uint32(i) >= size {
				return nil, nil, true, bad(i)
			}
			s.ix[r] = i
		}
		return d, s.ix, true, nil
	}
	defs := page.DefinitionLevels()
	if int64(len(defs)) != n {
		return nil, nil, true, p.errorf(s.col, g, "corrupt page (%d definition levels for %d values)", len(defs), n)
	}
	j := 0
	for r, dl := range defs {
		switch {
		case int(dl) == l.maxDef:
			if j == len(idx) {
				return nil, nil, true, p.errorf(s.col, g, "corrupt page (%d dictionary indexes for more values)", len(idx))
			}
			if uint32(idx[j]) >= size {
				return nil, nil, true, bad(idx[j])
			}
			s.ix[r] = idx[j]
			j++
		case int(dl) < l.maxDef:
			s.ix[r] = -1
		default:
			return nil, nil, true, p.errorf(s.col, g, "corrupt page (invalid levels at row %d)", s.row+int64(r))
		}
	}
	return d, s.ix, true, nil
}

// codePage appends the codes of a page of dictionary indexes
// (dictIndexes), and reports whether the page was one (if not, nothing is
// appended and the caller reads its values one by one).
func (s *columnScan) codePage(g int, page parquet.Page, want int64) (bool, error) {
	d, ix, ok, err := s.dictIndexes(g, page, want)
	if !ok || err != nil {
		return ok, err
	}
	c := s.coded
	if !c.sameDict(d) {
		c.dict = d
		c.dcode = c.dcode[:0]
		for range d.Len() {
			c.dcode = append(c.dcode, -2)
		}
	}
	for _, i := range ix {
		if i < 0 {
			c.codes = append(c.codes, -1)
			continue
		}
		k := c.dcode[i]
		if k == -2 {
			s.text = appendParquetText(s.text[:0], d.Index(i), s.l)
			k = c.code(s.text)
			c.dcode[i] = k
		}
		c.codes = append(c.codes, k)
	}
	s.row += int64(len(ix))
	s.got += int64(len(ix))
	if c.onDictPage != nil {
		c.onDictPage()
	}
	return true, nil
}

// rowsPage passes the asked rows (scanRows) of a page of dictionary
// indexes (dictIndexes) to fn, turning only their values into text, and
// reports whether the page was one (if not, the caller reads its values
// one by one).
func (s *columnScan) rowsPage(g int, page parquet.Page, want int64) (bool, error) {
	d, ix, ok, err := s.dictIndexes(g, page, want)
	if !ok || err != nil {
		return ok, err
	}
	start, end := s.row, s.row+int64(len(ix))
	for s.next < len(s.rows) && s.rows[s.next] < end {
		row := s.rows[s.next]
		s.next++
		var text []byte
		i := ix[row-start]
		if i >= 0 {
			s.text = appendParquetText(s.text[:0], d.Index(i), s.l)
			text = s.text
		}
		s.inFn = true
		err := s.fn(row, text, i < 0)
		s.inFn = false
		if err != nil {
			return true, err
		}
	}
	s.row = end
	s.got += int64(len(ix))
	if s.onDictPage != nil {
		s.onDictPage()
	}
	return true, nil
}
