package transform

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fairflip/fairflip/scorer"
)

// The audit cell of a flipped row holds what undo needs, readable by people:
//
//	fairflip/1 col=15 label=income method=rb-prob score=0.83124 was= <=50K
//
// col is the 1-based column of the label and label its name as the file
// has it: the header cell (Parquet: the column's name), or #15 in a CSV
// file without a header; a space, "%" or a control character in it is
// written as %XX. Undo restores a label only in a column whose number and
// name both match, so a cell edited to name another column is refused.
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
	return auditPrefix + "col=" + strconv.Itoa(e.Column) + label + " method=" + e.Method + " score=" + e.Score + key + e.Was
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
// column number, written without a sign or leading zeros), method= (a
// scoring method), score= (a number) and was= or value=, in that order,
// separated by single spaces.
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
			return "", fmt.Errorf("audit cell %q: no %s= where fairflip writes it (col=, label=, method=, score=, then was= or value=)", clip(v), key)
		}
		i := strings.IndexByte(val, ' ')
		if i < 0 {
			return "", fmt.Errorf("audit cell %q ends at %s= (fairflip writes col=, label=, method=, score=, then was= or value=)", clip(v), key)
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
