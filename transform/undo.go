package transform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
)

// UndoOptions configure an undo.
type UndoOptions struct {
	AuditColumn string
	// Label, if set, names the label column (a header name, or #N): every
	// audit cell must name it. It is needed only for cells written before
	// the audit cell recorded the label's name (label=).
	Label         string
	Dialect       tableio.Dialect
	ParquetLimits tableio.ParquetLimits // bounds on a Parquet input (zero: the defaults)
	// Part: the file is a part of a table of several files, where an
	// empty table (a 0-byte CSV file: Table.Empty) is a part with no rows,
	// undone to an empty output; otherwise it is an error.
	Part bool
	// Infer: read a CSV file as its audit cells record that flip read it
	// (no header, lines skipped, comment lines: AuditRead); the settings of
	// Dialect marked in Given must be the ones recorded (else a usage
	// error). See undo_read.go. Without Infer, Dialect is used as it is;
	// either way a cell that records another reading than the one undo
	// uses is refused.
	Infer bool
	Given ReadGiven
	// TableRead, for a part of a table of several files (with Infer): how
	// the table's audit cells record flip read it (FindTableRead), for a
	// part whose own cells record nothing (no row of it was flipped).
	TableRead *TableRead
}

// UndoSummary reports an undo.
type UndoSummary struct {
	Rows     int `json:"rows"`
	Restored int `json:"restored"`
	// Column is the column the labels were restored in, as the audit cells
	// name it: its header name, or #N in a file without a header (empty if
	// nothing was restored). Undo cannot know the label column otherwise:
	// showing it lets a user see audit cells that all name another column.
	Column string `json:"column,omitempty"`
	// Read is how undo read a CSV file as its audit cells record it
	// (UndoOptions.Infer): "--no-header --skip-lines 1"; empty if it
	// read it as given.
	Read string `json:"read,omitempty"`
}

// Undo restores the labels recorded in the audit column and drops the
// column, for any format (through its tableio.Table and Rewriter).
//
// It trusts no audit cell. Everything is checked before anything is
// written:
//
//   - a non-empty audit cell parses completely (ParseAudit);
//   - every audit cell names the same column, the label column, by number
//     and by name (label=; a cell without it needs --label): a column of the
//     file other than the audit column (of a type labels can have, in a
//     typed format);
//   - on every row with an audit cell the label holds one and the same
//     value, the value flip wrote, and the label recorded in the cell is
//     neither that value (as text or as a number) nor a missing value
//     (model.IsMissing): flip changes neither;
//   - in a typed format (Parquet) the recorded label is a value of the
//     label column's type, and a value= entry is exactly that value's text
//     form;
//   - in a CSV file, an audit cell that records how flip read the file
//     (AuditRead) records the reading undo uses; read as the cells record
//     (UndoOptions.Infer), no line passed through holds a row of the table
//     (undo_read.go);
//   - the rewrite that restores the labels and drops the column is done
//     once to nowhere first: the format reads every record it would write
//     back (CSV: a recorded cell holding a delimiter, a quote or a line
//     break that would change the record is refused).
//
// A failed check is a data error (fferr.ErrData, exit code 3) naming the
// file, the line (CSV) or row and the column.
func Undo(ctx context.Context, src Source, out io.Writer, opt UndoOptions) (*UndoSummary, error) {
	if opt.AuditColumn == "" {
		opt.AuditColumn = DefaultAuditColumn
	}
	if err := CheckAuditColumn(opt.AuditColumn); err != nil {
		return nil, err
	}
	inf, err := inferRead(ctx, src, &opt)
	if err != nil {
		return nil, err
	}
	sum, err := undo(ctx, src, out, opt, inf)
	if err != nil && (errors.Is(err, fferr.ErrData) || errors.Is(err, fferr.ErrUsage)) {
		err = inf.note(err)
	}
	return sum, err
}

