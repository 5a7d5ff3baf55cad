package tableio

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSON Lines as a TableWriter (conversions): one object per row, its keys
// the column names in order, written compactly; a value in its column's
// kind (a boolean, an integer, a number or a string), null for null.

func (jsonlFormat) Typed() bool { return true }

func (jsonlFormat) NewRowWriter(w io.Writer, cols []WriteColumn, _ WriteOptions) (RowWriter, error) {
	jw := &jsonlRowWriter{bw: bufio.NewWriterSize(w, 1<<20), cols: cols}
	for _, c := range cols {
		jw.keys = append(jw.keys, appendJSONString(nil, c.Name))
	}
	return jw, nil
}

type jsonlRowWriter struct {
	bw   *bufio.Writer
	cols []WriteColumn
	keys [][]byte
	b    []byte
	rows int
}

func (jw *jsonlRowWriter) WriteRow(cells [][]byte, null []bool) error {
	jw.rows++
	b := append(jw.b[:0], '{')
	for i, c := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(b, jw.keys[i]...), ':')
		switch {
		case null[i]:
			b = append(b, "null"...)
		case jw.cols[i].Kind == KindBool:
			b = strconv.AppendBool(b, strings.EqualFold(string(c), "true"))
		case jw.cols[i].Kind == KindInt, jw.cols[i].Kind == KindDouble:
			if isJSONNumber(string(c)) {
				b = append(b, c...)
				break
			}
			// A double's text JSON does not write (".5", "1."): its value;
			// NaN and infinities, which JSON has no number for: as text.
			x, err := strconv.ParseFloat(string(c), 64)
			if err == nil && isJSONNumber(strconv.FormatFloat(x, 'g', -1, 64)) {
				b = strconv.AppendFloat(b, x, 'g', -1, 64)
				break
			}
			b = appendJSONString(b, string(c))
		default:
			if !utf8.Valid(c) {
				return &RowError{File: "the output", Row: int64(jw.rows), Column: i + 1, Name: jw.cols[i].Name, Err: fmt.Errorf("the value is not valid UTF-8, which JSON cannot hold")}
			}
			b = appendJSONString(b, string(c))
		}
	}
	b = append(b, '}', '\n')
	jw.b = b
	_, err := jw.bw.Write(b)
	return err
}

func (jw *jsonlRowWriter) Close() error { return jw.bw.Flush() }

// ColumnKinds reads the file once for each column's kind: booleans if
// every value is a JSON boolean, integers if every value is a JSON number
// without a fraction or exponent (in range), numbers if every value is a
// number; else text. Nulls do not count.
func (t *jsonlTable) ColumnKinds(ctx context.Context) ([]ValueKind, error) {
	kinds := make([]ValueKind, len(t.cols))
	seen := make([]jsonKind, len(t.cols)) // jNull: none yet
	for i := range seen {
		seen[i] = jNull
	}
	if t.size == 0 {
		return kinds, nil
	}
	lr := newLineReader(io.NewSectionReader(t.file, 0, t.size), t.maxLine)
	rp := t.newRowParser()
	for line := 1; ; line++ {
		b, _, err := lr.next()
		if err == io.EOF {
			return kinds, nil
		}
		if err != nil {
			return nil, t.lineError(line, err)
		}
		if line&4095 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		l, err := rp.parse(b, line)
		if err != nil {
			return nil, err
		}
		for c := range kinds {
			m := l.members[rp.perm[c]]
			if m.kind == jNull {
				continue
			}
			k := KindString
			switch m.kind {
			case jBool:
				k = KindBool
			case jNumber:
				k = KindDouble
				if _, err := strconv.ParseInt(string(b[m.valStart:m.valEnd]), 10, 64); err == nil && string(b[m.valStart:m.valEnd]) != "-0" {
					k = KindInt
				} else if _, err := strconv.ParseFloat(string(b[m.valStart:m.valEnd]), 64); err != nil {
					k = KindString // out of a double's range: as text
				}
			}
			switch {
			case seen[c] == jNull:
				kinds[c] = k
			case (kinds[c] == KindBool) != (k == KindBool):
				kinds[c] = KindString
			default:
				kinds[c] = max(kinds[c], k)
			}
			seen[c] = m.kind
		}
	}
}
