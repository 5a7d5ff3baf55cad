package tableio

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// pqCodedRow has dictionary-coded columns, required and optional, of text
// and of numbers, beside plain ones.
type pqCodedRow struct {
	S    string  `parquet:"s,dict"`
	SOpt *string `parquet:"s_opt,dict,optional"`
	I    int32   `parquet:"i,dict"`
	IOpt *int64  `parquet:"i_opt,dict,optional"`
	F    float64 `parquet:"f"`
	P    *string `parquet:"p,optional"`
}

func pqCodedFile(t *testing.T, n, version int, groups []int) []byte {
	rows := make([]pqCodedRow, n)
	for i := range rows {
		r := &rows[i]
		// Later rows use values earlier pages do not, so that the order of
		// first use differs from the dictionary's.
		r.S = fmt.Sprintf("s%d", (i*7)%(5+i/400))
		if i%3 != 0 {
			v := fmt.Sprintf("o%d", (n-i)%11)
			r.SOpt = &v
		}
		r.I = int32(i%13 - 6)
		if i%5 != 2 {
			v := int64(i % 4)
			r.IOpt = &v
		}
		r.F = float64(i%9) / 4
		if i%2 == 0 {
			v := fmt.Sprint(i % 6)
			r.P = &v
		}
	}
	var buf bytes.Buffer
	pqWriteGroups(t, parquet.NewGenericWriter[pqCodedRow](&buf, parquet.DataPageVersion(version), parquet.PageBufferSize(512)), rows, groups)
	return buf.Bytes()
}

// TestParquetScanCoded: reading a column as codes gives, for every row
// group range, the cells ScanColumn gives, with the levels in the order rows
// first use them (a dictionary's unused or later entries do not come
// first), and the dictionary pages are coded without the values path.
func TestParquetScanCoded(t *testing.T) {
	t.Parallel()
	for _, version := range []int{1, 2} {
		data := pqCodedFile(t, 3000, version, []int{1000, 1999, 1})
		p := pqOpen(t, data)
		for _, name := range []string{"s", "s_opt", "i", "i_opt", "f", "p"} {
			col := pqCol(t, p, name)
			all := pqScan(t, p, col)
			for _, r := range [][2]int{{0, 3}, {1, 2}, {2, 3}, {0, 1}} {
				c := newCodedColumn(0)
				var dictPages int
				c.onDictPage = func() { dictPages++ }
				if err := p.scanColumnCoded(col, r[0], r[1], c); err != nil {
					t.Fatal(err)
				}
				first := p.rgStarts[r[0]]
				want := all[first : first+int64(len(c.codes))]
				if end := p.rgStarts[r[1]-1] + p.rgSizes[r[1]-1]; int64(len(all[first:end])) != int64(len(c.codes)) {
					t.Fatalf("v%d %s %v: %d codes for %d rows", version, name, r, len(c.codes), end-first)
				}
				var levels []string
				seen := map[string]bool{}
				for i, k := range c.codes {
					got := pqCell{null: k < 0}
					if k >= 0 {
						got.text = string(c.levels[k])
					}
					if got != want[i] {
						t.Fatalf("v%d %s %v row %d: %v, want %v", version, name, r, i, got, want[i])
					}
					if !got.null && !seen[got.text] {
						seen[got.text] = true
						levels = append(levels, got.text)
					}
				}
				if fmt.Sprintf("%q", levels) != fmt.Sprintf("%q", c.levels) {
					t.Errorf("v%d %s %v: levels %q, want %q (first use)", version, name, r, c.levels, levels)
				}
				dict := name != "f" && name != "p"
				if dict != (dictPages > 0) {
					t.Errorf("v%d %s %v: %d pages coded from the dictionary", version, name, r, dictPages)
				}
			}
		}
	}
}

// levelPage is a dictionary-indexed page given definition levels: the
// optional page parquet-go would decode, with the indexes of the non-null
// values only.
type levelPage struct {
	parquet.Page
	defs []byte
}

func (p levelPage) DefinitionLevels() []byte { return p.defs }
func (p levelPage) NumValues() int64         { return int64(len(p.defs)) }

