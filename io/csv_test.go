package tableio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// scanAll reads every record and returns, per record, its kind, decoded values
// and the re-joined raw bytes.
func scanAll(t *testing.T, in string, d Dialect) (kinds []Kind, values [][]string, out string, err error) {
	t.Helper()
	s := NewScanner(strings.NewReader(in), "t.csv", d)
	var b bytes.Buffer
	for {
		r, e := s.Next()
		if e == io.EOF {
			return kinds, values, b.String(), nil
		}
		if e != nil {
			return kinds, values, b.String(), e
		}
		kinds = append(kinds, r.Kind)
		var vs []string
		for i := range r.Fields {
			vs = append(vs, r.Value(i))
		}
		values = append(values, vs)
		b.Write(r.Raw)
		b.Write(r.Term)
	}
}

func TestScannerRecords(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		in     string
		d      Dialect
		kinds  []Kind
		values [][]string
	}{
		{"header LF", "a,b\n1,2\n", Dialect{Header: true}, []Kind{Header, Data}, [][]string{{"a", "b"}, {"1", "2"}}},
		{"CRLF no final newline", "a,b\r\n1,2\r\n3,4", Dialect{Header: true}, []Kind{Header, Data, Data}, [][]string{{"a", "b"}, {"1", "2"}, {"3", "4"}}},
		{"adult style padding", "39, State-gov, <=50K\n\n", Dialect{}, []Kind{Data, Passthrough}, [][]string{{"39", "State-gov", "<=50K"}, nil}},
		{"quoted comma and newline", "x,y\n\"a,b\",\"c\nd\"\n", Dialect{Header: true}, []Kind{Header, Data}, [][]string{{"x", "y"}, {"a,b", "c\nd"}}},
		{"doubled quotes", "x\n\"he said \"\"hi\"\"\"\n", Dialect{Header: true}, []Kind{Header, Data}, [][]string{{"x"}, {`he said "hi"`}}},
		{"semicolon sniffed, quoted header", "\"age\";\"y\"\n58;\"no\"\n", Dialect{Header: true}, []Kind{Header, Data}, [][]string{{"age", "y"}, {"58", "no"}}},
		{"space delimited", "A11 6 A34\nA12 48 A32\n", Dialect{}, []Kind{Data, Data}, [][]string{{"A11", "6", "A34"}, {"A12", "48", "A32"}}},
		{"skip and comment lines", "|junk line\n|more\n1,2\n", Dialect{SkipLines: 1, Comment: '|'}, []Kind{Passthrough, Passthrough, Data}, [][]string{nil, nil, {"1", "2"}}},
		{"BOM", "\xEF\xBB\xBFid,v\n1,2\n", Dialect{Header: true}, []Kind{Header, Data}, [][]string{{"id", "v"}, {"1", "2"}}},
		{"empty fields", ",,\n,,\n", Dialect{}, []Kind{Data, Data}, [][]string{{"", "", ""}, {"", "", ""}}},
		{"padded quoted", "a, \"x y\" ,b\n", Dialect{}, []Kind{Data}, [][]string{{"a", "x y", "b"}}},
		{"tab delimited", "a\tb\n1\t2\n", Dialect{Header: true}, []Kind{Header, Data}, [][]string{{"a", "b"}, {"1", "2"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kinds, values, out, err := scanAll(t, c.in, c.d)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if out != c.in {
				t.Errorf("raw bytes not preserved:\n got %q\nwant %q", out, c.in)
			}
			if !reflect.DeepEqual(kinds, c.kinds) {
				t.Errorf("kinds = %v, want %v", kinds, c.kinds)
			}
			if !reflect.DeepEqual(values, c.values) {
				t.Errorf("values = %q, want %q", values, c.values)
			}
		})
	}
}

func TestScannerErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		in         string
		d          Dialect
		line, col  int
		err        error
		msgPortion string
	}{
		{"ragged", "a,b\n1,2\n3\n", Dialect{Header: true}, 3, 0, ErrFieldCount, "1 fields, but the header (line 1) has 2"},
		{"bare quote", "a,b\n1,x\"y\n", Dialect{Header: true}, 2, 2, ErrBareQuote, "column 2 (b)"},
		{"text after quote", "a,b\n1,\"x\"y\n", Dialect{Header: true}, 2, 2, ErrQuote, "t.csv:2"},
		{"open quote", "a,b\n1,\"x\n2,3\n", Dialect{Header: true}, 2, 2, ErrOpenQuote, "never closes"},
		{"invalid utf8", "a,b\n1,\xff\n", Dialect{Header: true}, 2, 2, ErrInvalidUTF8, "column 2 (b)"},
		{"empty input", "", Dialect{Header: true}, 0, 0, ErrEmptyInput, "t.csv: the input is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, err := scanAll(t, c.in, c.d)
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RowError", err)
			}
			if !errors.Is(err, c.err) {
				t.Errorf("error %v does not wrap %v", err, c.err)
			}
			if re.Line != c.line || re.Column != c.col {
				t.Errorf("at line %d column %d, want %d %d", re.Line, re.Column, c.line, c.col)
			}
			if !strings.Contains(err.Error(), c.msgPortion) {
				t.Errorf("message %q lacks %q", err.Error(), c.msgPortion)
			}
		})
	}
}

func TestScannerMaxRecordBytes(t *testing.T) {
	t.Parallel()
	s := NewScanner(strings.NewReader("a\n\""+strings.Repeat("x", 5000)+"\n"), "t.csv", Dialect{Header: true})
	s.SetMaxRecordBytes(1000)
	var err error
	for err == nil {
		_, err = s.Next()
	}
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("got %v, want ErrLineTooLong", err)
	}
}

func TestNeedsQuotesAndAppendField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		v    string
		want string
	}{
		{"yes", "yes"},
		{"a,b", `"a,b"`},
		{`say "x"`, `"say ""x"""`},
		{" lead", `" lead"`},
		{"line\nbreak", "\"line\nbreak\""},
		{"", ""},
	}
	for _, c := range cases {
		if got := string(AppendField(nil, c.v, ',')); got != c.want {
			t.Errorf("AppendField(%q) = %q, want %q", c.v, got, c.want)
		}
		if got := DecodeField(AppendField(nil, c.v, ',')); got != strings.TrimSpace(c.v) && c.v != " lead" {
			t.Errorf("round trip of %q gave %q", c.v, got)
		}
	}
	if NeedsQuotes("a;b", ',') || !NeedsQuotes("a;b", ';') {
		t.Error("NeedsQuotes must depend on the delimiter")
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	for line, want := range map[string]byte{
		"a,b,c":            ',',
		`"a;b";c;d`:        ';',
		"a\tb":             '\t',
		"x y z":            ' ',
		"39, State-gov, 7": ',',
		"single":           ',',
	} {
		if got := Sniff([]byte(line)); got != want {
			t.Errorf("Sniff(%q) = %q, want %q", line, got, want)
		}
	}
}

// FuzzScanner checks that arbitrary bytes never panic, that every record
// read back joins to exactly the input, and that its fields cover it, split
// at delimiters. Its corpus, testdata/fuzz/FuzzScanner,
// holds the heads and tails of the real data sets.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a,\"b\nc\"\r\n", "x;\"y\"\"z\"\n", "\xEF\xBB\xBFa\n", "39, x, <=50K\n\n", "\"open\n"} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, header bool) {
		s := NewScanner(bytes.NewReader(in), "f", Dialect{Header: header})
		var out bytes.Buffer
		for {
			r, err := s.Next()
			if err != nil {
				if err == io.EOF && !bytes.Equal(out.Bytes(), in) {
					t.Fatalf("records join to %q, input %q", out.Bytes(), in)
				}
				return
			}
			out.Write(r.Raw)
			out.Write(r.Term)
			// The spans are in order, inside Raw, and apart by one delimiter.
			for i, sp := range r.Fields {
				if sp.Start < 0 || sp.End < sp.Start || sp.End > len(r.Raw) || (i > 0 && sp.Start != r.Fields[i-1].End+1) {
					t.Fatalf("line %d: field %d span %+v in a %d-byte record", r.Line, i+1, sp, len(r.Raw))
				}
				// An unquoted field ends at the first delimiter.
				if !sp.Quoted && bytes.IndexByte(r.Raw[sp.Start:sp.End], s.Delimiter()) >= 0 {
					t.Fatalf("line %d: unquoted field %d %q holds the delimiter", r.Line, i+1, r.Raw[sp.Start:sp.End])
				}
				_ = r.Value(i)
			}
			if n := len(r.Fields); n > 0 && r.Fields[n-1].End != len(r.Raw) {
				t.Fatalf("line %d: the last field ends at %d of %d bytes", r.Line, r.Fields[n-1].End, len(r.Raw))
			}
		}
	})
}

