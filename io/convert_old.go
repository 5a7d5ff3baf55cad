package tableio

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// Deprecated: the pairwise conversions, kept until the callers use Convert.

// ConvertCSVToParquet reads a CSV table and writes it as Parquet: one
// optional column per CSV column, in order, typed BOOLEAN, INT64, DOUBLE or
// STRING by the narrowest type that holds every value of the column (an
// empty cell is null in a typed column, and "" in a text column), SNAPPY
// compressed, in row groups of rowGroupRows rows. open is called twice (two
// passes: types, then values).
func ConvertCSVToParquet(open func() (io.ReadCloser, error), name string, d Dialect, headerNames []string, w io.Writer, rowGroupRows int) error {
	if rowGroupRows <= 0 {
		rowGroupRows = 128 * 1024
	}
	// Pass 1: names and types.
	var names []string
	var kinds []ValueKind
	err := oldScanRecords(open, name, d, func(s *Scanner, r *Record) error {
		if names == nil {
			names = s.HeaderNames()
			if names == nil {
				names = headerNames
			}
			if names == nil {
				for i := range r.Fields {
					names = append(names, "column"+strconv.Itoa(i+1))
				}
			}
			if len(names) != len(r.Fields) {
				return fmt.Errorf("%s: %d column names for %d columns", name, len(names), len(r.Fields))
			}
			kinds = make([]ValueKind, len(names))
		}
		if r.Kind == Data {
			for i := range r.Fields {
				kinds[i] = narrow(kinds[i], r.Value(i))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if names == nil {
		return &RowError{File: name, Err: ErrNoDataRecord}
	}
	root := &parquetNode{name: "schema", typ: parquet.Group{}.Type()}
	for i, n := range names {
		var typ parquet.Type
		var enc encoding.Encoding = &parquet.Plain
		switch kinds[i] {
		case KindBool:
			typ = parquet.BooleanType
		case KindInt:
			typ = parquet.Int64Type
		case KindDouble:
			typ = parquet.DoubleType
		default:
			typ = parquet.String().Type()
			enc = &parquet.RLEDictionary
		}
		root.fields = append(root.fields, &parquetNode{name: n, optional: true, leaf: true, typ: typ, enc: enc, codec: &parquet.Snappy})
	}
	pw := parquet.NewWriter(w, parquet.NewSchema("schema", root), parquet.Compression(&parquet.Snappy))
	// Pass 2: values.
	rows := make([]parquet.Row, 0, 1024)
	inGroup := 0
	flush := func(endGroup bool) error {
		if len(rows) > 0 {
			if _, err := pw.WriteRows(rows); err != nil {
				return err
			}
			rows = rows[:0]
		}
		if endGroup && inGroup > 0 {
			inGroup = 0
			return pw.Flush()
		}
		return nil
	}
	err = oldScanRecords(open, name, d, func(_ *Scanner, r *Record) error {
		if r.Kind != Data {
			return nil
		}
		row := make(parquet.Row, len(names))
		for i := range r.Fields {
			v := r.Value(i)
			if v == "" && kinds[i] != KindString {
				row[i] = parquet.NullValue().Level(0, 0, i)
				continue
			}
			var pv parquet.Value
			switch kinds[i] {
			case KindBool:
				pv = parquet.BooleanValue(strings.EqualFold(v, "true"))
			case KindInt:
				x, _ := strconv.ParseInt(v, 10, 64)
				pv = parquet.Int64Value(x)
			case KindDouble:
				x, _ := strconv.ParseFloat(v, 64)
				pv = parquet.DoubleValue(x)
			default:
				pv = parquet.ByteArrayValue([]byte(v))
			}
			row[i] = pv.Level(0, 1, i)
		}
		rows = append(rows, row)
		inGroup++
		if len(rows) == cap(rows) {
			if err := flush(false); err != nil {
				return err
			}
		}
		if inGroup == rowGroupRows {
			return flush(true)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(true); err != nil {
		return err
	}
	return pw.Close()
}

// oldScanRecords runs fn over every header and data record of a CSV input.
func oldScanRecords(open func() (io.ReadCloser, error), name string, d Dialect, fn func(*Scanner, *Record) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	s := NewScanner(rc, name, d)
	for {
		r, err := s.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if r.Kind == Passthrough {
			continue
		}
		if err := fn(s, r); err != nil {
			return err
		}
	}
}

// ConvertParquetToCSV writes a Parquet file's flat columns as CSV with a
// header: each value in its text form (see ParquetText), nulls as empty
// cells, quoted where needed. A nested or repeated column is an error.
func ConvertParquetToCSV(p *ParquetFile, w io.Writer, delim byte) error {
	cols := p.Columns()
	for _, c := range cols {
		if !c.Flat {
			return fmt.Errorf("%s: column %s is nested or repeated (%s): it cannot be written as CSV", p.name, c.Name, c.Type)
		}
	}
	n := int(p.NumRows())
	cells := make([][]string, len(cols))
	for j, c := range cols {
		cells[j] = make([]string, 0, n)
		err := p.ScanColumn(c.Index, func(_ int64, text []byte, null bool) error {
			if null {
				cells[j] = append(cells[j], "")
			} else {
				cells[j] = append(cells[j], string(text))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var b []byte
	for j, c := range cols {
		if j > 0 {
			b = append(b, delim)
		}
		b = AppendField(b, c.Name, delim)
	}
	b = append(b, '\n')
	bw.Write(b)
	for i := 0; i < n; i++ {
		b = b[:0]
		for j := range cols {
			if j > 0 {
				b = append(b, delim)
			}
			b = AppendField(b, cells[j][i], delim)
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}
