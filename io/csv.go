// Package tableio reads and writes tables for fairflip without losing a byte.
//
// The CSV side is a byte-preserving scanner: every record keeps its raw bytes,
// its line terminator and the byte span of each field, so a caller can write the
// record back unchanged, or change one field and leave every other byte as it
// was. Values are decoded (unquoted, "" unescaped, surrounding spaces trimmed)
// only for the fields a caller asks for.
//
// Nothing in this package knows about fairness.
package tableio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// Kind tells what a physical piece of the input is.
type Kind uint8

const (
	// Data is a data record.
	Data Kind = iota
	// Header is the header record (the first record when Dialect.Header is set).
	Header
	// Passthrough is a line that is not part of the table: a preamble line
	// (Dialect.SkipLines), a comment line (Dialect.Comment) or an empty line.
	// It is written back unchanged and never counted as a row.
	Passthrough
)

// Dialect describes how a CSV file is written.
type Dialect struct {
	// Delimiter separates fields. 0 means detect it from the first record:
	// the most frequent of , ; TAB | outside quotes, else a single space if the
	// line has one, else a comma.
	Delimiter byte
	// Header is set when the first record names the columns.
	Header bool
	// SkipLines physical lines at the start are passed through verbatim
	// (UCI's adult.test starts with a junk line).
	SkipLines int
	// Comment, when not 0, marks lines that start with this byte as comments,
	// passed through verbatim.
	Comment byte
	// MaxRecordBytes bounds the bytes of one record (all its physical lines,
	// terminators included); 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
	// MaxColumns bounds the number of fields of one record; 0 means
	// DefaultMaxColumns.
	MaxColumns int
}

// Span is the byte range of one field in Record.Raw. It covers the whole
// field: padding spaces and quotes included, the delimiters excluded.
type Span struct {
	Start, End int
	Quoted     bool
}

// Record is one logical record: a data record, the header, or a passthrough line.
// Its slices are valid only until the next call of Scanner.Next.
type Record struct {
	Kind Kind
	// Raw holds the record's bytes without its line terminator. A quoted field
	// may contain line breaks, so Raw may span several physical lines.
	Raw []byte
	// Term is the line terminator that followed the record: "\n", "\r\n", or
	// "" for a last line without one.
	Term []byte
	// Line is the 1-based physical line on which the record starts.
	Line int
	// Row is the 0-based index of a data record among the data records
	// (-1 for the header and passthrough lines).
	Row int
	// Fields holds the span of each field (empty for passthrough lines,
	// and for a record a lazy scanner has not split: Scanner.SetLazy).
	Fields []Span

	unsplit bool // returned by a lazy scanner without its fields
}

// Field returns the raw bytes of field i.
func (r *Record) Field(i int) []byte { return r.Raw[r.Fields[i].Start:r.Fields[i].End] }

// Value returns the decoded value of field i: quotes removed, doubled quotes
// unescaped, surrounding spaces and tabs trimmed.
func (r *Record) Value(i int) string { return DecodeField(r.Field(i)) }

// ValueBytes is Value without the string allocation when the field needs no
// unescaping; the result may alias Raw.
func (r *Record) ValueBytes(i int) []byte {
	f := trimSpace(r.Field(i))
	if len(f) >= 2 && f[0] == '"' && f[len(f)-1] == '"' {
		inner := f[1 : len(f)-1]
		if bytes.IndexByte(inner, '"') < 0 {
			return trimSpace(inner)
		}
		return []byte(DecodeField(f))
	}
	return f
}

// DecodeField decodes one raw field: padding removed, quotes removed and
// doubled quotes unescaped, then surrounding spaces and tabs trimmed.
func DecodeField(f []byte) string {
	f = trimSpace(f)
	if len(f) >= 2 && f[0] == '"' && f[len(f)-1] == '"' {
		inner := f[1 : len(f)-1]
		if bytes.IndexByte(inner, '"') >= 0 {
			return strings.TrimSpace(strings.ReplaceAll(string(inner), `""`, `"`))
		}
		return string(trimSpace(inner))
	}
	return string(f)
}