// undo is Undo once the dialect is known (inf: inferred from the audit
// cells, or nil).
func undo(ctx context.Context, src Source, out io.Writer, opt UndoOptions, inf *inference) (*UndoSummary, error) {
	name := src.name()
	ro := &Options{Config: Config{Dialect: opt.Dialect, ParquetLimits: opt.ParquetLimits}}
	t, err := ro.openTable(src)
	if err != nil {
		if errors.Is(err, tableio.ErrNoHeader) {
			return nil, fferr.Data("%s has no rows: there is nothing to undo", name)
		}
		return nil, err
	}
	defer t.Close()
	if t.Empty() {
		if opt.Part {
			return &UndoSummary{}, nil
		}
		return nil, fferr.Data("%s is empty: there is nothing to undo", name)
	}
	rw, ok := t.(tableio.Rewriter)
	if !ok {
		return nil, fferr.Usage("%s: fairflip reads this format but cannot write it", name)
	}
	u, err := newAuditCheck(t, name, opt.AuditColumn, opt.Infer && inf == nil)
	if err != nil {
		return nil, err
	}
	u.read, u.inf = readOf(opt.Dialect), inf
	if opt.Label != "" {
		if u.want, err = resolve(u.names, len(u.cols), opt.Label, "--label", name); err != nil {
			return nil, err
		}
		if u.want == u.audit {
			return nil, fferr.Usage("--label %s is the audit column", opt.Label)
		}
	}
	if err := u.check(ctx, t); err != nil {
		return nil, err
	}
	if inf != nil {
		if err := u.checkPassthrough(ctx, src.Path, opt.Dialect, len(u.cols)); err != nil {
			return nil, err
		}
	}
	r := &tableio.Rewrite{Column: max(u.label, 0), FillIndex: -1, DropIndex: u.audit, WantRows: -1}
	for _, e := range u.restore {
		r.Rows = append(r.Rows, e.row)
	}
	r.New = func(i int, _ tableio.Cell) (tableio.NewCell, error) {
		e := u.restore[i]
		return tableio.NewCell{Value: e.value, Raw: e.raw}, nil
	}
	// Once to nowhere, checking every record; then for real.
	sum := &UndoSummary{Restored: len(u.restore)}
	if err := u.rewriteError(rw.Rewrite(ctx, io.Discard, r)); err != nil {
		return nil, err
	}
	sum.Rows = int(r.Written)
	if err := u.rewriteError(rw.Rewrite(ctx, out, r)); err != nil {
		return nil, err
	}
	if len(u.restore) > 0 {
		sum.Column = LabelName(u.names, u.label)
	}
	if inf != nil {
		sum.Read = readOf(opt.Dialect).Flags()
	}
	return sum, nil
}

// auditCheck checks a file's audit cells as undo would (see Undo). undo
// and flip --replace-audit share it.
type auditCheck struct {
	file      string
	names     []string // the file's own column names (nil: none, columns are #N)
	cols      []tableio.Column
	typed     tableio.TypedTable // nil for an untyped format
	delim     byte               // a CSV file's delimiter
	audit     int
	want      int        // the label column if known (--label; flip --replace-audit), else -1
	read      AuditRead  // how the file is read (a CSV file): cells that record another are refused
	inf       *inference // undo's reading inferred from an audit cell (nil: given)
	confirmed bool       // an audit cell in the audit column records inf.read

	label   int // the column the audit cells name (-1: no audit cell)
	first   string
	flipped string // the label on the rows with an audit cell: the value flip wrote
	where   string // where the flipped value was first seen ("line 2", "row 1")
	at      string // the same with the file ("f.csv:2", "f.parquet row 1")
	restore []restoreCell
}

// restoreCell is one row's recorded label: its value, and for a format
// whose cells have bytes of their own, the cell to write.
type restoreCell struct {
	row   int64
	value string
	raw   []byte
}

