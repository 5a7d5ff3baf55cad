package tableio

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
)

// A JSON Lines rewrite changes, on each line, only the label value's bytes
// (on the changed rows) and the audit member: appended after the last
// member as ,"NAME":"CELL" (an empty string on the rows not changed, as a
// CSV file gets an empty cell), filled, or dropped with the separator that
// joined it to the member before it (or after it, if it is the first).
// Every other byte of every line is copied. Each output line is parsed
// again and checked against its input line before it is written.
//
// A value is written in the JSON type of the value it replaces: a string
// as a string, a number as a number, a boolean as a boolean, so that a
// label keeps its type and undo restores it byte for byte. A string is
// written in one spelling (appendJSONString): a changed label string
// written otherwise (escapes such as \u00e9 or \/) is refused, because
// undo could not write it back the same way.

// jsonEdit replaces the bytes [from, to) of a line.
type jsonEdit struct {
	from, to int
	with     []byte
}

// Rewrite writes the file with p's changes (see Rewriter).
func (t *jsonlTable) Rewrite(ctx context.Context, w io.Writer, p *Rewrite) error {
	if t.size == 0 {
		return stillEmpty(t.file, t.name, p)
	}
	in, sumCheck, _ := secondPass(io.NewSectionReader(t.file, 0, 1<<62), p, t.name)
	lr := newLineReader(in, t.maxLine)
	rp := t.newRowParser()
	v := &jsonCheck{t: t, p: p}
	bw := bufio.NewWriterSize(w, 1<<20)
	next := 0
	var rows int64
	var out []byte
	for line := 1; ; line++ {
		b, nl, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &TableChangedError{File: t.name, What: t.lineError(line, err).Error()}
		}
		if rows&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		l, err := rp.parse(b, line)
		if err != nil {
			return &TableChangedError{File: t.name, What: err.Error()}
		}
		change := -1
		if next < len(p.Rows) && p.Rows[next] == rows {
			change = next
			next++
		}
		var c jsonChange
		if c, err = t.changeOf(v, rp, b, l, p, change, line); err != nil {
			return err
		}
		out = applyEdits(out[:0], b, c.edits)
		if err := v.check(rp, b, l, out, c, line); err != nil {
			return err
		}
		if nl {
			out = append(out, '\n')
		}
		if _, err := bw.Write(out); err != nil {
			return err
		}
		rows++
	}
	if next != len(p.Rows) || (p.WantRows >= 0 && rows != p.WantRows) {
		return &TableChangedError{File: t.name, What: fmt.Sprintf("%d data rows now, %d before", rows, p.WantRows)}
	}
	if err := sumCheck(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	p.Written = rows
	return nil
}

// jsonChange is what a rewrite does to one line.
type jsonChange struct {
	change int    // the change's index, -1 if the row is not changed
	value  string // the label's new value (changed rows)
	cell   []byte // the label's new bytes (changed rows)
	audit  string // the audit cell written (appended, or filled on a changed row)
	edits  []jsonEdit
}

