package transform

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// Undo without flags: the audit cells of a CSV file that flip read with
// --no-header, --skip-lines or --comment record it (AuditRead), so undo
// can read the file as flip wrote it. Undo takes what it needs from the
// first audit cell that records it, found by a plain search of the file's
// lines (undo cannot parse the file before it knows how), and verifies the
// inference:
//
//   - the file must read with it, its audit column found as always (a
//     header's cell of that name, or the last column of a file without a
//     header), and every audit cell parses strictly;
//   - every audit cell that records how the file was read records the same
//     (check, in undo.go), and at least one does (the search may have found
//     text outside the audit column);
//   - no line it passes through unchanged (a preamble line, a comment line)
//     holds an audit cell, or reads as a record of the table: as many
//     fields, the last empty (a row flip did not flip) or an audit cell.
//
// A setting the user gave (ReadGiven) must be the one recorded: undo
// refuses a disagreement (a usage error) rather than guess which is right;
// a cell recording another than the first is refused too (check). When
// nothing is recorded (a file with a header and nothing passed through, a
// file no row of which was flipped, or cells of a fairflip that did not
// record it) undo reads the file with the settings given, as before; a
// part of a table of several files is read as the other parts record
// (TableRead). The delimiter is not recorded: undo detects it as flip did.

// ReadGiven marks the settings of UndoOptions.Dialect that the user gave
// (the flags --no-header, --skip-lines, --comment), which must agree with
// what the audit cells record (UndoOptions.Infer).
type ReadGiven struct {
	Header, SkipLines, Comment bool
}

// inference is how undo read a file as its audit cells record.
type inference struct {
	read  AuditRead
	line  int    // the line of the cell it was taken from (0: another file's)
	where string // "on line 7", "at part1.csv:7"
	flag  string // how undo reads the file, as flags
	other bool   // taken from another part of the table (TableRead)
}

// note adds to an error where undo's reading of the file came from.
func (inf *inference) note(err error) error {
	if err == nil || inf == nil {
		return err
	}
	return &notedError{err: err, note: fmt.Sprintf(" (undo read the file with %s, as the audit cell %s records; if the file is not as flip wrote it, give undo the flags flip was given)", inf.flag, inf.where)}
}

// notedError is an error with a note, of the same class (fferr).
type notedError struct {
	err  error
	note string
}

func (e *notedError) Error() string { return e.err.Error() + e.note }
func (e *notedError) Unwrap() error { return e.err }

// findRead searches a CSV file's lines for the first audit cell that
// records how flip read the file: the line's text from the audit prefix
// (after a quote if the cell is quoted) to its end, parsed strictly.
// It returns the line 0 if there is none.
func findRead(ctx context.Context, path string, maxLine int) (AuditRead, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return AuditRead{}, 0, fferr.IO(err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var line []byte
	for n := 1; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return AuditRead{}, 0, ctx.Err()
		}
		line = line[:0]
		long := false
		var rerr error
		for {
			chunk, err := br.ReadSlice('\n')
			if !long {
				if len(line)+len(chunk) > maxLine {
					long, line = true, line[:0] // too long to be a record undo reads: not searched
				} else {
					line = append(line, chunk...)
				}
			}
			if err != bufio.ErrBufferFull {
				rerr = err
				break
			}
		}
		if e, ok := lastCell(line); ok && e.Read != (AuditRead{}) {
			return e.Read, n, nil
		}
		if rerr == io.EOF {
			return AuditRead{}, 0, nil
		}
		if rerr != nil {
			return AuditRead{}, 0, fferr.IO(rerr)
		}
	}
}

// auditKey starts every audit cell.
var auditKey = []byte(auditPrefix + "col=")

// lastCell parses the audit cell a line ends with, if it ends with one:
// from the audit key's first place, or its last (text like it in a field
// before).
func lastCell(line []byte) (AuditEntry, bool) {
	for _, i := range []int{bytes.Index(line, auditKey), bytes.LastIndex(line, auditKey)} {
		if i < 0 {
			break
		}
		if e, ok := cellAt(line, i); ok {
			return e, true
		}
	}
	return AuditEntry{}, false
}

// holdsAuditCell reports a line that ends with an audit cell.
func holdsAuditCell(line []byte) bool {
	_, ok := lastCell(line)
	return ok
}

// cellAt parses the audit cell that starts at line[i:] (after a quote if
// it is quoted) and runs to the line's end, the last field: after a
// delimiter (padding aside), and, unquoted, without one in it.
func cellAt(line []byte, i int) (AuditEntry, bool) {
	line = bytes.TrimRight(line, "\r\n")
	start, quoted := i, i > 0 && line[i-1] == '"'
	if quoted {
		start--
	}
	isDelim := func(k int) bool { return k > 0 && bytes.IndexByte([]byte(",;\t|"), line[k-1]) >= 0 }
	j := start
	for !isDelim(j) && j > 0 && (line[j-1] == ' ' || line[j-1] == '\t') {
		j--
	}
	var delim byte
	switch {
	case isDelim(j):
		delim = line[j-1]
	case start > 0 && line[start-1] == ' ':
		delim = ' '
	default:
		return AuditEntry{}, false
	}
	raw := bytes.TrimRight(line[start:], " \t")
	if quoted {
		inner := raw[1:]
		if len(inner) == 0 || inner[len(inner)-1] != '"' || bytes.Count(inner[:len(inner)-1], []byte{'"'})%2 != 0 {
			return AuditEntry{}, false // the quoted cell goes on in the next line, or is not one
		}
	} else if bytes.IndexByte(raw, delim) >= 0 {
		return AuditEntry{}, false
	}
	e, err := ParseAudit(tableio.Unquote(raw))
	return e, err == nil
}

