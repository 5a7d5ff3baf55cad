package transform

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
)

// fuzzTable is a small CSV table built from fuzz bytes, and what the test
// knows about it independently of the code under test.
type fuzzTable struct {
	csv      string
	minority []int  // data rows whose group is the minority
	negative []bool // per data row: the label is negative
	label    int    // 0-based label column
	rows     int
}

// byteSource hands out the fuzz bytes one at a time (zeros once they run out).
type byteSource []byte

func (b *byteSource) next() byte {
	if len(*b) == 0 {
		return 0
	}
	c := (*b)[0]
	*b = (*b)[1:]
	return c
}

// buildFuzzTable writes a table with columns x (number), c (text), g
// (group: min, maj or oth), y (label: yes, no or maybe), and extra columns,
// with the quirks of the real files: ", " padding, CRLF, a BOM, quoted
// cells holding the delimiter, quotes or a line break, empty lines, no
// final newline. Row 0 is always a minority negative and row 1 a majority
// positive, so that most tables can be flipped.
func buildFuzzTable(src *byteSource) fuzzTable {
	style := src.next()
	delim := []string{",", ";", "\t", "|"}[style&3]
	pad := ""
	if style&4 != 0 && delim != "\t" {
		pad = " "
	}
	eol := "\n"
	if style&8 != 0 {
		eol = "\r\n"
	}
	var b strings.Builder
	if style&16 != 0 {
		b.WriteString("\xEF\xBB\xBF")
	}
	extra := int(src.next() % 3)
	cols := []string{"x", "c", "g", "y"}
	for i := range extra {
		cols = append(cols, fmt.Sprintf("e%d", i))
	}
	// The label is not always last: rotate the columns.
	rot := int(src.next()) % len(cols)
	cols = append(cols[rot:], cols[:rot]...)
	t := fuzzTable{label: slices.Index(cols, "y")}
	for i, c := range cols {
		if i > 0 {
			b.WriteString(delim + pad)
		}
		if style&32 != 0 {
			c = `"` + c + `"`
		}
		b.WriteString(c)
	}
	b.WriteString(eol)
	t.rows = 2 + int(src.next()%40)
	texts := []string{"a", "b", `"d` + delim + `e"`, `"say ""hi"""`, "\"two\nlines\"", "?", ""}
	for r := range t.rows {
		v := src.next()
		group := []string{"min", "maj", "maj", "oth"}[v&3]
		label := []string{"no", "yes", "no", "maybe"}[(v>>2)&3]
		if r == 0 {
			group, label = "min", "no"
		}
		if r == 1 {
			group, label = "maj", "yes"
		}
		if group == "min" {
			t.minority = append(t.minority, r)
		}
		t.negative = append(t.negative, label != "yes")
		if v&16 != 0 {
			label = `"` + label + `"`
		}
		if v&32 != 0 && pad == "" {
			label = " " + label
		}
		for i, c := range cols {
			if i > 0 {
				b.WriteString(delim + pad)
			}
			switch c {
			case "x":
				fmt.Fprintf(&b, "%d", src.next()%50)
			case "c":
				b.WriteString(texts[int(src.next())%len(texts)])
			case "g":
				b.WriteString(group)
			case "y":
				b.WriteString(label)
			default:
				fmt.Fprintf(&b, "%d.5", src.next()%7)
			}
		}
		if r < t.rows-1 || style&64 == 0 {
			b.WriteString(eol)
		}
		if v&64 != 0 && r < t.rows-1 {
			b.WriteString(eol) // an empty line, passed through
		}
	}
	t.csv = b.String()
	return t
}