// changeOf works out the edits of line b (parsed as l).
func (t *jsonlTable) changeOf(v *jsonCheck, rp *rowParser, b []byte, l *jsonLine, p *Rewrite, change, line int) (jsonChange, error) {
	c := jsonChange{change: change, edits: v.edits[:0]}
	defer func() { v.edits = c.edits }()
	if change >= 0 {
		m := l.members[rp.perm[p.Column]]
		val, null, err := rp.value(nil, b, l, p.Column, line)
		if err != nil {
			return c, err
		}
		orig := Cell{Value: string(val), Null: null}
		nc, err := p.New(change, orig)
		if err != nil {
			return c, err
		}
		bad := func(format string, args ...any) error {
			return &RowError{File: t.name, Line: line, Column: p.Column + 1, Name: t.names[p.Column], Err: fmt.Errorf(format, args...)}
		}
		switch m.kind {
		case jString:
			if !bytes.Equal(b[m.valStart:m.valEnd], appendJSONString(nil, orig.Value)) {
				return c, bad("the label %s is written with escapes that fairflip does not write (it writes %s): undo could not restore it byte for byte; write the file with plain UTF-8 strings", clip(string(b[m.valStart:m.valEnd])), clip(string(appendJSONString(nil, orig.Value))))
			}
			c.cell = appendJSONString(nil, nc.Value)
		case jNumber:
			if !isJSONNumber(nc.Value) {
				return c, bad("the label is a JSON number, and %q is not one: fairflip writes a label in its own JSON type", clip(nc.Value))
			}
			c.cell = []byte(nc.Value)
		case jBool:
			if nc.Value != "true" && nc.Value != "false" {
				return c, bad("the label is a JSON boolean, and %q is not one (true or false): fairflip writes a label in its own JSON type", clip(nc.Value))
			}
			c.cell = []byte(nc.Value)
		default:
			return c, bad("the label is %s, which fairflip does not change", m.kind)
		}
		c.value = nc.Value
		c.edits = append(c.edits, jsonEdit{m.valStart, m.valEnd, c.cell})
		if p.AuditCell != nil {
			c.audit = p.AuditCell(change, orig)
		}
		if p.FillIndex >= 0 && c.audit != "" {
			f := l.members[rp.perm[p.FillIndex]]
			cur, null, err := rp.value(nil, b, l, p.FillIndex, line)
			if err != nil {
				return c, err
			}
			if !null && len(cur) > 0 {
				return c, &RowError{File: t.name, Line: line, Column: p.FillIndex + 1, Name: t.names[p.FillIndex], Err: errFilled}
			}
			c.edits = append(c.edits, jsonEdit{f.valStart, f.valEnd, appendJSONString(nil, c.audit)})
		}
	}
	switch {
	case p.AppendName != "":
		at := l.members[len(l.members)-1].valEnd
		if v.addKey == nil {
			v.addKey = append(append([]byte{','}, appendJSONString(nil, p.AppendName)...), ':')
		}
		v.add = appendJSONString(append(v.add[:0], v.addKey...), c.audit)
		c.edits = append(c.edits, jsonEdit{at, at, v.add})
	case p.DropIndex >= 0:
		if len(l.members) < 2 {
			return c, &RowError{File: t.name, Line: line, Err: fmt.Errorf("the object has only the key %q, which is dropped: no table would be left", clip(t.names[p.DropIndex]))}
		}
		k := rp.perm[p.DropIndex]
		if k > 0 {
			c.edits = append(c.edits, jsonEdit{l.members[k-1].valEnd, l.members[k].valEnd, nil})
		} else {
			c.edits = append(c.edits, jsonEdit{l.members[0].keyStart, l.members[1].keyStart, nil})
		}
	}
	slices.SortFunc(c.edits, func(a, b jsonEdit) int { return a.from - b.from })
	return c, nil
}

// applyEdits appends b with the edits (sorted, not overlapping) to dst.
func applyEdits(dst, b []byte, edits []jsonEdit) []byte {
	last := 0
	for _, e := range edits {
		dst = append(dst, b[last:e.from]...)
		dst = append(dst, e.with...)
		last = e.to
	}
	return append(dst, b[last:]...)
}

// jsonCheck reads each output line back and checks it against its input
// line: the same members in the same order, each key and value byte for
// byte, the same bytes between them, but for the asked changes.
type jsonCheck struct {
	t       *jsonlTable
	p       *Rewrite
	back    jsonParser
	in, got []string
	// Buffers reused from line to line.
	edits  []jsonEdit
	addKey []byte // ,"NAME":
	add    []byte
	want   []jsonWant
	gaps   [][]byte
	audit  []byte
}

// jsonWant is a member the output line should have.
type jsonWant struct{ key, val, colon []byte }

