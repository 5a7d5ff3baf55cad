package tableio

import (
	"context"
	"fmt"
	"io"
)

// Rewriting a table: a Table that is also a Rewriter writes itself again
// with the cells of one column changed on some rows and an audit column
// appended, filled or dropped, everything else as it was (a CSV file byte
// for byte; a Parquet file's schema, codecs, row groups and other values).
// It checks what it writes before any of it reaches w: each output record
// (or column) read back must be the input with exactly the asked changes;
// a caller's Check sees the read-back cells it names.

// Rewriter is a Table that can rewrite itself.
type Rewriter interface {
	Rewrite(ctx context.Context, w io.Writer, p *Rewrite) error
}

// Cell is a cell as a file holds it.
type Cell struct {
	Raw   []byte // the bytes in the file (CSV: with its padding and quotes); nil where cells have no bytes of their own (Parquet)
	Value string // its value: CSV unquoted and trimmed; Parquet its text form (ParquetText)
	Null  bool
}

// NewCell is what a rewrite writes in place of a cell.
type NewCell struct {
	Value string
	// Raw, if not nil, is written exactly, by a format whose cells have
	// bytes of their own (CSV: undo restores the original bytes); it must
	// read back as one cell of value Value. Others write Value.
	Raw []byte
	// Styled writes Value in the style of the cell it replaces (CSV: its
	// padding, and quotes if it was quoted), as flip does.
	Styled bool
}

// Rewrite says what a Rewriter changes.
type Rewrite struct {
	// Column's cells change on Rows (data rows, 0-based in the file,
	// ascending): New gives the cell written in place of the original.
	Column int
	Rows   []int64
	New    func(i int, orig Cell) (NewCell, error)

	// The audit column: appended as the last column (AppendName; flip),
	// filled (FillIndex, an existing column; flip --replace-audit), or
	// dropped (DropIndex; undo). -1 for none. AuditCell gives change i's
	// cell of an appended or filled audit column; the other rows' are empty
	// (null).
	AppendName string
	FillIndex  int
	DropIndex  int
	AuditCell  func(i int, orig Cell) string

	// Check, if set, sees every changed row as written: the values of
	// CheckCols (columns of the input) in the input and read back from
	// the output, and the change index. An error stops the rewrite;
	// nothing more is written. (The format itself checks that every other
	// row is written as it was: a CSV record byte for byte, a Parquet
	// row value for value, with an empty audit cell.)
	CheckCols []int
	Check     func(row int64, change int, in, out []string) error

	// Written is set by a rewrite that succeeds: the data rows written.
	Written int64

	// WantRows (-1: unknown) and SHA256 (if set) are what the first pass
	// read: the rewrite fails with TableChangedError if the file no longer
	// has them. A format that has a change sum (ChangeSummed: CSV, JSON
	// Lines) compares that instead of the SHA-256, if it is set.
	WantRows  int64
	SHA256    string
	ChangeSum string

	// Tamper, if set (by tests only), changes what is written before it
	// is checked: a stand-in for a bug in the rewrite. CSV: each output
	// record, given its input record; Parquet: the ParquetRewrite written
	// (the check compares with the one asked).
	Tamper Tamper
}

// Tamper is Rewrite's test seam.
type Tamper struct {
	Record  func(in *Record, out []byte) []byte
	Parquet func(rw *ParquetRewrite)
}

// Errors of a rewrite.
type (
	// CellError: a change the format cannot write as asked (a CSV cell
	// that would not read back as one cell: a delimiter, a quote or a line
	// break in a Raw cell). Why completes "writing it would ...".
	CellError struct {
		File   string
		Line   int   // CSV line, 0 if none
		Row    int64 // 1-based row, when there is no line
		Column int   // 0-based column of the cell
		Cell   string
		Why    string
	}
	// MismatchError: what was written is not what was asked, read back (a
	// bug in the format's rewrite).
	MismatchError struct {
		File string
		Line int
		Row  int64
		What string
	}
	// TableChangedError: the file is not what the first pass read.
	TableChangedError struct {
		File string
		What string
	}
)

func (e *CellError) Error() string {
	return fmt.Sprintf("%s: column %d: writing the cell %q would %s", where(e.File, e.Line, e.Row), e.Column+1, e.Cell, e.Why)
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s: %s", where(e.File, e.Line, e.Row), e.What)
}

func (e *TableChangedError) Error() string {
	return fmt.Sprintf("%s changed while it was being read (%s)", e.File, e.What)
}

func where(file string, line int, row int64) string {
	switch {
	case line > 0:
		return fmt.Sprintf("%s line %d", file, line)
	case row > 0:
		return fmt.Sprintf("%s row %d", file, row)
	}
	return file
}