// inferRead sets, for Undo, the settings of the dialect not given from the
// audit cells (opt.Infer), and returns where they came from (nil: nothing
// recorded).
func inferRead(ctx context.Context, src Source, opt *UndoOptions) (*inference, error) {
	if !opt.Infer {
		return nil, nil
	}
	if f := src.input().Format; f != tableio.CSV && f != tableio.TSV {
		return nil, nil
	}
	read, line, err := findRead(ctx, src.Path, maxLineOf(opt.Dialect))
	if err != nil {
		return nil, err
	}
	inf := &inference{read: read, line: line, where: fmt.Sprintf("on line %d", line)}
	if line == 0 {
		if opt.TableRead == nil {
			return nil, nil
		}
		// A part of a table whose own cells record nothing (none of its
		// rows was flipped): read as the table's other parts record.
		inf = &inference{read: opt.TableRead.Read, where: "at " + opt.TableRead.At, other: true}
	}
	read = inf.read
	d, g := &opt.Dialect, opt.Given
	var conflict []string
	if g.Header && d.Header == read.NoHeader {
		conflict = append(conflict, map[bool]string{true: "--no-header=false was given", false: "--no-header was given"}[d.Header])
	}
	if g.SkipLines && d.SkipLines != read.SkipLines {
		conflict = append(conflict, fmt.Sprintf("--skip-lines %d was given", d.SkipLines))
	}
	if g.Comment && d.Comment != read.Comment {
		conflict = append(conflict, fmt.Sprintf("--comment %q was given", string([]byte{d.Comment})))
	}
	if len(conflict) > 0 {
		return nil, fferr.Usage("%s: %s, but the audit cell %s records that flip read the file with %s: give undo the flags flip was given, or none of --no-header, --skip-lines and --comment to read the file as its audit cells record", src.name(), strings.Join(conflict, " and "), inf.where, read.Flags())
	}
	d.Header, d.SkipLines, d.Comment = !read.NoHeader, read.SkipLines, read.Comment
	inf.flag = read.Flags()
	return inf, nil
}

func maxLineOf(d tableio.Dialect) int {
	if d.MaxRecordBytes > 0 {
		return d.MaxRecordBytes
	}
	return tableio.DefaultMaxRecordBytes
}

// TableRead is how the audit cells of a table of several CSV files record
// that flip read it (FindTableRead): what, and where ("part1.csv:7").
type TableRead struct {
	Read AuditRead
	At   string
}

// FindTableRead searches the files of one table, in order, for the first
// audit cell that records how flip read them (for UndoOptions.TableRead):
// nil if none does (or they are not CSV files).
func FindTableRead(ctx context.Context, srcs []Source, d tableio.Dialect) (*TableRead, error) {
	for _, src := range srcs {
		if f := src.input().Format; f != tableio.CSV && f != tableio.TSV {
			return nil, nil
		}
		read, line, err := findRead(ctx, src.Path, maxLineOf(d))
		if err != nil {
			return nil, err
		}
		if line > 0 {
			return &TableRead{Read: read, At: fmt.Sprintf("%s:%d", src.name(), line)}, nil
		}
	}
	return nil, nil
}

// checkPassthrough checks, for an inferred reading, the lines it passes
// through: none may hold an audit cell or read as a record of the table
// (nfields fields, the last empty or an audit cell).
func (u *auditCheck) checkPassthrough(ctx context.Context, path string, d tableio.Dialect, nfields int) error {
	f, err := os.Open(path)
	if err != nil {
		return fferr.IO(err)
	}
	defer f.Close()
	d.Delimiter = u.delim
	sc := tableio.NewScanner(f, u.file, d)
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := sc.Next()
		if err == io.EOF || errors.Is(err, tableio.ErrEmptyInput) {
			return nil
		}
		if err != nil {
			return classify(err)
		}
		if rec.Kind != tableio.Passthrough || len(rec.Raw) == 0 {
			continue
		}
		why := ""
		if holdsAuditCell(rec.Raw) {
			why = "holds an audit cell"
		} else if k, last := countFields(rec.Raw, u.delim); k == nfields && last == "" {
			why = fmt.Sprintf("reads as a row of the table (%d fields, the last, the audit cell, empty)", k)
		}
		if why != "" {
			what := "a comment line"
			switch {
			case rec.Line <= d.SkipLines && d.SkipLines == 1:
				what = "the line skipped before the table"
			case rec.Line <= d.SkipLines:
				what = fmt.Sprintf("one of the %d lines skipped before the table", d.SkipLines)
			}
			return fferr.Wrap(fferr.ErrData, &tableio.RowError{File: u.file, Line: rec.Line,
				Err: fmt.Errorf("this line is passed through unchanged (%s), but it %s: the file is not as the audit cells record", what, why)})
		}
	}
}

// countFields counts a line's fields (delimiters outside quotes) and
// returns its last field's value.
func countFields(line []byte, delim byte) (int, string) {
	n, start, quoted := 1, 0, false
	for i, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case c == delim && !quoted:
			n, start = n+1, i+1
		}
	}
	return n, tableio.DecodeField(line[start:])
}
