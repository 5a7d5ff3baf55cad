package tableio

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// JSON Lines as a table format (TableFormat): the columns are the first
// line's keys, in its order; every other line must have the same keys, in
// any order. A shard is a run of whole lines.

type jsonlFormat struct{}

func (jsonlFormat) Name() Format         { return JSONL }
func (jsonlFormat) Title() string        { return "JSON Lines" }
func (jsonlFormat) Extensions() []string { return []string{".jsonl", ".ndjson"} }
func (jsonlFormat) Sniff([]byte) bool    { return false } // a CSV file may start with "{" too: --format jsonl

// Open reads the first line: the columns.
func (jsonlFormat) Open(src Source, opt ReadOptions) (Table, error) {
	f, err := os.Open(src.Path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	t := &jsonlTable{file: f, name: src.Label(), size: st.Size(), maxLine: opt.Dialect.MaxRecordBytes, noSHA: opt.NoSHA256}
	if t.maxLine <= 0 {
		t.maxLine = DefaultMaxRecordBytes
	}
	if t.size == 0 {
		return t, nil
	}
	if err := t.head(); err != nil {
		f.Close()
		return nil, err
	}
	return t, nil
}

type jsonlTable struct {
	file    *os.File
	name    string
	size    int64
	maxLine int
	names   []string
	cols    []Column
	index   map[string]int
	change  string // the change sum of the last Shards (ChangeSummed)
	noSHA   bool   // ReadOptions.NoSHA256
}

func (t *jsonlTable) head() error {
	lr := newLineReader(io.NewSectionReader(t.file, 0, t.size), t.maxLine)
	b, _, err := lr.next()
	if err != nil {
		return t.lineError(1, err)
	}
	var p jsonParser
	l, err := p.parse(b)
	if err != nil {
		return &RowError{File: t.name, Line: 1, Err: err}
	}
	if len(l.members) == 0 {
		return &RowError{File: t.name, Line: 1, Err: errJSONLNoKeys}
	}
	t.index = make(map[string]int, len(l.members))
	for _, m := range l.members {
		k := string(p.decode(nil, b[m.keyStart:m.keyEnd], m.keyEsc))
		if j, ok := t.index[k]; ok {
			return &RowError{File: t.name, Line: 1, Column: len(t.names) + 1, Name: k, Err: fmt.Errorf("the key %q is in the object twice (also as key %d)", k, j+1)}
		}
		t.index[k] = len(t.names)
		t.names = append(t.names, k)
		c := Column{Name: k, Flat: m.kind < jObject}
		if m.kind == jObject {
			c.Type = "JSON object"
		} else if m.kind == jArray {
			c.Type = "JSON array"
		}
		t.cols = append(t.cols, c)
	}
	return nil
}

// lineError is an error reading line n.
func (t *jsonlTable) lineError(n int, err error) error {
	if errors.Is(err, errLineTooLong) {
		return &RowError{File: t.name, Line: n, Err: fmt.Errorf("a line of more than %d bytes (--max-record-bytes)", t.maxLine)}
	}
	return err
}

func (t *jsonlTable) Columns() []Column { return append([]Column(nil), t.cols...) }
func (t *jsonlTable) Named() bool       { return true }
func (t *jsonlTable) Empty() bool       { return t.size == 0 }
func (t *jsonlTable) Close() error      { return t.file.Close() }
func (t *jsonlTable) Whole() Shard      { return Shard{Start: 0, End: 1 << 62} }

// Shards reads the file once for its SHA-256 and cuts after line breaks
// about every size bytes (a line break is never inside a JSON value).
func (t *jsonlTable) Shards(ctx context.Context, size int64) (string, []Shard, error) {
	lc, err := readLineCuts(ctx, t.file, t.name, t.size, 0, size, t.noSHA)
	if err != nil {
		return "", nil, err
	}
	t.change = lc.change
	if t.size == 0 {
		return lc.sha, nil, nil
	}
	return lc.sha, shardsAt(lc.cuts, lc.lines, t.size, func(s Shard) Shard { return s }), nil
}

// PipeShards is a pipe over the file (ShardPipe): its shards are cut and
// handed over while it is read, once, for its sums (a JSON Lines line
// break is never inside a value). The table must stay open until Sums has
// returned.
func (t *jsonlTable) PipeShards(size int64, workers int) *ShardPipe {
	return newShardPipe(t.file, t.name, t.size, 0, size, workers, t.noSHA, func(s Shard) Shard { return s })
}

// rowParser parses lines and matches their keys to the table's columns.
type rowParser struct {
	t    *jsonlTable
	p    jsonParser
	perm []int // per column: its member in the line
	scr  []byte
}

func (t *jsonlTable) newRowParser() *rowParser {
	return &rowParser{t: t, perm: make([]int, len(t.names))}
}

// parse parses line n (b) and finds each column's member.
func (rp *rowParser) parse(b []byte, n int) (*jsonLine, error) {
	t := rp.t
	l, err := rp.p.parse(b)
	if err != nil {
		return nil, &RowError{File: t.name, Line: n, Err: err}
	}
	for i := range rp.perm {
		rp.perm[i] = -1
	}
	for j, m := range l.members {
		key := b[m.keyStart+1 : m.keyEnd-1]
		if m.keyEsc {
			rp.scr = rp.p.decode(rp.scr[:0], b[m.keyStart:m.keyEnd], true)
			key = rp.scr
		}
		c := -1
		if j < len(t.names) && !m.keyEsc && string(key) == t.names[j] {
			c = j
		} else if k, ok := t.index[string(key)]; ok {
			c = k
		}
		if c < 0 {
			return nil, &RowError{File: t.name, Line: n, Name: string(key), Err: fmt.Errorf("the key %q is not a key of the first line (every line has the same keys)", clip(string(key)))}
		}
		if rp.perm[c] >= 0 {
			return nil, &RowError{File: t.name, Line: n, Column: c + 1, Name: t.names[c], Err: fmt.Errorf("the key %q is in the object twice", clip(t.names[c]))}
		}
		rp.perm[c] = j
	}
	if len(l.members) != len(t.names) {
		for c, j := range rp.perm {
			if j < 0 {
				return nil, &RowError{File: t.name, Line: n, Column: c + 1, Name: t.names[c], Err: fmt.Errorf("the object has no key %q, which the first line has (every line has the same keys)", clip(t.names[c]))}
			}
		}
	}
	return l, nil
}

// value appends column c's value to dst: a string's text, a number as
// written, true or false; null is null. A nested value in a column of
// scalars is an error.
func (rp *rowParser) value(dst, b []byte, l *jsonLine, c, n int) ([]byte, bool, error) {
	m := l.members[rp.perm[c]]
	switch m.kind {
	case jString:
		return rp.p.decode(dst, b[m.valStart:m.valEnd], m.valEsc), false, nil
	case jNull:
		return dst, true, nil
	case jObject, jArray:
		if rp.t.cols[c].Flat {
			return nil, false, &RowError{File: rp.t.name, Line: n, Column: c + 1, Name: rp.t.names[c], Err: fmt.Errorf("%s where the first line has a string, number, boolean or null: fairflip reads only those", m.kind)}
		}
	}
	return append(dst, b[m.valStart:m.valEnd]...), false, nil
}

// Read parses the shard's lines and hands over the asked columns' values.
func (t *jsonlTable) Read(ctx context.Context, sh Shard, cols []int, fn func(*Row) error) error {
	if t.size == 0 {
		return nil
	}
	var r io.Reader = io.NewSectionReader(t.file, sh.Start, sh.End-sh.Start)
	if sh.Data != nil {
		r = bytes.NewReader(sh.Data)
	}
	lr := newLineReader(r, t.maxLine)
	rp := t.newRowParser()
	row := &Row{Cells: make([][]byte, len(cols)), Null: make([]bool, len(cols))}
	ends := make([]int, len(cols))
	var buf []byte
	for n := 0; ; n++ {
		line := sh.Line + n + 1
		b, _, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return t.lineError(line, err)
		}
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		l, err := rp.parse(b, line)
		if err != nil {
			return err
		}
		buf = buf[:0]
		for j, c := range cols {
			if buf, row.Null[j], err = rp.value(buf, b, l, c, line); err != nil {
				return err
			}
			ends[j] = len(buf)
		}
		for j := range cols {
			lo := 0
			if j > 0 {
				lo = ends[j-1]
			}
			row.Cells[j] = buf[lo:ends[j]:ends[j]]
			if row.Null[j] {
				row.Cells[j] = nil
			}
		}
		row.N, row.Line = n, line
		if err := fn(row); err != nil {
			return err
		}
	}
}

// lineReader reads lines of at most max bytes.
type lineReader struct {
	br   *bufio.Reader
	max  int
	long []byte
}

var errLineTooLong = errors.New("line too long")

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 1<<20), max: max}
}

// next returns the next line without its line break (valid until the next
// call), and whether it had one; io.EOF after the last line.
func (lr *lineReader) next() ([]byte, bool, error) {
	b, err := lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		lr.long = append(lr.long[:0], b...)
		for err == bufio.ErrBufferFull {
			if len(lr.long) > lr.max {
				return nil, false, errLineTooLong
			}
			b, err = lr.br.ReadSlice('\n')
			lr.long = append(lr.long, b...)
		}
		b = lr.long
	}
	if len(b) > lr.max+1 {
		return nil, false, errLineTooLong
	}
	if err == io.EOF {
		if len(b) == 0 {
			return nil, false, io.EOF
		}
		return b, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b[:len(b)-1], true, nil
}
