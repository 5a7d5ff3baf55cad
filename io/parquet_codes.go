package tableio

// Reading a column as codes (pass 1): each row's value becomes the index of
// its text form among the column's distinct values. A page that parquet-go
// decoded as dictionary indexes is coded without turning each value into
// text: each dictionary entry is turned into text and looked up once, the
// first time a row uses it.

import (
	"fmt"
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

// codePage appends the codes of a page of row group g that parquet-go
// decoded as dictionary indexes, and reports whether the page was one
// (if not, nothing is appended and the caller reads its values one by
// one). CheckDecodedPage has checked its levels and indexes; they are
// checked again here, as the values path checks each value.
func (s *columnScan) codePage(g int, page parquet.Page, want int64) (bool, error) {
	d := page.Dictionary()
	if d == nil || len(page.RepetitionLevels()) > 0 {
		return false, nil
	}
	data := page.Data()
	if data.Kind() != encoding.Int32 {
		return false, nil
	}
	idx := data.Int32()
	c, l, p := s.coded, s.l, s.p
	n := page.NumValues()
	if s.got+n > want {
		return true, p.errorf(s.col, g, "corrupt file: the column holds more values than the row group's %d rows", want)
	}
	if !c.sameDict(d) {
		c.dict = d
		c.dcode = c.dcode[:0]
		for range d.Len() {
			c.dcode = append(c.dcode, -2)
		}
	}
	entry := func(i int32) (int32, error) {
		if uint32(i) >= uint32(len(c.dcode)) {
			return 0, fmt.Errorf("dictionary index %d out of range (the dictionary holds %d values)", i, len(c.dcode))
		}
		k := c.dcode[i]
		if k == -2 {
			s.text = appendParquetText(s.text[:0], d.Index(i), l)
			k = c.code(s.text)
			c.dcode[i] = k
		}
		return k, nil
	}
	if l.maxDef == 0 {
		if int64(len(idx)) < n {
			return true, p.errorf(s.col, g, "corrupt page (%d dictionary indexes for %d values)", len(idx), n)
		}
		for _, i := range idx[:n] {
			k, err := entry(i)
			if err != nil {
				return true, p.errorf(s.col, g, "corrupt page (%v)", err)
			}
			c.codes = append(c.codes, k)
		}
	} else {
		defs := page.DefinitionLevels()
		if int64(len(defs)) != n {
			return true, p.errorf(s.col, g, "corrupt page (%d definition levels for %d values)", len(defs), n)
		}
		j := 0
		for r, dl := range defs {
			switch {
			case int(dl) == l.maxDef:
				if j == len(idx) {
					return true, p.errorf(s.col, g, "corrupt page (%d dictionary indexes for more values)", len(idx))
				}
				k, err := entry(idx[j])
				if err != nil {
					return true, p.errorf(s.col, g, "corrupt page (%v)", err)
				}
				c.codes = append(c.codes, k)
				j++
			case int(dl) < l.maxDef:
				c.codes = append(c.codes, -1)
			default:
				return true, p.errorf(s.col, g, "corrupt page (invalid levels at row %d)", s.row+int64(r))
			}
		}
	}
	s.row += n
	s.got += n
	if c.onDictPage != nil {
		c.onDictPage()
	}
	return true, nil
}