// FuzzFlip runs whole flips (PlanLocal then WriteDist) on small random tables and
// checks, from the outside, what a flip promises: the same rows in the same
// order; every cell but the label byte for byte; only negative labels of
// collective rows change, and only to the positive value; as many changes as
// the plan says; an audit cell exactly on the changed rows; undo gives the
// input back byte for byte; the same seed gives the same bytes.
func FuzzFlip(f *testing.F) {
	f.Add(uint64(1), []byte{0, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add(uint64(7), []byte{0x1d, 2, 3, 30, 0x10, 0x23, 0x51, 0x04, 0x30, 0x12})                      // Adult: ", " padding, CRLF, BOM
	f.Add(uint64(3), []byte{0x61, 1, 1, 39, 0x20, 0x10, 0x50, 0x60, 0x70, 0xff, 0x3c, 5, 6, 7, 8, 9}) // ';', quoted header, no final newline
	f.Add(uint64(42), []byte{0x22, 0, 0, 2, 0, 0})
	f.Add(uint64(9), bytes.Repeat([]byte{0x14, 0x90, 0x04}, 40))
	f.Fuzz(func(t *testing.T, seed uint64, data []byte) {
		src := byteSource(data)
		tab := buildFuzzTable(&src)
		knobs := src.next()
		o := Options{Config: Config{
			Sensitive: []string{"g"},
			Minority:  []string{[]string{"min", "g=min", "min|nobody", `g!=maj,g!=oth`}[knobs&3]},
			Label:     "y",
			Positive:  []string{"yes"},
			Method:    []string{MethodRandom, MethodRBProb, MethodRBLabel, MethodRandom}[(knobs>>2)&3],
			K:         1 + int((knobs>>4)&3),
			MaxFlips:  -1,
			Seed:      seed,
			Dialect:   tableio.Dialect{Header: true},
		}}
		if knobs&64 != 0 {
			o.Majority = []string{"maj"}
		}
		o.Alpha = float64(1+src.next()%10) / 10
		rule := src.next()
		if rule&1 == 0 {
			o.Flips = FlipRule{Kind: FlipCount, N: int((rule >> 1) % 20)}
		} else {
			o.Flips = FlipRule{Kind: FlipPercent, Percent: float64(rule>>1) * 100 / 127}
		}
		if src.next()%4 == 0 {
			o.MaxFlips = int(src.next() % 5)
		}

		o1 := o
		out, plan, err := flipBytes(t, tab.csv, o1)
		if err != nil {
			if !errors.Is(err, fferr.ErrData) && !errors.Is(err, fferr.ErrUsage) {
				t.Fatalf("error of no class (exit code 1): %v\ninput %q", err, tab.csv)
			}
			return
		}
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf(format+"\ninput  %q\noutput %q\noptions %+v", append(args, tab.csv, out, o)...)
		}

		// The expected pool, computed here: the collective drawn from the
		// minority rows, and its negative labels.
		collective := ChooseFraction(tab.minority, o.Alpha, o.Seed)
		inCollective := map[int]bool{}
		pool := 0
		for _, r := range collective {
			inCollective[r] = true
			if tab.negative[r] {
				pool++
			}
		}
		if plan.Summary.Pool != pool || plan.Summary.Collective != len(collective) || plan.Summary.Rows != tab.rows {
			fail("summary rows %d collective %d pool %d, want %d %d %d", plan.Summary.Rows, plan.Summary.Collective, plan.Summary.Pool, tab.rows, len(collective), pool)
		}
		want := pool
		switch o.Flips.Kind {
		case FlipCount:
			want = min(o.Flips.N, pool)
		case FlipPercent:
			want = int(math.Round(o.Flips.Percent / 100 * float64(pool)))
		}
		if o.MaxFlips >= 0 {
			want = min(want, o.MaxFlips)
		}
		if len(plan.Rows) != want || plan.Summary.Flips != want {
			fail("%d flips planned (summary %d), want %d", len(plan.Rows), plan.Summary.Flips, want)
		}

		// Compare the input and the output record by record.
		a := tableio.NewScanner(strings.NewReader(tab.csv), "in", o.Dialect)
		b := tableio.NewScanner(strings.NewReader(out), "out", o.Dialect)
		var changed []int
		for {
			ra, ea := a.Next()
			rb, eb := b.Next()
			if ea != nil || eb != nil {
				if ea != eb {
					fail("input ends with %v, output with %v", ea, eb)
				}
				break
			}
			if ra.Kind != rb.Kind || ra.Row != rb.Row || !bytes.Equal(ra.Term, rb.Term) {
				fail("line %d: kind, row or line end changed", ra.Line)
			}
			if ra.Kind == tableio.Passthrough {
				if !bytes.Equal(ra.Raw, rb.Raw) {
					fail("line %d: passthrough line changed", ra.Line)
				}
				continue
			}
			if len(rb.Fields) != len(ra.Fields)+1 {
				fail("line %d: %d fields out, %d in", ra.Line, len(rb.Fields), len(ra.Fields))
			}
			for i := range ra.Fields {
				if (i != tab.label || ra.Kind == tableio.Header) && !bytes.Equal(ra.Field(i), rb.Field(i)) {
					fail("line %d: field %d changed from %q to %q", ra.Line, i+1, ra.Field(i), rb.Field(i))
				}
			}
			audit := rb.Value(len(ra.Fields))
			if ra.Kind == tableio.Header {
				if audit != DefaultAuditColumn {
					fail("audit column named %q", audit)
				}
				continue
			}
			isChanged := !bytes.Equal(ra.Field(tab.label), rb.Field(tab.label))
			if isChanged != (audit != "") {
				fail("line %d: label changed %v, audit cell %q", ra.Line, isChanged, audit)
			}
			if !isChanged {
				continue
			}
			r := ra.Row
			changed = append(changed, r)
			if !inCollective[r] || !tab.negative[r] {
				fail("row %d changed: in the collective %v, negative %v", r, inCollective[r], tab.negative[r])
			}
			if v := rb.Value(tab.label); v != "yes" {
				fail("row %d: label changed to %q, not the positive value", r, v)
			}
			if e, err := ParseAudit(audit); err != nil || e.Was != string(ra.Field(tab.label)) || e.Column != tab.label+1 {
				fail("row %d: audit cell %q (%v) does not record the label cell %q", r, audit, err, ra.Field(tab.label))
			}
		}
		if !slices.Equal(changed, plan.Rows) {
			fail("changed rows %v, plan %v", changed, plan.Rows)
		}

		// Undo gives the input back, byte for byte.
		undone, _, err := undoFile(t, "out.csv", []byte(out), UndoOptions{Dialect: o.Dialect})
		if err != nil {
			fail("undo: %v", err)
		}
		if string(undone) != tab.csv {
			fail("undo gave %q", undone)
		}
		// The same seed gives the same bytes.
		again, _, err := flipBytes(t, tab.csv, o)
		if err != nil || again != out {
			fail("second run: %v, %q", err, again)
		}
	})
}

// FuzzParseGroup: group expressions never panic; one that parses selects the
// same rows when given again, and an expression made of escaped values
// parses back to those values.
func FuzzParseGroup(f *testing.F) {
	for _, s := range []string{"Black", "Black|Amer-Indian-Eskimo", "Female,Black", "race=Black|Other,sex=Female", "race!=White",
		"age<25", "age>=25,age<=60", `a\,b`, `x\|y|z`, `race=\=`, "race=", "=", "!", `\`, "age<", "age<abc", "age<NaN", "age<1e400", " race = Black "} {
		f.Add(s, "race,sex")
		f.Add(s, "age")
	}
	f.Fuzz(func(t *testing.T, expr, sens string) {
		cols := strings.Split(sens, ",")
		g, err := parseGroup("--minority", []string{expr}, cols)
		if err != nil {
			if !errors.Is(err, fferr.ErrUsage) {
				t.Fatalf("%q: error %v is not a usage error", expr, err)
			}
			return
		}
		g2, err := parseGroup("--minority", []string{expr}, cols)
		if err != nil || len(g2) != len(g) {
			t.Fatalf("%q: second parse %v", expr, err)
		}
		// Matching any row of cells never panics and gives the same answer.
		cells := make([]string, len(cols))
		for _, v := range []string{"", "Black", "25", "-1", expr} {
			for i := range cells {
				cells[i] = v
			}
			if g.match(cells) != g2.match(cells) {
				t.Fatalf("%q: two parses disagree on %q", expr, cells)
			}
		}
		// Canonical form for single values: escaping every special byte
		// of the values gives an expression that selects exactly them.
		if len(cols) == 1 {
			vals := splitEscaped(expr, '|')
			var canon []string
			for _, v := range vals {
				canon = append(canon, escapeGroupValue(strings.TrimSpace(unescape(v))))
			}
			if _, _, _, hasOp := cutOp(expr); hasOp || strings.ContainsRune(expr, ',') {
				return
			}
			c, err := parseGroup("--minority", []string{strings.Join(canon, "|")}, cols)
			if err != nil {
				t.Fatalf("%q: canonical form %q does not parse: %v", expr, strings.Join(canon, "|"), err)
			}
			for _, v := range vals {
				v = strings.TrimSpace(unescape(v))
				if !c.match([]string{v}) || !g.match([]string{v}) {
					t.Fatalf("%q: value %q not selected (canonical %q)", expr, v, strings.Join(canon, "|"))
				}
			}
		}
	})
}

// escapeGroupValue escapes a literal value for a group expression.
func escapeGroupValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if strings.IndexByte(`,|=<>!\`, v[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// FuzzParseFlips: --flips values never panic; a value that parses prints a
// canonical form (FlipRule.String) that parses to the same rule and prints
// the same again.
func FuzzParseFlips(f *testing.F) {
	for _, s := range []string{"auto", "AUTO", "", "0", "100", "25%", "0%", "100%", "12.5%", "1e2%", "-1", "101%", "NaN%", "%", " 7 ", "0x10", "+5", "9999999999999999999", "-0%", "Inf%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseFlips(s)
		if err != nil {
			if !errors.Is(err, fferr.ErrUsage) {
				t.Fatalf("%q: error %v is not a usage error", s, err)
			}
			return
		}
		if r.Kind == FlipPercent && !(r.Percent >= 0 && r.Percent <= 100) || r.Kind == FlipCount && r.N < 0 {
			t.Fatalf("%q parsed to %+v", s, r)
		}
		canon := r.String()
		r2, err := ParseFlips(canon)
		if err != nil || r2 != r || r2.String() != canon {
			t.Fatalf("%q -> %+v -> %q -> %+v (%v)", s, r, canon, r2, err)
		}
	})
}