// newAuditCheck finds the audit column of table t: the column of that name,
// or the last column of a file without names.
//
// searched: undo looked for how flip read the file in its audit cells
// (UndoOptions.Infer) and found nothing, which its message for a missing
// column says.
func newAuditCheck(t tableio.Table, file, auditName string, searched bool) (*auditCheck, error) {
	u := &auditCheck{file: file, cols: t.Columns(), delim: delimiterOf(t), audit: -1, want: -1, label: -1}
	if g, ok := t.(interface{ NamesGiven() bool }); t.Named() && !(ok && g.NamesGiven()) {
		u.names, _ = columnNames(t.Columns(), t.Named())
	}
	u.typed, _ = t.(tableio.TypedTable)
	if u.names == nil {
		u.audit = len(u.cols) - 1
	} else {
		for i, n := range u.names {
			if n != auditName {
				continue
			}
			if u.audit >= 0 {
				return nil, fferr.Wrap(fferr.ErrData, &tableio.RowError{File: file, Line: headerLine(t), Column: i + 1, Name: n,
					Err: fmt.Errorf("a second audit column %q (the first is column %d): undo cannot tell which one holds the entries; rename one of them", n, u.audit+1)})
			}
			u.audit = i
		}
		if u.audit < 0 {
			if headerLine(t) == 0 { // names that are not a header line (a schema, JSON keys)
				return nil, fferr.Usage("%s has no audit column %q; give --audit-column if flip used another name", file, auditName)
			}
			none := ""
			if searched {
				none = " and no audit cell records that flip read the file otherwise (with --no-header, --skip-lines or --comment: none of its rows was flipped, or it was flipped by a fairflip that did not record it)"
			}
			return nil, fferr.Usage("%s:%d: the header has no audit column %q%s; give --audit-column if flip used another name, or the --no-header, --skip-lines and --comment that flip was given if the file has no header or lines before it", file, headerLine(t), auditName, none)
		}
	}
	if len(u.cols) < 2 {
		return nil, fferr.Data("%s: a flipped file has at least two columns (the table and the audit column)", file)
	}
	if !u.cols[u.audit].Flat {
		return nil, fferr.Usage("%s has no audit column %q; give --audit-column if flip used another name", file, auditName)
	}
	return u, nil
}

// headerLine is the line of a CSV file's header (or first record); 0 for
// a format whose names are not a line of the file.
func headerLine(t tableio.Table) int {
	if h, ok := t.(interface{ HeaderLine() int }); ok {
		return h.HeaderLine()
	}
	return 0
}

// colName names column i for messages: "3 (age)" or "3".
func (u *auditCheck) colName(i int) string {
	if i < len(u.names) {
		return fmt.Sprintf("%d (%s)", i+1, u.names[i])
	}
	return fmt.Sprint(i + 1)
}

// errAt is a data error at a row, in column col.
func (u *auditCheck) errAt(row *tableio.Row, col int, format string, args ...any) error {
	name := ""
	if col < len(u.names) {
		name = u.names[col]
	}
	return fferr.Wrap(fferr.ErrData, row.Where(u.file, col, name, fmt.Errorf(format, args...)))
}

// place names a row for messages: "line 2" or "row 1".
func place(row *tableio.Row) string {
	if row.Line > 0 {
		return fmt.Sprintf("line %d", row.Line)
	}
	return fmt.Sprintf("row %d", row.RowInFile)
}

