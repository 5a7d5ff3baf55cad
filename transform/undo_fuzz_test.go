package transform

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// undoFuzzOptions flip every negative label of the minority of a
// buildFuzzTable table ("yes" is positive).
func undoFuzzOptions(seed uint64) Options {
	return Options{Config: Config{
		Sensitive: []string{"g"}, Minority: []string{"min"}, Label: "y", Positive: []string{"yes"},
		Method: MethodRandom, Flips: FlipRule{Kind: FlipPercent, Percent: 100}, MaxFlips: -1, Seed: seed,
		Dialect: tableio.Dialect{Header: true},
	}}
}

// editCells rewrites cells of a CSV file: edit(rec, col) returns the new raw
// bytes of a cell, or nil to keep it. The records are found with the
// scanner; everything else is kept byte for byte.
func editCells(t testing.TB, csv string, d tableio.Dialect, edit func(rec *tableio.Record, col int, delim byte) []byte) string {
	t.Helper()
	sc := tableio.NewScanner(strings.NewReader(csv), "flipped", d)
	var b bytes.Buffer
	for {
		rec, err := sc.Next()
		if err != nil {
			if err != io.EOF {
				t.Fatalf("scanning the flipped file: %v", err)
			}
			break
		}
		last := 0
		for i, sp := range rec.Fields {
			if cell := edit(rec, i, sc.Delimiter()); cell != nil {
				b.Write(rec.Raw[last:sp.Start])
				b.Write(cell)
				last = sp.End
			}
		}
		b.Write(rec.Raw[last:])
		b.Write(rec.Term)
	}
	return b.String()
}

// fuzzReading makes of a fuzz table a file read otherwise (v: 1, no
// header, the columns by number; 2, a preamble line; 4, a comment line
// before the table) and sets o to read it so.
func fuzzReading(t testing.TB, tab fuzzTable, v uint64, o *Options) string {
	in := tab.csv
	if v&1 != 0 {
		sc := tableio.NewScanner(strings.NewReader(in), "t.csv", tableio.Dialect{Header: true})
		if rec, err := sc.Next(); err != nil || rec.Kind != tableio.Header {
			t.Fatalf("the fuzz table's header: %v", err)
		}
		o.Dialect.Header = false
		o.Label = LabelName(nil, tab.label)
		o.Sensitive = []string{LabelName(nil, slices.Index(sc.HeaderNames(), "g"))}
		in = in[strings.IndexByte(in, '\n')+1:]
	}
	if v&4 != 0 {
		in, o.Dialect.Comment = "# a comment, here\n"+in, '#'
	}
	if v&2 != 0 {
		in, o.Dialect.SkipLines = "a preamble; its line\n"+in, 1
	}
	return in
}

