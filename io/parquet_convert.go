package tableio

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// Parquet as a TableWriter (conversions): one optional column per column,
// in order, typed BOOLEAN, INT64, DOUBLE or STRING by its ValueKind, SNAPPY
// compressed, in row groups of WriteOptions.RowGroupRows rows.

func (parquetFormat) Typed() bool { return true }

func (parquetFormat) NewRowWriter(w io.Writer, cols []WriteColumn, opt WriteOptions) (RowWriter, error) {
	n := opt.RowGroupRows
	if n <= 0 {
		n = 128 * 1024
	}
	root := &parquetNode{name: "schema", typ: parquet.Group{}.Type()}
	kinds := make([]ValueKind, len(cols))
	for i, c := range cols {
		var typ parquet.Type
		var enc encoding.Encoding = &parquet.Plain
		switch c.Kind {
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
		kinds[i] = c.Kind
		root.fields = append(root.fields, &parquetNode{name: c.Name, optional: true, leaf: true, typ: typ, enc: enc, codec: &parquet.Snappy})
	}
	pw := parquet.NewWriter(w, parquet.NewSchema("schema", root), parquet.Compression(&parquet.Snappy))
	return &parquetRowWriter{pw: pw, kinds: kinds, groupRows: n, rows: make([]parquet.Row, 0, 1024)}, nil
}

type parquetRowWriter struct {
	pw        *parquet.Writer
	kinds     []ValueKind
	groupRows int
	rows      []parquet.Row
	inGroup   int
}

func (p *parquetRowWriter) WriteRow(cells [][]byte, null []bool) error {
	row := make(parquet.Row, len(cells))
	for i, c := range cells {
		if null[i] {
			row[i] = parquet.NullValue().Level(0, 0, i)
			continue
		}
		var pv parquet.Value
		switch p.kinds[i] {
		case KindBool:
			pv = parquet.BooleanValue(strings.EqualFold(string(c), "true"))
		case KindInt:
			x, err := strconv.ParseInt(string(c), 10, 64)
			if err != nil {
				return p.notOfKind(i, c, err)
			}
			pv = parquet.Int64Value(x)
		case KindDouble:
			x, err := strconv.ParseFloat(string(c), 64)
			if err != nil {
				return p.notOfKind(i, c, err)
			}
			pv = parquet.DoubleValue(x)
		default:
			pv = parquet.ByteArrayValue([]byte(string(c)))
		}
		row[i] = pv.Level(0, 1, i)
	}
	p.rows = append(p.rows, row)
	p.inGroup++
	if len(p.rows) == cap(p.rows) {
		if err := p.flush(false); err != nil {
			return err
		}
	}
	if p.inGroup == p.groupRows {
		return p.flush(true)
	}
	return nil
}

// notOfKind refuses a value that its column's kind cannot hold: the kinds
// are chosen to hold every value, so this is a bug, and writing a wrong
// value instead would change the table.
func (p *parquetRowWriter) notOfKind(col int, c []byte, err error) error {
	return withKind(ErrInternal, fmt.Errorf("converting to Parquet: column %d's value %q does not fit its type: %v", col+1, c, err))
}

func (p *parquetRowWriter) flush(endGroup bool) error {
	if len(p.rows) > 0 {
		if _, err := p.pw.WriteRows(p.rows); err != nil {
			return err
		}
		p.rows = p.rows[:0]
	}
	if endGroup && p.inGroup > 0 {
		p.inGroup = 0
		return p.pw.Flush()
	}
	return nil
}

func (p *parquetRowWriter) Close() error {
	if err := p.flush(true); err != nil {
		return err
	}
	return p.pw.Close()
}

// ColumnKinds are the columns' kinds: BOOLEAN, integers, FLOAT and DOUBLE
// as themselves; everything else (text, DECIMAL, dates, times) as text, in
// its text form (ParquetText).
func (t *parquetTable) ColumnKinds(context.Context) ([]ValueKind, error) {
	cols := t.pf.Columns()
	kinds := make([]ValueKind, len(cols))
	for i := range cols {
		kinds[i] = columnKind(cols[i].leaf)
	}
	return kinds, nil
}

func columnKind(l *parquetLeaf) ValueKind {
	switch l.conv {
	case convBool:
		return KindBool
	case convFloat, convDouble:
		return KindDouble
	case convInt, convUint:
		if l.conv == convUint && l.bits >= 64 {
			return KindString // past an INT64's range: its digits, as text
		}
		switch leafLogicalType(l.elem, l.col.Type()).(type) {
		case nil, *format.IntType: // not a DATE, TIME or TIMESTAMP
			if !l.elem.ConvertedType.Valid || labelTypeOK(l) {
				return KindInt
			}
		}
	}
	return KindString
}
