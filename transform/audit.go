package transform

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/scorer"
)

// The audit cell of a flipped row holds what undo needs, readable by people:
//
//	fairflip/1 col=15 label=income method=rb-prob score=0.83124 was= <=50K
//	fairflip/1 col=15 label=#15 header=no skip-lines=1 method=rb-prob score=0.83124 was= <=50K.
//
// col is the 1-based column of the label and label its name as the file
// has it: the header cell (Parquet: the column's name), or #15 in a CSV
// file without a header; a space, "%" or a control character in it is
// written as %XX. Undo restores a label only in a column whose number and
// name both match, so a cell edited to name another column is refused.
// A CSV file read otherwise than as a header and records (flip's
// --no-header, --skip-lines, --comment) has how it was read after the
// label, so that undo needs no flags (AuditRead): header=no, skip-lines=N
// and comment=C (C escaped as a label is), each only when it applies, in
// that order. A file with a header and nothing passed through has none of
// them (its cells are as they were before these keys existed).
// Cells written before label= existed (fairflip 0.1.0-dev before issue
// 12) have no label= key; undo restores them only when --label names
// their column. In a CSV file everything after
// "was=" is the original label cell exactly as it was written (quotes and
// padding kept). In a Parquet file the key is "value=" and what follows is
// the original value's text form (see tableio.ParquetText), converted back to
// the column's type by undo. The cell of a row that was not flipped is empty
// (null in Parquet).
const auditPrefix = "fairflip/1 "

// AuditEntry is one parsed audit cell.
type AuditEntry struct {
	Column int    // 1-based column of the flipped label
	Label  string // its name (header cell, Parquet column name, or #N); "" in a cell without label=
	Method string // scoring method
	Score  string // the candidate's score as written
	Was    string // the original label: the raw CSV cell (Raw), or the value's text form
	Raw    bool   // Was is a raw CSV cell ("was="), not a value ("value=")
	Read   AuditRead
}

// AuditRead is how flip read a CSV file, when not as a header and records
// with nothing passed through: recorded in the audit cells so that undo
// can read the file as flip wrote it without flags. The zero value records
// nothing (a file with a header, no preamble, no comment lines; or a cell
// written before these keys existed).
type AuditRead struct {
	NoHeader  bool // header=no: the file has no header record (--no-header)
	SkipLines int  // skip-lines=N: N lines passed through at the start (--skip-lines)
	Comment   byte // comment=C: lines starting with C passed through (--comment)
}

// readOf is what a flip's audit cells record of a CSV dialect.
func readOf(d tableio.Dialect) AuditRead {
	return AuditRead{NoHeader: !d.Header, SkipLines: d.SkipLines, Comment: d.Comment}
}

// Flags are the undo flags that read a file as r says:
// "--no-header --skip-lines 1", or "no flags" for the zero value.
func (r AuditRead) Flags() string {
	var f []string
	if r.NoHeader {
		f = append(f, "--no-header")
	}
	if r.SkipLines > 0 {
		f = append(f, "--skip-lines "+strconv.Itoa(r.SkipLines))
	}
	if r.Comment != 0 {
		f = append(f, fmt.Sprintf("--comment %q", string([]byte{r.Comment})))
	}
	if len(f) == 0 {
		return "no --no-header, --skip-lines or --comment"
	}
	return strings.Join(f, " ")
}

// FormatAudit returns the value of an audit cell.
func FormatAudit(e AuditEntry) string {
	key := " value="
	if e.Raw {
		key = " was="
	}
	label := ""
	if e.Label != "" {
		label = " label=" + escapeLabel(e.Label)
	}
	var read string
	if e.Read.NoHeader {
		read += " header=no"
	}
	if e.Read.SkipLines > 0 {
		read += " skip-lines=" + strconv.Itoa(e.Read.SkipLines)
	}
	if e.Read.Comment != 0 {
		read += " comment=" + escapeComment(e.Read.Comment)
	}
	return auditPrefix + "col=" + strconv.Itoa(e.Column) + label + read + " method=" + e.Method + " score=" + e.Score + key + e.Was
}

// escapeLabel writes a column name for the label= key: a space (the keys'
// separator), "%" and control characters as %XX, everything else as it is.
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '%' || c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// escapeComment writes a comment character for the comment= key: printable
// ASCII but a space and "%" as it is, any other byte as %XX.
func escapeComment(c byte) string {
	if c > ' ' && c < 0x7f && c != '%' {
		return string(rune(c))
	}
	return fmt.Sprintf("%%%02X", c)
}

// unescapeComment reverses escapeComment, refusing anything it does not
// write.
func unescapeComment(s string) (byte, bool) {
	var c byte
	switch {
	case len(s) == 1:
		c = s[0]
	case len(s) == 3 && s[0] == '%':
		x, err := strconv.ParseUint(s[1:], 16, 8)
		if err != nil {
			return 0, false
		}
		c = byte(x)
	default:
		return 0, false
	}
	return c, escapeComment(c) == s
}