// check reads the audit column, then the label column it names, and
// checks every audit cell (see Undo).
func (u *auditCheck) check(ctx context.Context, t tableio.Table) error {
	shards := []tableio.Shard{t.Whole()}
	entries := map[int64]AuditEntry{}
	var rowOf []int64 // the rows with an audit cell, in order
	var n int64
	for _, sh := range shards {
		err := t.Read(ctx, sh, []int{u.audit}, func(row *tableio.Row) error {
			r := n
			n++
			v := string(row.Cells[0])
			if row.Raw != nil {
				v = tableio.Unquote(row.Raw[0]) // exactly, inner spaces kept
			}
			if v == "" || (row.Null != nil && row.Null[0]) {
				return nil
			}
			e, err := ParseAudit(v)
			if err != nil {
				return u.errAt(row, u.audit, "%v", err)
			}
			label := e.Column - 1
			switch {
			case label >= len(u.cols) || label == u.audit:
				return u.errAt(row, u.audit, "the audit cell names column %d, which is not a label column of this file (it has %d columns; the audit column is %s)", e.Column, len(u.cols), u.colName(u.audit))
			case u.label >= 0 && label != u.label:
				return u.errAt(row, u.audit, "the audit cell names column %s, but the one on %s names column %s: flip records one label column", u.colName(label), u.first, u.colName(u.label))
			}
			if u.typed != nil {
				if err := u.typed.LabelType(label); err != nil {
					return u.errAt(row, u.audit, "the audit cell names column %d, which cannot be a label column: %v", e.Column, err)
				}
			}
			if err := checkLabelName(e, label, LabelName(u.names, label), u.want); err != nil {
				return u.errAt(row, u.audit, "%v", err)
			}
			if err := u.checkRead(row, e); err != nil {
				return err
			}
			if u.label < 0 {
				u.label, u.first = label, place(row)
			}
			entries[r] = e
			rowOf = append(rowOf, r)
			return nil
		})
		if err != nil {
			return u.readError(err)
		}
	}
	if u.inf != nil && !u.inf.other && !u.confirmed {
		return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: u.file, Line: u.inf.line,
			Err: fmt.Errorf("this line holds the text of an audit cell (recording %s), but no cell of the audit column records it: the file was edited, or the text is not fairflip's", u.inf.flag)})
	}
	if u.label < 0 {
		return nil
	}
	n = 0
	var isFlipped valueSet
	haveFlipped := false
	for _, sh := range shards {
		err := t.Read(ctx, sh, []int{u.label}, func(row *tableio.Row) error {
			r := n
			n++
			e, ok := entries[r]
			if !ok {
				return nil
			}
			cur := string(row.Cells[0])
			if (row.Null != nil && row.Null[0]) || model.IsMissing(cur) {
				return u.errAt(row, u.label, "the label %q on a row with an audit cell is a missing value, which flip never writes", clip(cur))
			}
			if !haveFlipped {
				u.flipped, u.where, haveFlipped = cur, place(row), true
				u.at = fmt.Sprintf("%s row %d", u.file, row.RowInFile)
				if row.Line > 0 {
					u.at = fmt.Sprintf("%s:%d", u.file, row.Line)
				}
				isFlipped = newValueSet([]string{cur})
			} else if cur != u.flipped {
				return u.errAt(row, u.label, "the label is %q on a row with an audit cell, but %q on %s: flip writes one value on every row it flips", clip(cur), clip(u.flipped), u.where)
			}
			rc, err := u.recorded(row, e)
			if err != nil {
				return err
			}
			if model.IsMissing(rc.value) {
				return u.errAt(row, u.audit, "the audit cell records the label %q, a missing value, which flip never changes", clip(rc.value))
			}
			if isFlipped.has(rc.value) {
				return u.errAt(row, u.audit, "the audit cell records the label %q, which is the value flipped rows hold (%q): flip changes only other labels", clip(rc.value), clip(u.flipped))
			}
			rc.row = r
			u.restore = append(u.restore, rc)
			return nil
		})
		if err != nil {
			return u.readError(err)
		}
	}
	return nil
}

