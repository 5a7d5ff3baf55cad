package transform

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/tmpfile"
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
}

// Undo restores the labels recorded in the audit column and drops the
// column.
//
// It trusts no audit cell. A first pass over the whole input checks every
// one, and nothing is written unless all of them pass:
//
//   - a non-empty audit cell parses completely (ParseAudit);
//   - every audit cell names the same column, the label column: a column of
//     the file other than the audit column (for Parquet, a flat column of a
//     type labels can have, see tableio.ParquetLabelType);
//   - on every row with an audit cell the label holds one and the same
//     value, the value flip wrote, and the label recorded in the cell is
//     neither that value (as text or as a number) nor a missing value
//     (model.IsMissing): flip changes neither;
//   - CSV: each record as undo writes it (the recorded label cell in place,
//     the audit cell dropped), read again by the scanner with the file's
//     dialect, is one record of the same kind with the same line end, the
//     other cells byte for byte, and the label cell exactly as recorded: a
//     recorded cell holding a delimiter, a quote or a line break that would
//     change the record is refused;
//   - Parquet: the recorded label is a value of the label column's type
//     (valid UTF-8 for a STRING), and a value= entry is exactly that value's
//     text form (tableio.ParquetText).
//
// A failed check is a data error (fferr.ErrData, exit code 3) naming the
// file, the line (CSV) or row (Parquet) and the column. The second pass
// checks the CSV records again as it writes them.
func Undo(ctx context.Context, in *Input, out io.Writer, opt UndoOptions) (*UndoSummary, error) {
	if opt.AuditColumn == "" {
		opt.AuditColumn = DefaultAuditColumn
	}
	if err := CheckAuditColumn(opt.AuditColumn); err != nil {
		return nil, err
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
		var u *csvUndo
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
			out := rec.Raw
			if rec.Kind != tableio.Passthrough {
				if u == nil {
					if u, err = newUndoCSV(in.Name, rec, sc, opt); err != nil {
						return err
					}
				}
				if rec.Kind == tableio.Data {
					if rec.Row&4095 == 0 {
						if err := ctx.Err(); err != nil {
							return err
						}
					}
					sum.Rows++
				}
				var restored bool
				if out, restored, err = u.record(rec); err != nil {
					return err
				}
				if restored {
					sum.Restored++
				}
			}
			if w != nil {
				if _, err := w.Write(out); err != nil {
					return fferr.IO(err)
				}
				if _, err := w.Write(rec.Term); err != nil {
					return fferr.IO(err)
				}
			}
		}
		if u == nil {
			return fferr.Data("%s has no rows: there is nothing to undo", in.Name)
		}
		if u.label >= 0 {
			sum.Column = "#" + strconv.Itoa(u.label+1)
			if u.label < len(u.names) {
				sum.Column = u.names[u.label]
			}
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

// newUndoCSV finds the audit column from the first record (the header, or
// the first data record of a file without one) and returns the checker
// that undoes the file's records.
func newUndoCSV(file string, rec *tableio.Record, sc *tableio.Scanner, opt UndoOptions) (*csvUndo, error) {
	names := sc.HeaderNames()
	audit := -1
	if rec.Kind == tableio.Header {
		for i, n := range names {
			if n != opt.AuditColumn {
				continue
			}
			if audit >= 0 {
				return nil, fferr.Wrap(fferr.ErrData, &tableio.RowError{File: file, Line: rec.Line, Column: i + 1, Name: n,
					Err: fmt.Errorf("a second audit column %q (the first is column %d): undo cannot tell which one holds the entries; rename one of them", n, audit+1)})
			}
			audit = i
		}
		if audit < 0 {
			return nil, fferr.Usage("%s:%d: the header has no audit column %q; give --audit-column if flip used another name, or --no-header (with the same --skip-lines/--comment as flip) if the file has no header", file, rec.Line, opt.AuditColumn)
		}
	} else {
		audit = len(rec.Fields) - 1
	}
	if len(rec.Fields) < 2 {
		return nil, fferr.Data("%s:%d: a flipped file has at least two columns (the table and the audit column)", file, rec.Line)
	}
	u := newCSVUndo(file, opt.Dialect, sc.Delimiter(), names, audit, true)
	if opt.Label != "" {
		c, err := resolve(names, len(rec.Fields), opt.Label, "--label", file)
		if err != nil {
			return nil, err
		}
		if c == audit {
			return nil, fferr.Usage("--label %s is the audit column", opt.Label)
		}
		u.want = c
	}
	return u, nil
}

// csvUndo checks the audit cells of a CSV file, record by record, and
// builds each record with its recorded label restored (see Undo for the
// checks). undo uses it with drop set: the audit column goes. flip
// --replace-audit uses it to check the column it reuses, which stays.
type csvUndo struct {
	file  string
	names []string // the header's names (nil without a header), for messages
	delim byte
	audit int  // the audit column
	drop  bool // drop the audit column

	label     int      // the column the audit cells name (-1 before the first)
	want      int      // the label column if known (--label; flip --replace-audit), else -1
	fileNames []string // the header's names as the audit cells record them (nil: no header row)
	first     int      // the line of the first audit cell
	flipped   string   // the label on that line: the value flip wrote
	isFlipped valueSet // flipped, matched as by --positive

	// The records as undo writes them are read again by reread, from feed.
	feed   feedReader
	reread *tableio.Scanner
	buf    []byte
	fed    []byte
}

// newCSVUndo returns a checker for a file with this dialect, delimiter,
// header names and audit column. The checker reads again every header and
// data record (not the passthrough lines) that it is given, in order.
func newCSVUndo(file string, d tableio.Dialect, delim byte, names []string, audit int, drop bool) *csvUndo {
	u := &csvUndo{file: file, names: names, fileNames: names, delim: delim, audit: audit, drop: drop, label: -1, want: -1}
	d.Delimiter = delim
	d.SkipLines = 0 // passthrough lines are not fed
	u.reread = tableio.NewScanner(&u.feed, file, d)
	u.reread.SetMaxRecordBytes(1 << 62) // the record passed the bounds when it was read
	u.reread.SetMaxColumns(1 << 30)
	return u
}

// errAt is a data error at column col of rec.
func (u *csvUndo) errAt(rec *tableio.Record, col int, format string, args ...any) error {
	e := &tableio.RowError{File: u.file, Line: rec.Line, Column: col + 1, Err: fmt.Errorf(format, args...)}
	if col < len(u.names) {
		e.Name = u.names[col]
	}
	return fferr.Wrap(fferr.ErrData, e)
}

// colName names column i for messages: "3 (age)" or "3".
func (u *csvUndo) colName(i int) string {
	if i < len(u.names) {
		return fmt.Sprintf("%d (%s)", i+1, u.names[i])
	}
	return fmt.Sprint(i + 1)
}

// record checks a header or data record and returns it as undo writes it
// (without its line end; the audit column dropped if u.drop), and whether a
// label was restored. The result is valid until the next call.
func (u *csvUndo) record(rec *tableio.Record) ([]byte, bool, error) {
	label, was := -1, ""
	if rec.Kind == tableio.Data {
		var err error
		if label, was, err = u.entry(rec); err != nil {
			return nil, false, err
		}
	}
	u.buf = u.buf[:0]
	switch {
	case u.drop:
		u.buf = dropField(u.buf, rec, u.audit, label, was)
	case label >= 0:
		sp := rec.Fields[label]
		u.buf = append(append(append(u.buf, rec.Raw[:sp.Start]...), was...), rec.Raw[sp.End:]...)
	default:
		u.buf = append(u.buf, rec.Raw...)
	}
	if err := u.readBack(rec, label, was); err != nil {
		return nil, false, err
	}
	return u.buf, label >= 0, nil
}

// entry checks the audit cell of data record rec. It returns the label
// column and the cell to restore there, or -1 when the audit cell is empty.
func (u *csvUndo) entry(rec *tableio.Record) (int, string, error) {
	v := tableio.Unquote(rec.Field(u.audit))
	if v == "" {
		return -1, "", nil
	}
	e, err := ParseAudit(v)
	if err != nil {
		return 0, "", u.errAt(rec, u.audit, "%v", err)
	}
	label := e.Column - 1
	switch {
	case label >= len(rec.Fields) || label == u.audit:
		return 0, "", u.errAt(rec, u.audit, "the audit cell names column %d, which is not a label column of this file (it has %d columns; the audit column is %s)", e.Column, len(rec.Fields), u.colName(u.audit))
	case u.label >= 0 && label != u.label:
		return 0, "", u.errAt(rec, u.audit, "the audit cell names column %s, but the one on line %d names column %s: flip records one label column", u.colName(label), u.first, u.colName(u.label))
	}
	if err := checkLabelName(e, label, LabelName(u.fileNames, label), u.want); err != nil {
		return 0, "", u.errAt(rec, u.audit, "%v", err)
	}
	cur := rec.Value(label)
	if model.IsMissing(cur) {
		return 0, "", u.errAt(rec, label, "the label %q on a row with an audit cell is a missing value, which flip never writes", clip(cur))
	}
	if u.label < 0 {
		u.label, u.first, u.flipped = label, rec.Line, cur
		u.isFlipped = newValueSet([]string{cur})
	} else if cur != u.flipped {
		return 0, "", u.errAt(rec, label, "the label is %q on a row with an audit cell, but %q on line %d: flip writes one value on every row it flips", clip(cur), clip(u.flipped), u.first)
	}
	was := e.Was
	if !e.Raw {
		// A value from a Parquet file (converted to CSV): write it as a cell.
		was = string(tableio.AppendField(nil, e.Was, u.delim))
	}
	wv := tableio.DecodeField([]byte(was))
	if model.IsMissing(wv) {
		return 0, "", u.errAt(rec, u.audit, "the audit cell records the label %q, a missing value, which flip never changes", clip(wv))
	}
	if u.isFlipped.has(wv) {
		return 0, "", u.errAt(rec, u.audit, "the audit cell records the label %q, which is the value flipped rows hold (%q): flip changes only other labels", clip(wv), clip(u.flipped))
	}
	return label, was, nil
}

// readBack reads u.buf (what record returns for rec) again with the file's
// dialect and checks that it is what undo means to write: one record of
// rec's kind and line end, each cell byte for byte the input's cell, the
// label cell (if label >= 0) being was.
func (u *csvUndo) readBack(rec *tableio.Record, label int, was string) error {
	u.fed = append(append(u.fed[:0], u.buf...), rec.Term...)
	u.feed.q = u.fed
	u.feed.eof = len(rec.Term) == 0 // only the last record can lack a line end
	bad := func(format string, args ...any) error {
		what := "dropping the audit column"
		if label >= 0 {
			what = fmt.Sprintf("restoring the label cell %q in column %s", clip(was), u.colName(label))
		}
		return u.errAt(rec, u.audit, "%s would %s", what, fmt.Sprintf(format, args...))
	}
	got, err := u.reread.Next()
	if err != nil {
		var re *tableio.RowError
		if errors.As(err, &re) {
			err = re.Err // its line is the re-read's, not the file's
		}
		if errors.Is(err, tableio.ErrFieldCount) {
			return bad("change the number of cells of the record")
		}
		return bad("not leave one well-formed CSV record (%v)", err)
	}
	if len(got.Raw)+len(got.Term) != len(u.fed) {
		return bad("split the record in two")
	}
	if got.Kind != rec.Kind {
		return bad("turn the record into a line that is not part of the table (a comment or an empty line)")
	}
	if string(got.Term) != string(rec.Term) {
		return bad("change the record's line end")
	}
	want := len(rec.Fields)
	if u.drop {
		want--
	}
	if len(got.Fields) != want {
		return bad("change the number of cells of the record (%d instead of %d)", len(got.Fields), want)
	}
	for j := range got.Fields {
		src := j
		if u.drop && j >= u.audit {
			src++
		}
		cell := rec.Field(src)
		if src == label {
			cell = []byte(was)
		}
		if string(got.Field(j)) != string(cell) {
			return bad("change the cell in column %s from %q to %q", u.colName(src), clip(string(cell)), clip(string(got.Field(j))))
		}
	}
	return nil
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
	emit(0, cutFrom)
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
		if c.Name != opt.AuditColumn {
			continue
		}
		if audit >= 0 {
			return nil, fferr.Data("%s: two columns are named %q (columns %d and %d): undo cannot tell which one holds the entries", in.Name, c.Name, audit+1, i+1)
		}
		audit = i
	}
	if audit < 0 || !cols[audit].Flat {
		return nil, fferr.Usage("%s has no audit column %q; give --audit-column if flip used another name", in.Name, opt.AuditColumn)
	}
	u := &parquetUndo{file: in.Name, cols: cols, audit: audit, label: -1, want: -1}
	if opt.Label != "" {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.Name
		}
		c, err := resolve(names, len(cols), opt.Label, "--label", in.Name)
		if err != nil {
			return nil, err
		}
		if c == audit {
			return nil, fferr.Usage("--label %s is the audit column", opt.Label)
		}
		u.want = c
	}
	restore, err := u.check(pf)
	if err != nil {
		return nil, err
	}
	set := map[int]map[int64]string{}
	if len(restore) > 0 {
		set[u.label] = restore
	}
	// As flip's: written to a temporary file, checked column by column
	// against the input (tableio.VerifyParquetRewrite), only then copied out.
	rw := tableio.ParquetRewrite{Set: set, DropColumn: audit}
	tmp, err := tmpfile.Anonymous("", "a temporary file for checking the output")
	if err != nil {
		return nil, fferr.IO(err)
	}
	defer tmp.Close()
	if err := tableio.RewriteParquet(pf, tmp, rw); err != nil {
		return nil, classifyParquet(err)
	}
	written, err := openWritten(tmp, opt.ParquetLimits)
	if err != nil {
		return nil, err
	}
	if err := verifyParquetError(tableio.VerifyParquetRewrite(pf, written, rw)); err != nil {
		return nil, err
	}
	if err := copyChecked(tmp, out); err != nil {
		return nil, err
	}
	sum := &UndoSummary{Rows: int(pf.NumRows()), Restored: len(restore)}
	if len(restore) > 0 {
		sum.Column = cols[u.label].Name
	}
	return sum, nil
}