// FuzzScannerLazy: a lazy scanner whose every record is split gives the
// same records and the same errors as a scanner that is not lazy.
func FuzzScannerLazy(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n3\n", "a,\"b\nc\"\r\n1,2\r\n", "x;y\n1;\xff\n", "h\n\n# c\n1\n\"2\"\n", "1,2\n3,4,5\n"} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, header bool) {
		d := Dialect{Header: header, Comment: '#'}
		eager := NewScanner(bytes.NewReader(in), "f", d)
		lazy := NewScanner(bytes.NewReader(in), "f", d)
		lazy.SetLazy()
		for {
			r1, err1 := eager.Next()
			r2, err2 := lazy.Next()
			if err2 == nil {
				err2 = lazy.Split(r2)
			}
			if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
				t.Fatalf("errors: %v, lazily %v", err1, err2)
			}
			if err1 != nil {
				return
			}
			if r1.Kind != r2.Kind || r1.Line != r2.Line || r1.Row != r2.Row || !bytes.Equal(r1.Raw, r2.Raw) || !bytes.Equal(r1.Term, r2.Term) || !slices.Equal(r1.Fields, r2.Fields) {
				t.Fatalf("record %+v, lazily %+v", r1, r2)
			}
		}
	})
}

// TestScannerLazy: a lazy scanner leaves a plain data record unsplit and
// unchecked until Split, which finds what Next would have.
func TestScannerLazy(t *testing.T) {
	t.Parallel()
	s := NewScanner(strings.NewReader("a,b\n1,2\n1,2,3\n\"x\",y\n"), "f", Dialect{Header: true})
	s.SetLazy()
	var got []string
	for {
		r, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d:%d", r.Line, len(r.Fields)))
		if err := s.Split(r); r.Line == 3 && !errors.Is(err, ErrFieldCount) {
			t.Errorf("line 3 split: %v, want a field count error", err)
		}
	}
	if want := "1:2 2:0 3:0 4:2"; strings.Join(got, " ") != want {
		t.Errorf("records (line:fields) %q, want %q", strings.Join(got, " "), want)
	}
}

// TestScannerUTF8Words: a byte that is not ASCII is found wherever it is in
// a record without quotes (in the 8-byte words the splitter reads, or in
// the bytes after them), eagerly and when a lazy scanner splits the record;
// valid UTF-8 that is not ASCII passes.
func TestScannerUTF8Words(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 21)
	for _, c := range []struct {
		field string
		bad   bool
	}{
		{"\xff" + long, true}, {long[:8] + "\xfe" + long, true}, {long + "\xc3", true},
		{long + "é" + long, false}, {"ü", false}, {long, false}, {"", false},
	} {
		in := "a,b\n" + long + "," + c.field + "\nlast,row\n"
		for _, lazy := range []bool{false, true} {
			sc := NewScanner(strings.NewReader(in), "f", Dialect{Header: true})
			if lazy {
				sc.SetLazy()
			}
			var err error
			for {
				var rec *Record
				rec, err = sc.Next()
				if err != nil {
					break
				}
				if err = sc.Split(rec); err != nil {
					break
				}
			}
			if c.bad != errors.Is(err, ErrInvalidUTF8) || !c.bad && err != io.EOF {
				t.Errorf("%q (lazy %v): %v, want invalid UTF-8: %v", c.field, lazy, err, c.bad)
			}
		}
	}
}