// unescapeLabel reverses escapeLabel, refusing anything it does not write.
func unescapeLabel(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+3 > len(s) {
			return "", false
		}
		x, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil || strings.ToUpper(s[i+1:i+3]) != s[i+1:i+3] {
			return "", false
		}
		b.WriteByte(byte(x))
		i += 2
	}
	out := b.String()
	return out, escapeLabel(out) == s
}

// LabelName is how an audit cell names column c (0-based) of a file with
// these header names: its name, or #N when the file has no header.
func LabelName(names []string, c int) string {
	if names != nil && c < len(names) {
		return names[c]
	}
	return "#" + strconv.Itoa(c+1)
}

// ParseAudit parses the value of a non-empty audit cell. The cell must be
// exactly what FormatAudit writes: valid UTF-8, the prefix, then col= (a
// column number, written without a sign or leading zeros), label= (a name,
// escaped), header=no, skip-lines= (a number, as col=), comment= (one
// byte, escaped), method= (a scoring method), score= (a number) and was= or
// value=, in that order, separated by single spaces; label= and the three
// keys of AuditRead may be left out.
func ParseAudit(v string) (AuditEntry, error) {
	var e AuditEntry
	if !utf8.ValidString(v) {
		return e, fmt.Errorf("audit cell %q is not valid UTF-8", clip(v))
	}
	rest, ok := strings.CutPrefix(v, auditPrefix)
	if !ok {
		return e, fmt.Errorf("audit cell %q was not written by fairflip (it should start with %q)", clip(v), auditPrefix)
	}
	// next cuts "key=value " off rest.
	next := func(key string) (string, error) {
		val, ok := strings.CutPrefix(rest, key+"=")
		if !ok {
			return "", fmt.Errorf("audit cell %q: no %s= where fairflip writes it (col=, label=, header=, skip-lines=, comment=, method=, score=, then was= or value=)", clip(v), key)
		}
		i := strings.IndexByte(val, ' ')
		if i < 0 {
			return "", fmt.Errorf("audit cell %q ends at %s= (fairflip writes col=, label=, header=, skip-lines=, comment=, method=, score=, then was= or value=)", clip(v), key)
		}
		rest = val[i+1:]
		return val[:i], nil
	}
	col, err := next("col")
	if err != nil {
		return e, err
	}
	n, err := strconv.Atoi(col)
	if err != nil || n < 1 || strconv.Itoa(n) != col {
		return e, fmt.Errorf("audit cell %q: bad column %q", clip(v), col)
	}
	e.Column = n
	if strings.HasPrefix(rest, "label=") {
		enc, err := next("label")
		if err != nil {
			return e, err
		}
		name, ok := unescapeLabel(enc)
		if !ok || name == "" {
			return e, fmt.Errorf("audit cell %q: bad label name %q", clip(v), enc)
		}
		e.Label = name
	}
	if strings.HasPrefix(rest, "header=") {
		h, err := next("header")
		if err != nil {
			return e, err
		}
		if h != "no" {
			return e, fmt.Errorf("audit cell %q: bad header=%q (fairflip writes header=no, or no header= key)", clip(v), h)
		}
		e.Read.NoHeader = true
	}
	if strings.HasPrefix(rest, "skip-lines=") {
		s, err := next("skip-lines")
		if err != nil {
			return e, err
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || strconv.Itoa(n) != s {
			return e, fmt.Errorf("audit cell %q: bad skip-lines=%q", clip(v), s)
		}
		e.Read.SkipLines = n
	}
	if strings.HasPrefix(rest, "comment=") {
		enc, err := next("comment")
		if err != nil {
			return e, err
		}
		c, ok := unescapeComment(enc)
		if !ok {
			return e, fmt.Errorf("audit cell %q: bad comment=%q (one character)", clip(v), enc)
		}
		e.Read.Comment = c
	}
	if e.Method, err = next("method"); err != nil {
		return e, err
	}
	if _, ok := scorer.Lookup(e.Method); !ok {
		return e, fmt.Errorf("audit cell %q: unknown method %q", clip(v), e.Method)
	}
	if e.Score, err = next("score"); err != nil {
		return e, err
	}
	if _, err := strconv.ParseFloat(e.Score, 64); err != nil {
		return e, fmt.Errorf("audit cell %q: bad score %q", clip(v), e.Score)
	}
	switch {
	case strings.HasPrefix(rest, "was="):
		e.Was, e.Raw = rest[len("was="):], true
	case strings.HasPrefix(rest, "value="):
		e.Was = rest[len("value="):]
	default:
		return e, fmt.Errorf("audit cell %q: no was= or value= after the score", clip(v))
	}
	return e, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// formatScore writes a candidate's score for the audit cell.
func formatScore(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
