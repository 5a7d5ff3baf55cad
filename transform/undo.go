package transform

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// UndoOptions configure an undo.
type UndoOptions struct {
	AuditColumn   string
	Dialect       tableio.Dialect
	ParquetLimits tableio.ParquetLimits // bounds on a Parquet input (zero: the defaults)
}

// UndoSummary reports an undo.
type UndoSummary struct {
	Rows     int `json:"rows"`
	Restored int `json:"restored"`
}

// Undo restores the labels recorded in the audit column and drops the
// column. It reads in twice: once to check every audit cell, once to write,
// so that nothing reaches out when the input is bad.
func Undo(ctx context.Context, in *Input, out io.Writer, opt UndoOptions) (*UndoSummary, error) {
	if opt.AuditColumn == "" {
		opt.AuditColumn = DefaultAuditColumn
	}
	if in.Format == tableio.Parquet {
		return undoParquet(in, out, opt)
	}
	opt.Dialect = dialectFor(in, opt.Dialect)
	var sum UndoSummary
	pass := func(w *bufio.Writer) error {
		rc, err := in.Open()
		if err != nil {
			return fferr.IO(err)
		}
		defer rc.Close()
		sc := tableio.NewScanner(rc, in.Name, opt.Dialect)
		audit := -1
		var buf []byte
		sum = UndoSummary{}
		for {
			rec, err := sc.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if errors.Is(err, tableio.ErrEmptyInput) {
					return fferr.Data("%s is empty: there is nothing to undo", in.Name)
				}
				return classify(err)
			}
			if rec.Kind != tableio.Passthrough && audit < 0 {
				if rec.Kind == tableio.Header {
					for i, n := range sc.HeaderNames() {
						if n == opt.AuditColumn {
							audit = i
						}
					}
					if audit < 0 {
						return fferr.Usage("%s:%d: the header has no audit column %q; give --audit-column if flip used another name, or --no-header (with the same --skip-lines/--comment as flip) if the file has no header", in.Name, rec.Line, opt.AuditColumn)
					}
				} else {
					audit = len(rec.Fields) - 1
				}
				if len(rec.Fields) < 2 {
					return fferr.Data("%s:%d: a flipped file has at least two columns (the table and the audit column)", in.Name, rec.Line)
				}
			}
			buf = buf[:0]
			switch rec.Kind {
			case tableio.Passthrough:
				buf = append(buf, rec.Raw...)
			case tableio.Header:
				buf = dropField(buf, rec, audit, -1, "")
			case tableio.Data:
				if rec.Row&4095 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				sum.Rows++
				v := tableio.Unquote(rec.Field(audit))
				label, was := -1, ""
				if v != "" {
					e, err := ParseAudit(v)
					if err != nil {
						return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: in.Name, Line: rec.Line, Column: audit + 1, Name: opt.AuditColumn, Err: err})
					}
					if e.Column > len(rec.Fields) || e.Column-1 == audit {
						return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: in.Name, Line: rec.Line, Column: audit + 1, Name: opt.AuditColumn, Err: fmt.Errorf("audit cell names column %d, which is not a label column of this file", e.Column)})
					}
					label, was = e.Column-1, e.Was
					if !e.Raw {
						// A value from a Parquet file (converted to CSV): write it as a cell.
						was = string(tableio.AppendField(nil, e.Was, sc.Delimiter()))
					}
					sum.Restored++
				}
				buf = dropField(buf, rec, audit, label, was)
			}
			if w != nil {
				buf = append(buf, rec.Term...)
				if _, err := w.Write(buf); err != nil {
					return fferr.IO(err)
				}
			}
		}
		if audit < 0 {
			return fferr.Data("%s has no rows: there is nothing to undo", in.Name)
		}
		return nil
	}
	if err := pass(nil); err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	if err := pass(w); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, fferr.IO(err)
	}
	return &sum, nil
}

// dropField appends rec without field drop (and the delimiter that joined it
// to its neighbour), with field label's raw bytes replaced by was when label >= 0.
func dropField(dst []byte, rec *tableio.Record, drop, label int, was string) []byte {
	// The bytes to cut: from the end of the previous field to the end of the
	// dropped one; for the first field, from its start to the next field's start.
	var cutFrom, cutTo int
	if drop > 0 {
		cutFrom, cutTo = rec.Fields[drop-1].End, rec.Fields[drop].End
	} else {
		cutFrom, cutTo = rec.Fields[0].Start, rec.Fields[1].Start
	}
	last := 0
	emit := func(from, to int) {
		if from < to {
			dst = append(dst, rec.Raw[from:to]...)
		}
	}
	if label >= 0 {
		sp := rec.Fields[label]
		if sp.Start < cutFrom {
			emit(0, sp.Start)
			dst = append(dst, was...)
			emit(sp.End, cutFrom)
			emit(cutTo, len(rec.Raw))
			return dst
		}
		emit(0, cutFrom)
		emit(cutTo, sp.Start)
		dst = append(dst, was...)
		emit(sp.End, len(rec.Raw))
		return dst
	}
	emit(last, cutFrom)
	emit(cutTo, len(rec.Raw))
	return dst
}

// undoParquet restores the labels recorded in a Parquet file's audit
// column and drops the column.
func undoParquet(in *Input, out io.Writer, opt UndoOptions) (*UndoSummary, error) {
	pf, _, _, done, err := openParquet(in, opt.ParquetLimits)
	if err != nil {
		return nil, err
	}
	defer done()
	cols := pf.Columns()
	audit := -1
	for i, c := range cols {
		if c.Name == opt.AuditColumn {
			audit = i
		}
	}
	if audit < 0 || !cols[audit].Flat {
		return nil, fferr.Usage("%s has no audit column %q; give --audit-column if flip used another name", in.Name, opt.AuditColumn)
	}
	sum := &UndoSummary{Rows: int(pf.NumRows())}
	set := map[int]map[int64]string{}
	err = pf.ScanColumn(audit, func(row int64, text []byte, null bool) error {
		if null || len(text) == 0 {
			return nil
		}
		e, err := ParseAudit(string(text))
		if err == nil && (e.Column > len(cols) || e.Column-1 == audit || !cols[e.Column-1].Flat) {
			err = fmt.Errorf("audit cell names column %d, which is not a label column of this file", e.Column)
		}
		if err != nil {
			return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: in.Name, Row: row + 1, Column: audit + 1, Name: opt.AuditColumn, Err: err})
		}
		if set[e.Column-1] == nil {
			set[e.Column-1] = map[int64]string{}
		}
		was := e.Was
		if e.Raw {
			// A raw CSV cell (the file was flipped as CSV and converted): its value.
			was = tableio.DecodeField([]byte(was))
		}
		set[e.Column-1][row] = was
		sum.Restored++
		return nil
	})
	if err != nil {
		return nil, classifyParquet(err)
	}
	if err := tableio.RewriteParquet(pf, out, tableio.ParquetRewrite{Set: set, DropColumn: audit}); err != nil {
		return nil, classifyParquet(err)
	}
	return sum, nil
}