// TestParquetCodePageDictionary: entries no row uses are not levels, and
// levels follow the rows' first use, not the dictionary's order; nulls are
// -1; a bad index or level is an error naming the column and row group.
func TestParquetCodePageDictionary(t *testing.T) {
	t.Parallel()
	p := pqOpen(t, pqCodedFile(t, 50, 1, []int{50}))
	dict := parquet.ByteArrayType.NewDictionary(0, 4, encoding.ByteArrayValues([]byte("unusedbac"), []uint32{0, 6, 7, 8, 9}))
	indexed := func(idx ...int32) parquet.Page {
		return dict.Type().NewPage(0, len(idx), encoding.Int32Values(idx))
	}
	scan := func(name string, pages ...parquet.Page) (*codedColumn, error) {
		col := pqCol(t, p, name)
		c := newCodedColumn(0)
		s := columnScan{p: p, col: col, l: p.leaves[col], rg: 0, coded: c}
		for _, pg := range pages {
			ok, err := s.codePage(0, pg, 100)
			if !ok {
				t.Fatalf("%s: the page was not coded from its dictionary", name)
			}
			if err != nil {
				return c, err
			}
		}
		return c, nil
	}
	text := func(c *codedColumn) string {
		var b []string
		for _, k := range c.codes {
			if k < 0 {
				b = append(b, "null")
			} else {
				b = append(b, string(c.levels[k]))
			}
		}
		return fmt.Sprintf("%q %q", c.levels, b)
	}
	c, err := scan("s", indexed(2, 1, 2), indexed(3, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := text(c), `["a" "b" "c"] ["a" "b" "a" "c" "b"]`; got != want {
		t.Errorf("required: %s, want %s", got, want)
	}
	c, err = scan("s_opt", levelPage{indexed(3, 2), []byte{0, 1, 0, 1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := text(c), `["c" "a"] ["null" "c" "null" "a" "null"]`; got != want {
		t.Errorf("optional: %s, want %s", got, want)
	}
	for _, bad := range []struct {
		name string
		page parquet.Page
		want string
	}{
		{"s", indexed(1, 4), "dictionary index 4 out of range"},
		{"s", indexed(-1), "dictionary index -1 out of range"},
		{"s_opt", levelPage{indexed(1), []byte{1, 2}}, "invalid levels at row 1"},
		{"s_opt", levelPage{indexed(1), []byte{1, 1}}, "1 dictionary indexes for more values"},
	} {
		_, err := scan(bad.name, bad.page)
		if err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), bad.name) {
			t.Errorf("%s: %v, want an error naming the column and saying %q", bad.name, err, bad.want)
		}
	}
}

// TestParquetScanRowsDictionary: scanRows reads the asked rows of
// dictionary pages from the dictionary, with the cells ScanColumn gives
// them (nulls included), in every row group and across pages.
func TestParquetScanRowsDictionary(t *testing.T) {
	t.Parallel()
	for _, version := range []int{1, 2} {
		p := pqOpen(t, pqCodedFile(t, 3000, version, []int{1000, 1999, 1}))
		for _, name := range []string{"s", "s_opt", "i", "i_opt", "f", "p"} {
			col := pqCol(t, p, name)
			all := pqScan(t, p, col)
			for _, rows := range [][]int64{{0}, {2999}, {0, 1, 2, 999, 1000, 1500, 2998, 2999}, {5, 6, 7, 8, 9, 10, 11, 12}} {
				var got []string
				dictPages := 0
				s := columnScan{p: p, col: col, rg: -1, rows: rows, onDictPage: func() { dictPages++ }, fn: func(row int64, text []byte, null bool) error {
					got = append(got, fmt.Sprint(row, pqCell{string(text), null}))
					return nil
				}}
				if err := p.scanWith(&s, 0, len(p.rgSizes)); err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, r := range rows {
					want = append(want, fmt.Sprint(r, all[r]))
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("v%d %s rows %v: %v, want %v", version, name, rows, got, want)
				}
				if dict := name != "f" && name != "p"; dict != (dictPages > 0) {
					t.Errorf("v%d %s rows %v: %d pages read from the dictionary", version, name, rows, dictPages)
				}
			}
		}
	}
}