// check checks out, the rewrite of input line b (parsed as l).
func (v *jsonCheck) check(rp *rowParser, b []byte, l *jsonLine, out []byte, c jsonChange, line int) error {
	p, t := v.p, v.t
	bad := func(format string, args ...any) error {
		return &MismatchError{File: t.name, Line: line, What: "the rewritten line would " + fmt.Sprintf(format, args...)}
	}
	o, err := v.back.parse(out)
	if err != nil {
		return bad("not be one JSON object (%v)", err)
	}
	// What the output should hold: the input's members and the bytes
	// between them (gaps[i] before member i, the last after the last).
	want, gaps := v.want[:0], v.gaps[:0]
	defer func() { v.want, v.gaps = want, gaps }()
	gaps = append(gaps, b[:l.members[0].keyStart])
	for i, m := range l.members {
		want = append(want, jsonWant{b[m.keyStart:m.keyEnd], b[m.valStart:m.valEnd], b[m.keyEnd:m.valStart]})
		if i+1 < len(l.members) {
			gaps = append(gaps, b[m.valEnd:l.members[i+1].keyStart])
		}
	}
	gaps = append(gaps, b[l.members[len(l.members)-1].valEnd:])
	outPos := func(k int) int { return k } // input member k's place in the output
	label := -1
	if c.change >= 0 {
		label = rp.perm[p.Column]
		want[label].val = c.cell
		if p.FillIndex >= 0 && c.audit != "" {
			want[rp.perm[p.FillIndex]].val = appendJSONString(nil, c.audit)
		}
	}
	switch {
	case p.AppendName != "":
		v.audit = appendJSONString(v.audit[:0], c.audit)
		want = append(want, jsonWant{v.addKey[1 : len(v.addKey)-1], v.audit, v.addKey[len(v.addKey)-1:]})
		gaps = slices.Insert(gaps, len(gaps)-1, []byte{','})
	case p.DropIndex >= 0:
		k := rp.perm[p.DropIndex]
		want = slices.Delete(want, k, k+1)
		if k > 0 {
			gaps = slices.Delete(gaps, k, k+1)
		} else {
			gaps = slices.Delete(gaps, 1, 2)
		}
		outPos = func(i int) int {
			switch {
			case i < k:
				return i
			case i == k:
				return -1
			}
			return i - 1
		}
	}
	if len(o.members) != len(want) {
		return bad("have %d members, not %d", len(o.members), len(want))
	}
	for i, m := range o.members {
		if !bytes.Equal(out[m.keyStart:m.keyEnd], want[i].key) || !bytes.Equal(out[m.keyEnd:m.valStart], want[i].colon) {
			return bad("change the key %s", clip(string(want[i].key)))
		}
		if !bytes.Equal(out[m.valStart:m.valEnd], want[i].val) {
			return bad("write the value of %s as %s, not %s", clip(string(want[i].key)), clip(string(out[m.valStart:m.valEnd])), clip(string(want[i].val)))
		}
		gap := out[:m.keyStart]
		if i > 0 {
			gap = out[o.members[i-1].valEnd:m.keyStart]
		}
		if !bytes.Equal(gap, gaps[i]) {
			return bad("change the bytes before the key %s", clip(string(want[i].key)))
		}
	}
	if !bytes.Equal(out[o.members[len(o.members)-1].valEnd:], gaps[len(gaps)-1]) {
		return bad("change the bytes after the last value")
	}
	// The changed values, read back as values.
	text := func(k int) string {
		if k < 0 {
			return ""
		}
		m := o.members[k]
		switch m.kind {
		case jString:
			return string(v.back.decode(nil, out[m.valStart:m.valEnd], m.valEsc))
		case jNull:
			return ""
		}
		return string(out[m.valStart:m.valEnd])
	}
	if label >= 0 && text(outPos(label)) != c.value {
		return bad("hold the label %q, not %q", text(outPos(label)), c.value)
	}
	if p.AppendName != "" && text(len(o.members)-1) != c.audit {
		return bad("hold the audit cell %q, not %q", text(len(o.members)-1), c.audit)
	}
	if c.change < 0 || p.Check == nil {
		return nil
	}
	if v.in == nil {
		v.in, v.got = make([]string, len(p.CheckCols)), make([]string, len(p.CheckCols))
	}
	for j, col := range p.CheckCols {
		v.in[j], v.got[j] = "", ""
		switch {
		case col < len(t.names):
			val, _, err := rp.value(nil, b, l, col, line)
			if err != nil {
				return err
			}
			v.in[j] = string(val)
			v.got[j] = text(outPos(rp.perm[col]))
		case p.AppendName != "":
			v.got[j] = text(len(o.members) - 1)
		}
	}
	return p.Check(p.Rows[c.change], c.change, v.in, v.got)
}
