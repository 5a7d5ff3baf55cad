package tableio

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Conversions (--output-format): any table a format reads, written by any
// format that writes tables (a TableWriter). A conversion carries the table
// — names and data rows — not what lies outside it (a CSV file's preamble,
// comment or empty lines, a Parquet file's key/value metadata).

// ValueKind is a column's value type as a conversion writes it.
type ValueKind uint8

// The kinds, narrowest first.
const (
	KindBool ValueKind = iota
	KindInt
	KindDouble
	KindString
)

// WriteColumn is a column a TableWriter writes.
type WriteColumn struct {
	Name string
	Kind ValueKind
}

// WriteOptions tune a TableWriter.
type WriteOptions struct {
	RowGroupRows int // Parquet: rows per row group (0: 128 Ki)
}

// TableWriter is a TableFormat that can write tables, for conversions.
type TableWriter interface {
	// Typed reports a format whose values have types: it is given each
	// column's kind (from the source's types, or, for an untyped source,
	// the narrowest kind that holds every value, found by a first pass).
	// An untyped writer is given KindString.
	Typed() bool
	// NewRowWriter starts writing a table of cols to w.
	NewRowWriter(w io.Writer, cols []WriteColumn, opt WriteOptions) (RowWriter, error)
}

// RowWriter writes a table's rows.
type RowWriter interface {
	// WriteRow writes one row: each cell's text (ParquetText's form for a
	// typed source), or null. The slices are valid only during the call.
	WriteRow(cells [][]byte, null []bool) error
	// Close writes what is left (a footer).
	Close() error
}

// KindedTable is a Table whose values have types (Parquet's schema, JSON's
// values): its columns' kinds.
type KindedTable interface {
	ColumnKinds(ctx context.Context) ([]ValueKind, error)
}

// Convert reads the table src (of format from, "" to detect it) and writes
// it to w in format to. A column that is nested or repeated cannot be
// written. Errors have their kinds: bad data ErrMalformed, reading or
// writing (or an error without a kind) ErrIO.
func Convert(ctx context.Context, src Source, from Format, ro ReadOptions, to Format, w io.Writer, wo WriteOptions) (err error) {
	defer func() { err = kindOf(err, ErrIO) }()
	tf := LookupFormat(to)
	tw, ok := tf.(TableWriter)
	if !ok {
		return withKind(ErrInternal, fmt.Errorf("no writer for the format %q", to))
	}
	t, _, err := OpenTable(src, from, ro)
	if err != nil {
		return err
	}
	defer t.Close()
	name := src.Label()
	if t.Empty() {
		return &RowError{File: name, Err: ErrNoDataRecord}
	}
	cols := t.Columns()
	idx := make([]int, len(cols))
	wc := make([]WriteColumn, len(cols))
	for i, c := range cols {
		if !c.Flat {
			return withKind(ErrMalformed, fmt.Errorf("%s: column %s is nested or repeated (%s): it cannot be written as %s", name, c.Name, c.Type, tf.Title()))
		}
		idx[i] = i
		wc[i] = WriteColumn{Name: c.Name, Kind: KindString}
		if !t.Named() {
			wc[i].Name = "column" + strconv.Itoa(i+1)
		}
	}
	if tw.Typed() {
		if kt, ok := t.(KindedTable); ok {
			kinds, err := kt.ColumnKinds(ctx)
			if err != nil {
				return err
			}
			for i := range wc {
				wc[i].Kind = kinds[i]
			}
		} else {
			for i := range wc {
				wc[i].Kind = KindBool
			}
			err := t.Read(ctx, t.Whole(), idx, func(r *Row) error {
				for i, c := range r.Cells {
					if r.Null == nil || !r.Null[i] {
						wc[i].Kind = narrow(wc[i].Kind, string(c))
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	rw, err := tw.NewRowWriter(w, wc, wo)
	if err != nil {
		return withKind(ErrIO, err)
	}
	null := make([]bool, len(cols))
	err = t.Read(ctx, t.Whole(), idx, func(r *Row) error {
		for i, c := range r.Cells {
			// An empty cell of an untyped source is null in a typed column
			// (and "" in a text one).
			null[i] = (r.Null != nil && r.Null[i]) || (r.Null == nil && len(c) == 0 && wc[i].Kind != KindString)
		}
		if err := rw.WriteRow(r.Cells, null); err != nil {
			return kindOf(err, ErrIO)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := rw.Close(); err != nil {
		return withKind(ErrIO, err)
	}
	return nil
}

// narrow returns the narrowest kind that holds both k and the value v. The
// rules keep every value: an integer with leading zeros ("007", an
// identifier) stays text, and so does any column with a value that is not a
// number.
func narrow(k ValueKind, v string) ValueKind {
	if v == "" {
		return k // missing: null in a typed column
	}
	if k <= KindBool && (strings.EqualFold(v, "true") || strings.EqualFold(v, "false")) {
		return KindBool
	}
	// A number written with a leading zero ("007", "-01.5") is an
	// identifier or a code: converting it would lose the zero.
	digits := strings.TrimPrefix(v, "-")
	if v[0] == '+' || (len(digits) > 1 && digits[0] == '0' && digits[1] >= '0' && digits[1] <= '9') {
		return KindString
	}
	if k <= KindInt {
		if _, err := strconv.ParseInt(v, 10, 64); err == nil && v != "-0" {
			return KindInt
		}
	}
	if k <= KindDouble {
		if x, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "xXpP_") && !math.IsNaN(x) && !math.IsInf(x, 0) {
			return KindDouble
		}
	}
	return KindString
}