// recorded is the label an audit cell records, as this format restores it:
// a CSV file's recorded cell exactly (was=), or a value written as a cell
// (value=); a typed format's value, which must be one of the label
// column's type and, given as value=, in its exact text form.
func (u *auditCheck) recorded(row *tableio.Row, e AuditEntry) (restoreCell, error) {
	var rc restoreCell
	if row.Raw != nil { // a format whose cells have bytes: CSV
		was := e.Was
		if !e.Raw {
			was = string(tableio.AppendField(nil, e.Was, u.delim))
		}
		rc.raw = []byte(was)
		rc.value = tableio.DecodeField(rc.raw)
		return rc, nil
	}
	val := e.Was
	if e.Raw {
		// A raw CSV cell (the file was flipped as CSV and converted): its value.
		val = tableio.DecodeField([]byte(val))
	}
	if u.typed == nil {
		rc.value = val
		return rc, nil
	}
	canon, err := u.typed.LabelValue(u.label, val)
	if err != nil {
		return rc, u.errAt(row, u.audit, "the audit cell records a label that column %s cannot hold: %v", u.cols[u.label].Name, err)
	}
	if !e.Raw && canon != val {
		return rc, u.errAt(row, u.audit, "the audit cell records the value %q, which column %s (%s) holds as %q: flip records a value exactly as the column holds it", clip(val), u.cols[u.label].Name, u.cols[u.label].Type, clip(canon))
	}
	rc.value = canon
	return rc, nil
}

// checkRead checks what an audit cell records of how flip read a CSV file
// against how undo reads it: the same, or nothing (a cell of a fairflip
// that did not record it). A Parquet or JSON Lines file converted from a
// flipped CSV file has cells recording the CSV file: not checked.
func (u *auditCheck) checkRead(row *tableio.Row, e AuditEntry) error {
	if u.inf != nil && e.Read == u.inf.read {
		u.confirmed = true
	}
	if u.delim == 0 || e.Read == (AuditRead{}) || e.Read == u.read {
		return nil
	}
	return u.errAt(row, u.audit, "the audit cell records that flip read the file with %s, but undo reads it with %s: give undo the flags flip was given, or none to read the file as the audit cells record", e.Read.Flags(), u.read.Flags())
}

// readError classifies an error of reading the file's cells.
func (u *auditCheck) readError(err error) error {
	return classify(err)
}

// rewriteError classifies an error of undo's rewrite: a recorded cell that
// would not read back as one cell is bad data, worded as undo's.
func (u *auditCheck) rewriteError(err error) error {
	var ce *tableio.CellError
	if errors.As(err, &ce) {
		return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: u.file, Line: ce.Line, Row: ce.Row, Column: u.audit + 1, Name: u.nameOf(u.audit),
			Err: fmt.Errorf("restoring the label cell %q in column %s would %s", clip(ce.Cell), u.colName(ce.Column), ce.Why)})
	}
	var mm *tableio.MismatchError
	if errors.As(err, &mm) {
		return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: u.file, Line: mm.Line, Row: mm.Row, Column: u.audit + 1, Name: u.nameOf(u.audit),
			Err: fmt.Errorf("dropping the audit column would %s", strings.TrimPrefix(mm.What, "the rewritten record would "))})
	}
	o := &Options{}
	return o.rewriteError(err, u.file)
}

func (u *auditCheck) nameOf(col int) string {
	if col < len(u.names) {
		return u.names[col]
	}
	return ""
}

// checkLabelName checks that an audit cell naming column label (0-based),
// whose name in the file is name, is a cell flip wrote for that column:
// its label= must be that name. A cell without label= (written before it
// existed) is accepted only for want, the column known to be the label
// (--label); want < 0 means unknown.
func checkLabelName(e AuditEntry, label int, name string, want int) error {
	switch {
	case want >= 0 && label != want:
		return fmt.Errorf("the audit cell names column %d, but the label column (--label) is column %d: it was not written for this label, or was edited", label+1, want+1)
	case e.Label == "" && want < 0:
		return fmt.Errorf("the audit cell names column %d (%s) without its name (label=, which fairflip writes since 0.1.0-dev of December 2026): undo cannot tell it from an edited cell; if column %d is the label column, confirm it with --label %s", label+1, name, label+1, name)
	case e.Label != "" && e.Label != name:
		return fmt.Errorf("the audit cell names column %d, whose name is %q, but records the label column as %q: it was edited, or written for another file; nothing was restored", label+1, clip(name), clip(e.Label))
	}
	return nil
}