// parquetUndo checks the audit cells of a Parquet file (see Undo). undo
// and flip --replace-audit share it.
type parquetUndo struct {
	file  string
	cols  []tableio.ParquetColumn
	audit int

	label       int   // the column the audit cells name (-1 if none)
	want        int   // the label column if known (--label; flip --replace-audit), else -1
	first       int64 // the row (0-based) of the first audit cell
	flipped     string
	flippedRow  int64
	haveFlipped bool
}

// errAt is a data error at row (0-based) and column col.
func (u *parquetUndo) errAt(row int64, col int, format string, args ...any) error {
	return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: u.file, Row: row + 1, Column: col + 1, Name: u.cols[col].Name, Err: fmt.Errorf(format, args...)})
}

// check reads the audit column, then the label column, and returns the
// value (text form) to restore on each row with an audit cell.
func (u *parquetUndo) check(pf *tableio.ParquetFile) (map[int64]string, error) {
	cols := u.cols
	entries := map[int64]AuditEntry{}
	err := pf.ScanColumn(u.audit, func(row int64, text []byte, null bool) error {
		if null || len(text) == 0 {
			return nil
		}
		e, err := ParseAudit(string(text))
		if err != nil {
			return u.errAt(row, u.audit, "%v", err)
		}
		label := e.Column - 1
		if label >= len(cols) || label == u.audit {
			return u.errAt(row, u.audit, "the audit cell names column %d, which is not a label column of this file (it has %d columns; the audit column is %d)", e.Column, len(cols), u.audit+1)
		}
		if err := tableio.ParquetLabelType(cols[label]); err != nil {
			return u.errAt(row, u.audit, "the audit cell names column %d, which cannot be a label column: %v", e.Column, err)
		}
		if u.label >= 0 && label != u.label {
			return u.errAt(row, u.audit, "the audit cell names column %d (%s), but the one on row %d names column %d (%s): flip records one label column", e.Column, cols[label].Name, u.first+1, u.label+1, cols[u.label].Name)
		}
		if err := checkLabelName(e, label, cols[label].Name, u.want); err != nil {
			return u.errAt(row, u.audit, "%v", err)
		}
		if u.label < 0 {
			u.label, u.first = label, row
		}
		entries[row] = e
		return nil
	})
	if err != nil {
		return nil, classifyParquet(err)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	lc := cols[u.label]
	var isFlipped valueSet
	restore := make(map[int64]string, len(entries))
	err = pf.ScanColumn(u.label, func(row int64, text []byte, null bool) error {
		e, ok := entries[row]
		if !ok {
			return nil
		}
		if null || model.IsMissing(string(text)) {
			return u.errAt(row, u.label, "the label %q on a row with an audit cell is a missing value, which flip never writes", clip(string(text)))
		}
		if !u.haveFlipped {
			u.flipped, u.flippedRow, u.haveFlipped = string(text), row, true
			isFlipped = newValueSet([]string{u.flipped})
		} else if string(text) != u.flipped {
			return u.errAt(row, u.label, "the label is %q on a row with an audit cell, but %q on row %d: flip writes one value on every row it flips", clip(string(text)), clip(u.flipped), u.flippedRow+1)
		}
		val := e.Was
		if e.Raw {
			// A raw CSV cell (the file was flipped as CSV and converted): its value.
			val = tableio.DecodeField([]byte(val))
		}
		canon, err := tableio.ParquetCanonical(lc, val)
		if err != nil {
			return u.errAt(row, u.audit, "the audit cell records a label that column %s cannot hold: %v", lc.Name, err)
		}
		if !e.Raw && canon != val {
			return u.errAt(row, u.audit, "the audit cell records the value %q, which column %s (%s) holds as %q: flip records a value exactly as the column holds it", clip(val), lc.Name, lc.Type, clip(canon))
		}
		if model.IsMissing(canon) {
			return u.errAt(row, u.audit, "the audit cell records the label %q, a missing value, which flip never changes", clip(canon))
		}
		if isFlipped.has(canon) {
			return u.errAt(row, u.audit, "the audit cell records the label %q, which is the value flipped rows hold (%q): flip changes only other labels", clip(canon), clip(u.flipped))
		}
		restore[row] = canon
		return nil
	})
	if err != nil {
		return nil, classifyParquet(err)
	}
	return restore, nil
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