// FuzzUndo flips a small table, lets the fuzzer rewrite audit cells and
// label cells of the flipped file, and undoes it. Undo must either refuse
// with a data error or write exactly the edited file without its audit
// column, with the label each audit cell records restored in the column it
// names (one column for the whole file) and every other cell, line end and
// line outside the table byte for byte as it was; the output must read back
// as a well-formed CSV file with one record per input record. With no edit,
// undo gives back the original table byte for byte. The table may be
// without a header, with a preamble line or a comment line (the seed's
// bits above 8, fuzzReading); undo without flags (UndoOptions.Infer, the
// reading taken from the audit cells) must refuse or write exactly what
// undo with flip's dialect writes.
func FuzzUndo(f *testing.F) {
	tables := [][]byte{
		{0, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13},
		{0x1d, 2, 3, 30, 0x10, 0x23, 0x51, 0x04, 0x30, 0x12},                      // Adult: ", " padding, CRLF, BOM
		{0x61, 1, 1, 39, 0x20, 0x10, 0x50, 0x60, 0x70, 0xff, 0x3c, 5, 6, 7, 8, 9}, // ';', quoted header, no final newline
		bytes.Repeat([]byte{0x14, 0x90, 0x04}, 20),
	}
	edits := [][]byte{ // count, then (row, op) pairs: an odd row byte picks a flipped row
		nil,
		{1, 1, 0x04},          // an audit cell as flip writes it, with another was=
		{1, 1, 0x0c},          // ... naming another column
		{1, 1, 0x44},          // ... with value=
		{2, 1, 0x02, 3, 0x03}, // a quoted value in an audit cell and a label cell
		{1, 3, 0x00},          // raw bytes in an audit cell
		{1, 1, 0x05},          // the label in another form
		{3, 0, 0x00, 1, 0x07, 2, 0x09},
	}
	texts := []string{"no", "no,x", "\"no\"", "\"a,b\"", "x\ny", "\"x\ny\"", "say \"hi\"", " no ", "", "yes", "maybe\r", "#no", "\xff", "\"no\" ", "fairflip/1 col=1 method=random score=0 was=a",
		"fairflip/1 col=1 label=#1 header=no method=random score=0 was=a", "fairflip/1 col=2 skip-lines=1 comment=# method=random score=0 was=no",
		"fairflip/1 col=1 header=no skip-lines=2 method=random score=0 was=no"}
	for i, tb := range tables {
		for j, ed := range edits {
			f.Add(uint64(i+j), tb, ed, texts[(i+j)%len(texts)]+"\x1f"+texts[(i*3+j)%len(texts)])
			// The same without a header, with a preamble line, a comment line
			// (fuzzReading).
			f.Add(uint64((i+j)%7+1)<<8|uint64(j), tb, ed, texts[(i*5+j)%len(texts)]+"\x1f"+texts[(i+2*j)%len(texts)])
		}
	}
	f.Fuzz(func(t *testing.T, seed uint64, table, edits []byte, text string) {
		src := byteSource(table)
		tab := buildFuzzTable(&src)
		o := undoFuzzOptions(seed)
		in := fuzzReading(t, tab, seed>>8, &o)
		flipped, plan, err := flipBytes(t, in, o)
		if err != nil || len(plan.Rows) == 0 {
			return
		}
		d := o.Dialect
		// Unedited, undo gives back the input, with flip's dialect and
		// with none (read as the audit cells record).
		for _, opt := range []UndoOptions{{Dialect: d}, {Dialect: tableio.Dialect{Header: true}, Infer: true}} {
			back, _, err := undoFile(t, "flipped.csv", []byte(flipped), opt)
			if err != nil || string(back) != in {
				t.Fatalf("undo (infer %v) of an unedited flip: %v\ninput %q\nflipped %q\nundone %q", opt.Infer, err, in, flipped, back)
			}
		}

		// The header's names, as audit cells record them (nil: no header).
		var names []string
		if d.Header {
			sc := tableio.NewScanner(strings.NewReader(flipped), "flipped.csv", d)
			for {
				rec, err := sc.Next()
				if err != nil || rec.Kind == tableio.Header {
					break
				}
			}
			names = sc.HeaderNames()
		}
		// The edits: (data row, what to write) pairs.
		ed := byteSource(edits)
		pieces := strings.Split(text, "\x1f")
		nEdits := int(ed.next() % 6)
		type cellEdit struct {
			col  int // -1: the audit column
			mode byte
			text string
		}
		plans := map[int][]cellEdit{}
		for i := range nEdits {
			// Mostly a flipped row (odd byte), else any row.
			rb := int(ed.next())
			row := rb % tab.rows
			if rb&1 != 0 {
				row = plan.Rows[(rb>>1)%len(plan.Rows)]
			}
			op := ed.next()
			col := -1
			if op&1 != 0 {
				col = tab.label
			}
			plans[row] = append(plans[row], cellEdit{col: col, mode: op >> 1, text: pieces[i%len(pieces)]})
		}
		edited := editCells(t, flipped, d, func(rec *tableio.Record, col int, delim byte) []byte {
			if rec.Kind != tableio.Data {
				return nil
			}
			audit := len(rec.Fields) - 1
			var cell []byte
			for _, e := range plans[rec.Row] {
				target := e.col
				if target < 0 {
					target = audit
				}
				if target != col {
					continue
				}
				switch {
				case e.mode&3 == 0: // raw bytes
					cell = []byte(e.text)
				case e.mode&3 == 1: // a value, quoted as needed
					cell = tableio.AppendField(nil, e.text, delim)
				case e.col < 0: // an audit cell as flip writes it, with this label
					n := tab.label + 1
					if e.mode&4 != 0 {
						n = int(e.mode>>3)%(len(rec.Fields)+1) + 1
					}
					key := "was"
					if e.mode&32 != 0 {
						key = "value"
					}
					label := " label=" + escapeLabel(LabelName(names, n-1)) // as flip writes it
					switch {
					case e.mode&64 != 0: // a cell without label= (an older fairflip's)
						label = ""
					case e.mode&128 != 0: // a label= that is not the column's name
						label = " label=" + escapeLabel(LabelName(names, n-1)+"x")
					}
					cell = tableio.AppendField(nil, fmt.Sprintf("fairflip/1 col=%d%s method=random score=0.5 %s=%s", n, label, key, e.text), delim)
				case e.mode&3 == 2: // the label: the positive value, in another form
					cell = tableio.AppendField(nil, []string{"yes", " yes", "\"yes\"", "yes "}[int(e.mode>>2)%4], delim)
				default: // the label: another row's value
					cell = []byte("no")
				}
			}
			return cell
		})

		outBytes, sum, err := undoFile(t, "edited.csv", []byte(edited), UndoOptions{Dialect: d})
		out := bytes.NewBuffer(outBytes)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf(format+"\nflipped %q\nedited  %q\noutput  %q", append(args, flipped, edited, out.String())...)
		}
		// Read as the audit cells record (no flags), undo refuses or writes
		// what it writes with flip's dialect.
		inferred, isum, ierr := undoFile(t, "edited.csv", []byte(edited), UndoOptions{Dialect: tableio.Dialect{Header: true}, Infer: true})
		switch {
		case ierr != nil && !errors.Is(ierr, fferr.ErrData) && !errors.Is(ierr, fferr.ErrUsage):
			fail("undo without flags failed with an error that is neither a data nor a usage error: %v", ierr)
		case ierr == nil && err != nil:
			fail("undo without flags restored %d labels; with flip's dialect it fails: %v", isum.Restored, err)
		case ierr == nil && (!bytes.Equal(inferred, outBytes) || isum.Restored != sum.Restored):
			fail("undo without flags wrote %q, not what it writes with flip's dialect", inferred)
		}
		if err != nil {
			if !errors.Is(err, fferr.ErrData) {
				fail("undo failed with an error that is not a data error: %v", err)
			}
			return
		}

		// Undo succeeded: compare the edited file and the output record by record.
		a := tableio.NewScanner(strings.NewReader(edited), "edited", d)
		b := tableio.NewScanner(strings.NewReader(out.String()), "output", d)
		label, restored := -1, 0
		for {
			ra, ea := a.Next()
			rb, eb := b.Next()
			if ea != nil || eb != nil {
				if ea != io.EOF || eb != io.EOF {
					fail("the edited file ends with %v, the output with %v", ea, eb)
				}
				break
			}
			if ra.Kind != rb.Kind || string(ra.Term) != string(rb.Term) {
				fail("line %d: the record's kind or line end changed", ra.Line)
			}
			if ra.Kind == tableio.Passthrough {
				if string(ra.Raw) != string(rb.Raw) {
					fail("line %d: a line outside the table changed", ra.Line)
				}
				continue
			}
			audit := len(ra.Fields) - 1
			if len(rb.Fields) != audit {
				fail("line %d: %d cells out of %d (one audit cell dropped)", ra.Line, len(rb.Fields), len(ra.Fields))
			}
			restoreAt, want := -1, ""
			if v := tableio.Unquote(ra.Field(audit)); ra.Kind == tableio.Data && v != "" {
				e, err := ParseAudit(v)
				if err != nil {
					fail("line %d: undo accepted the audit cell %q (%v)", ra.Line, v, err)
				}
				restoreAt, want = e.Column-1, e.Was
				if !e.Raw {
					want = string(tableio.AppendField(nil, e.Was, a.Delimiter()))
				}
				if label >= 0 && restoreAt != label {
					fail("line %d: labels restored in columns %d and %d", ra.Line, label+1, restoreAt+1)
				}
				label = restoreAt
				restored++
			}
			for i := range rb.Fields {
				cell := string(ra.Field(i))
				if i == restoreAt {
					cell = want
				}
				if string(rb.Field(i)) != cell {
					fail("line %d column %d: %q in the output, want %q", ra.Line, i+1, rb.Field(i), cell)
				}
			}
		}
		if sum.Restored != restored {
			fail("summary: %d restored, %d audit cells", sum.Restored, restored)
		}
	})
}