// Unquote returns the exact content of a raw field: padding outside the
// quotes removed, quotes removed and doubled quotes unescaped, but spaces
// inside the quotes kept.
func Unquote(f []byte) string {
	f = trimSpace(f)
	if len(f) >= 2 && f[0] == '"' && f[len(f)-1] == '"' {
		return strings.ReplaceAll(string(f[1:len(f)-1]), `""`, `"`)
	}
	return string(f)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// Padding splits a raw field into its leading padding, its core and its
// trailing padding (spaces and tabs outside any quotes).
func Padding(f []byte) (lead, core, trail []byte) {
	i := 0
	for i < len(f) && (f[i] == ' ' || f[i] == '\t') {
		i++
	}
	j := len(f)
	for j > i && (f[j-1] == ' ' || f[j-1] == '\t') {
		j--
	}
	return f[:i], f[i:j], f[j:]
}

// NeedsQuotes reports whether value must be quoted to be read back as itself
// in a file with this delimiter: it holds the delimiter, a quote, a line
// break, or surrounding spaces that a reader would trim.
func NeedsQuotes(value string, delim byte) bool {
	if value == "" {
		return false
	}
	if value[0] == ' ' || value[0] == '\t' || value[len(value)-1] == ' ' || value[len(value)-1] == '\t' {
		return true
	}
	for i := 0; i < len(value); i++ {
		switch value[i] {
		case delim, '"', '\n', '\r':
			return true
		}
	}
	return false
}

// AppendQuoted appends value in quotes, doubling any quote inside it.
func AppendQuoted(dst []byte, value string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(value); i++ {
		if value[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, value[i])
	}
	return append(dst, '"')
}

// AppendField appends value as a field for this delimiter, quoted only if it
// needs to be.
func AppendField(dst []byte, value string, delim byte) []byte {
	if NeedsQuotes(value, delim) {
		return AppendQuoted(dst, value)
	}
	return append(dst, value...)
}

// Errors a Scanner reports, wrapped in a *RowError.
var (
	ErrBareQuote            = errors.New(`bare " in a field that is not quoted (a quote inside a field must be doubled and the field quoted)`)
	ErrQuote                = errors.New(`extra text after the closing " of a quoted field`)
	ErrOpenQuote            = errors.New(`quoted field never closes (missing closing ")`)
	ErrFieldCount           = errors.New("wrong number of fields")
	ErrInvalidUTF8          = errors.New("invalid UTF-8")
	ErrLineTooLong          = errors.New("record too long")
	ErrTooManyColumns       = errors.New("too many fields")
	ErrEmptyInput           = errors.New("the input is empty")
	ErrNoHeader       error = kindSentinel{"no header record", ErrMalformed}
	ErrNoDataRecord         = errors.New("no data rows")
)

// RowError is an error at one place of an input file.
type RowError struct {
	File   string // file name as the user gave it ("<stdin>" for standard input)
	Line   int    // 1-based physical line, 0 if unknown (Parquet)
	Row    int64  // 1-based data row, for formats without lines (Parquet); 0 if unknown
	Column int    // 1-based field number, 0 if the error concerns the whole record
	Name   string // column name, if known
	Err    error
}

func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Line == 0 && e.Row > 0 {
		fmt.Fprintf(&b, "row %d: ", e.Row)
	}
	if e.Column > 0 {
		fmt.Fprintf(&b, "column %d", e.Column)
		if e.Name != "" {
			fmt.Fprintf(&b, " (%s)", e.Name)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *RowError) Unwrap() error { return e.Err }

// DefaultMaxRecordBytes bounds the size of one record, so that a file with a
// quote that never closes cannot make the scanner hold the whole file.
const DefaultMaxRecordBytes = 64 << 20

// DefaultMaxColumns bounds the number of fields of one record. Each field
// costs its span here and a column downstream, so a header of a million
// empty fields (2 MB of commas) is refused early.
const DefaultMaxColumns = 100_000

// Scanner reads CSV records, keeping every byte.
type Scanner struct {
	r        *bufio.Reader
	name     string
	d        Dialect
	maxBytes int
	maxCols  int

	line      int // physical lines consumed so far
	rows      int // data records so far
	started   bool
	nfields   int // expected number of fields, 0 until known
	countLine int // line of the record that fixed nfields
	header    []string

	buf  []byte
	rec  Record
	err  error
	lazy bool // SetLazy
	// ascii: splitPlain found the whole of the record it split to be
	// ASCII (so valid UTF-8, which checkFields need not check again).
	ascii bool

	recLine int // line on which the record being read starts

	openField, openStart, openLine int // where an open quoted field began
	// openScan is how far the open quoted field was searched for its closing
	// quote: the search resumes there when the next line arrives, so that a
	// field of many lines is scanned once, not once per line.
	openScan int
}

// NewScanner returns a Scanner reading r. name is used in error messages.
// The bounds d.MaxRecordBytes and d.MaxColumns apply (0: the defaults).
func NewScanner(r io.Reader, name string, d Dialect) *Scanner {
	return newScannerSize(r, name, d, 1<<20)
}

// newScannerSize is NewScanner with a read buffer of size bytes (a record
// may be longer: readLine gathers it).
func newScannerSize(r io.Reader, name string, d Dialect, size int) *Scanner {
	s := &Scanner{r: bufio.NewReaderSize(r, size), name: name, d: d, maxBytes: DefaultMaxRecordBytes, maxCols: DefaultMaxColumns}
	if d.MaxRecordBytes > 0 {
		s.maxBytes = d.MaxRecordBytes
	}
	if d.MaxColumns > 0 {
		s.maxCols = d.MaxColumns
	}
	return s
}

// SetMaxRecordBytes changes the bound on the size of one record (its bytes
// over all its physical lines, terminators included).
func (s *Scanner) SetMaxRecordBytes(n int) { s.maxBytes = n }

// Resume makes a scanner that starts in the middle of a file (at the start
// of a record, after line lines) go on as the scanner of the whole file
// would: line numbers count from there, every record is a data record, and
// each must have nfields fields (the first record's, which it has not
// seen; it was on line countLine). Its dialect must already have the
// delimiter (no detection), no header and no lines to skip. Rows count
// from 0 in the piece.
func (s *Scanner) Resume(line, nfields, countLine int) {
	s.line = line
	s.started = true
	s.nfields = nfields
	s.countLine = countLine
}

// SetMaxColumns changes the bound on the number of fields of one record.
func (s *Scanner) SetMaxColumns(n int) { s.maxCols = n }

// Delimiter returns the delimiter in use (after detection, once the first
// record was read).
func (s *Scanner) Delimiter() byte { return s.d.Delimiter }

// HeaderNames returns the decoded header names once the header was read (nil
// if the dialect has no header).
func (s *Scanner) HeaderNames() []string { return s.header }

// Rows returns the number of data records read so far.
func (s *Scanner) Rows() int { return s.rows }

// errAt builds a RowError.
func (s *Scanner) errAt(line, col int, err error) error {
	e := &RowError{File: s.name, Line: line, Column: col, Err: err}
	if col > 0 && col <= len(s.header) {
		e.Name = s.header[col-1]
	}
	return e
}

// readLine appends the next physical line (with its terminator) to s.buf and
// reports whether anything was read. s.buf holds the record read so far, so
// the bound applies to the whole record, however many lines it spans.
func (s *Scanner) readLine() (bool, error) {
	start := len(s.buf)
	for {
		chunk, err := s.r.ReadSlice('\n')
		if len(s.buf)+len(chunk) > s.maxBytes {
			// Checked before appending: the buffer never grows past the bound.
			return true, s.errAt(s.recLine, 0, fmt.Errorf("%w: more than %d bytes (the bound is --max-record-bytes; a quote that never closes makes a record run to the end of the file)", ErrLineTooLong, s.maxBytes))
		}
		if need := len(s.buf) + len(chunk); need > cap(s.buf) {
			// Double, but never past the bound: the buffer and the ones it
			// replaced add up to at most twice the bound.
			nb := make([]byte, len(s.buf), min(max(2*cap(s.buf), need, 4096), s.maxBytes))
			copy(nb, s.buf)
			s.buf = nb
		}
		s.buf = append(s.buf, chunk...)
		if err == nil {
			return true, nil
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			return len(s.buf) > start, nil
		}
		return len(s.buf) > start, err
	}
}

// Next returns the next record. At the end it returns io.EOF. Errors in the
// data are *RowError values.
func (s *Scanner) Next() (*Record, error) {
	if s.err != nil {
		return nil, s.err
	}
	rec, err := s.next()
	if err != nil {
		s.err = err
	}
	return rec, err
}

func (s *Scanner) next() (*Record, error) {
	if s.lazy {
		if r := s.nextBuffered(); r != nil {
			return r, nil
		}
	}
	s.buf = s.buf[:0]
	s.recLine = s.line + 1
	got, err := s.readLine()
	if err != nil {
		return nil, err
	}
	if !got {
		if !s.started {
			s.started = true
			if s.line == 0 {
				return nil, &RowError{File: s.name, Err: ErrEmptyInput}
			}
		}
		return nil, io.EOF
	}
	s.line++
	startLine := s.line
	r := &s.rec
	r.Line = startLine
	r.Row = -1
	r.Fields = r.Fields[:0]
	r.unsplit = false

	// Lines that are not part of the table.
	if s.line <= s.d.SkipLines || (s.d.Comment != 0 && s.buf[0] == s.d.Comment) || isBlank(s.buf) {
		r.Kind = Passthrough
		r.Raw, r.Term = splitTerm(s.buf)
		return r, nil
	}
	if s.d.Delimiter == 0 {
		s.d.Delimiter = Sniff(s.buf)
	}
	// Parse fields, reading more lines while a quoted field is open.
	pos := 0
	if !s.started && bytes.HasPrefix(s.buf, bom) {
		pos = len(bom)
	}
	s.started = true
	if s.lazy && s.nfields != 0 && (!s.d.Header || s.header != nil) {
		if raw, term := splitTerm(s.buf); bytes.IndexByte(raw, '"') < 0 {
			r.Raw, r.Term, r.unsplit = raw, term, true
			r.Kind, r.Row = Data, s.rows
			s.rows++
			return r, nil
		}
	}
	s.openField = -1
	s.openScan = 0
	s.ascii = false
	for {
		open, perr := s.parseFrom(pos)
		if perr != nil {
			return nil, perr
		}
		if !open {
			break
		}
		// The quoted field goes on in the next physical line.
		got, err := s.readLine()
		if err != nil {
			return nil, err
		}
		if !got {
			return nil, s.errAt(s.openLine, s.openField+1, ErrOpenQuote)
		}
		s.line++
		// Parse again from the start of the open field: the buffer grew.
		s.rec.Fields = s.rec.Fields[:s.openField]
		pos = s.openStart
	}
	r.Raw, r.Term = splitTerm(s.buf)
	if err := s.checkFields(r); err != nil {
		return nil, err
	}
	if s.d.Header && s.header == nil {
		r.Kind = Header
		s.header = make([]string, len(r.Fields))
		for i := range r.Fields {
			s.header[i] = r.Value(i)
		}
		return r, nil
	}
	r.Kind = Data
	r.Row = s.rows
	s.rows++
	return r, nil
}

// nextBuffered is next for a lazy scanner (only) whose next line, already in
// its read buffer, is a data record of one line without a quote (as next
// would return it unsplit): the record's bytes are the read buffer's, not
// copied to s.buf (valid, as every record's, until the next call). It
// returns nil, having read nothing, for any other line.
func (s *Scanner) nextBuffered() *Record {
	if s.nfields == 0 || (s.d.Header && s.header == nil) || s.line < s.d.SkipLines {
		return nil
	}
	b, _ := s.r.Peek(s.r.Buffered())
	i := bytes.IndexByte(b, '\n')
	if i < 0 || i+1 > s.maxBytes {
		return nil
	}
	line := b[:i+1]
	if (s.d.Comment != 0 && line[0] == s.d.Comment) || isBlank(line) || bytes.IndexByte(line, '"') >= 0 {
		return nil
	}
	s.r.Discard(i + 1)
	s.recLine = s.line + 1
	s.line++
	r := &s.rec
	r.Kind, r.Line, r.Row = Data, s.line, s.rows
	r.Fields = r.Fields[:0]
	r.Raw, r.Term = splitTerm(line)
	r.unsplit = true
	s.rows++
	return r
}

// SetLazy makes the scanner return a data record of one line without a
// quote unsplit: its Raw and Term, but no Fields, and unchecked (its field
// count, its UTF-8) until Split is called. For a second pass over bytes
// that the first pass checked (and that a checksum shows are the same),
// which needs the fields of a few records only. The header and the record
// that fixes the field count are always split.
func (s *Scanner) SetLazy() { s.lazy = true }

// Split splits and checks a record that the scanner returned unsplit
// (SetLazy), as Next would have; it does nothing to any other record.
// The record must be the one Next returned last.
func (s *Scanner) Split(r *Record) error {
	if r != &s.rec {
		return errSplitOther
	}
	if !r.unsplit {
		return nil
	}
	r.unsplit = false
	r.Fields = r.Fields[:0]
	if err := s.splitPlain(r.Raw, 0); err != nil {
		return err
	}
	return s.checkFields(r)
}

// checkFields checks a parsed record: valid UTF-8, and as many fields as
// the first record (which it fixes, if it is the first).
func (s *Scanner) checkFields(r *Record) error {
	startLine := r.Line
	if !s.ascii && !utf8.Valid(r.Raw) {
		col := 0
		for i, f := range r.Fields {
			if !utf8.Valid(r.Raw[f.Start:f.End]) {
				col = i + 1
				break
			}
		}
		return s.errAt(startLine, col, ErrInvalidUTF8)
	}
	if s.nfields == 0 {
		s.nfields = len(r.Fields)
		s.countLine = startLine
	} else if len(r.Fields) != s.nfields {
		what := "the first record"
		if s.d.Header {
			what = "the header"
		}
		return s.errAt(startLine, 0, fmt.Errorf("%w: %d fields, but %s (line %d) has %d", ErrFieldCount, len(r.Fields), what, s.countLine, s.nfields))
	}
	return nil
}

var errSplitOther = fmt.Errorf("%w: Split of a record that is not the scanner's last", ErrInternal)

var bom = []byte{0xEF, 0xBB, 0xBF}

func isBlank(line []byte) bool {
	return len(line) == 0 || line[0] == '\n' || (len(line) == 2 && line[0] == '\r' && line[1] == '\n')
}

func splitTerm(b []byte) (raw, term []byte) {
	n := len(b)
	if n > 0 && b[n-1] == '\n' {
		if n > 1 && b[n-2] == '\r' {
			return b[:n-2], b[n-2:]
		}
		return b[:n-1], b[n-1:]
	}
	return b, b[n:]
}

// isPad reports whether c is padding around a field for this delimiter.
func isPad(c, delim byte) bool { return (c == ' ' || c == '\t') && c != delim }

// parseFrom parses the fields of s.buf from byte pos on, appending to
// s.rec.Fields. It returns open=true when the buffer ends inside a quoted
// field; s.openField, s.openStart and s.openLine then tell where it began.
func (s *Scanner) parseFrom(pos int) (open bool, err error) {
	b := s.buf
	raw, _ := splitTerm(b)
	n := len(raw)
	delim := s.d.Delimiter
	if bytes.IndexByte(raw[pos:], '"') < 0 {
		return false, s.splitPlain(raw, pos)
	}
	for {
		start := pos
		i := pos
		for i < n && isPad(b[i], delim) {
			i++
		}
		if i < n && b[i] == '"' {
			// Quoted field: find the closing quote, skipping doubled quotes.
			j := i + 1
			if s.openField == len(s.rec.Fields) && start == s.openStart && s.openScan > j {
				// The same open field with a line more: the bytes up to
				// openScan hold no closing quote (a buffer that does not
				// end at EOF ends with a line feed, so no doubled quote
				// straddles openScan).
				j = s.openScan
			}
			for {
				k := bytes.IndexByte(b[j:], '"')
				if k < 0 {
					if s.openField != len(s.rec.Fields) {
						s.openField = len(s.rec.Fields)
						s.openLine = s.line
					}
					s.openStart = start
					s.openScan = len(b)
					return true, nil
				}
				j += k
				if j+1 < len(b) && b[j+1] == '"' {
					j += 2
					continue
				}
				break
			}
			// j is the closing quote: then padding, then a delimiter or the end.
			k := j + 1
			for k < n && isPad(b[k], delim) {
				k++
			}
			if k > n {
				k = n // the closing quote was the last byte before the terminator
			}
			if k < n && b[k] != delim {
				return false, s.errAt(s.rec.Line, len(s.rec.Fields)+1, ErrQuote)
			}
			if len(s.rec.Fields) >= s.maxCols {
				return false, s.tooManyCols()
			}
			s.rec.Fields = append(s.rec.Fields, Span{Start: start, End: k, Quoted: true})
			if k >= n {
				return false, nil
			}
			pos = k + 1
			continue
		}
		// Unquoted field.
		e := n
		if k := bytes.IndexByte(raw[start:], delim); k >= 0 {
			e = start + k
		}
		if bytes.IndexByte(raw[start:e], '"') >= 0 {
			return false, s.errAt(s.rec.Line, len(s.rec.Fields)+1, ErrBareQuote)
		}
		if len(s.rec.Fields) >= s.maxCols {
			return false, s.tooManyCols()
		}
		s.rec.Fields = append(s.rec.Fields, Span{Start: start, End: e})
		if e >= n {
			return false, nil
		}
		pos = e + 1
	}
}

// splitPlain is parseFrom for the rest of a record that holds no quote:
// every field is unquoted and ends at the next delimiter. It finds the
// delimiters eight bytes at a time (most records; parseFrom would search
// each field twice).
func (s *Scanner) splitPlain(raw []byte, pos int) error {
	const ones, low7 = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	dm := uint64(s.d.Delimiter) * ones
	fields := s.rec.Fields
	start := pos
	i := pos
	var or uint64 // every word read, or'ed: ASCII if no high bit is set
	for ; i+8 <= len(raw); i += 8 {
		w := binary.LittleEndian.Uint64(raw[i:])
		or |= w
		x := w ^ dm
		// The high bit of each byte of x that is 0 (a delimiter), exactly:
		// no carry crosses a byte.
		m := ^((x&low7 + low7) | x | low7)
		for m != 0 {
			end := i + bits.TrailingZeros64(m)>>3
			if len(fields) >= s.maxCols {
				s.rec.Fields = fields
				return s.tooManyCols()
			}
			fields = append(fields, Span{Start: start, End: end})
			start = end + 1
			m &= m - 1
		}
	}
	for ; i < len(raw); i++ {
		or |= uint64(raw[i])
		if raw[i] != s.d.Delimiter {
			continue
		}
		if len(fields) >= s.maxCols {
			s.rec.Fields = fields
			return s.tooManyCols()
		}
		fields = append(fields, Span{Start: start, End: i})
		start = i + 1
	}
	if len(fields) >= s.maxCols {
		s.rec.Fields = fields
		return s.tooManyCols()
	}
	s.rec.Fields = append(fields, Span{Start: start, End: len(raw)})
	s.ascii = pos == 0 && or&^low7 == 0
	return nil
}

func (s *Scanner) tooManyCols() error {
	return s.errAt(s.rec.Line, 0, fmt.Errorf("%w: more than %d (the bound is --max-columns)", ErrTooManyColumns, s.maxCols))
}

// Sniff guesses the delimiter from one line: the most frequent of , ; TAB |
// outside quotes; else a space if there is one; else a comma.
func Sniff(line []byte) byte {
	cands := []byte{',', ';', '\t', '|'}
	counts := make([]int, len(cands))
	spaces := 0
	inQuote := false
	for _, c := range line {
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		if c == ' ' {
			spaces++
		}
		for i, d := range cands {
			if c == d {
				counts[i]++
			}
		}
	}
	best, bestN := byte(','), 0
	for i, d := range cands {
		if counts[i] > bestN {
			best, bestN = d, counts[i]
		}
	}
	if bestN == 0 && spaces > 0 {
		return ' '
	}
	return best
}
