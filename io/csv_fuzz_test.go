package tableio

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// csvSeeds are small inputs with the quirks of the real data sets
// (../shared/data; testdata/fuzz/FuzzCSVRoundTrip holds the heads and tails
// of the files themselves).
var csvSeeds = []struct {
	in     string
	header bool
}{
	{"39, State-gov, 77516, Bachelors, <=50K\n50, Self-emp-not-inc, 83311, Bachelors, <=50K\n\n", false},     // adult.data: ", " and a final empty line
	{"|1x3 Cross validator\n25, Private, 226802, 11th, <=50K.\n38, Private, 89814, HS-grad, >50K.\n", false}, // adult.test: junk line 1, trailing '.'
	{"id,name,c_charge_desc\r\n1,miguel hernandez,\"Aggravated Assault w/Firearm, Batt\"\r\n", true},         // COMPAS: CRLF, quoted comma
	{"\"age\";\"job\";\"y\"\n58;\"management\";\"no\"\n44;\"technician\";\"yes\"\n", true},                   // bank: ';' and quoted strings
	{",lsat,first_pf\n0,39.0,1.0\n1,36.0,1.0", true},                                                         // law: empty first name, no final newline
	{"A11 6 A34 A43 1169 1\nA12 48 A32 A43 5951 2\n", false},                                                 // german: space delimited
	{"\xEF\xBB\xBFid,v\r\n1,\"multi\nline\"\r\n2,\"say \"\"hi\"\"\"\r\n", true},                              // BOM, a line break and doubled quotes inside quotes
	{"a\tb\n\"x\ty\"\t2\n", true},
	{"a, \"padded\" ,c\n1,,\"\"\n", false},
	{"x\n\"\"\n\n \n", true},
	{"a,b\n\"open\n", true},
	{"a,b\n1,\x00\n", true},
}

// recordsOf reads every record of in with dialect d and returns the exact
// content of each field (Unquote) per record, passthrough lines left out, and
// the delimiter in use. err is nil at a clean end.
func recordsOf(in []byte, d Dialect) (recs [][]string, delim byte, bom bool, err error) {
	s := NewScanner(bytes.NewReader(in), "f", d)
	for {
		r, err := s.Next()
		if err == io.EOF {
			return recs, s.Delimiter(), bytes.HasPrefix(in, []byte("\xEF\xBB\xBF")), nil
		}
		if err != nil {
			return recs, s.Delimiter(), false, err
		}
		if r.Kind == Passthrough {
			continue
		}
		vs := make([]string, len(r.Fields))
		for i := range r.Fields {
			vs[i] = Unquote(r.Field(i))
		}
		recs = append(recs, vs)
	}
}

// writeRecords writes records with the package's writer helpers, as the
// converters and the rewrite do.
func writeRecords(recs [][]string, delim byte, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, "\xEF\xBB\xBF"...)
	}
	for ri, r := range recs {
		for i, v := range r {
			if i > 0 {
				out = append(out, delim)
			}
			switch {
			case len(r) == 1 && v == "":
				// A lone empty field would be an empty line: a passthrough.
				out = AppendQuoted(out, v)
			case ri == 0 && i == 0 && !bom && strings.HasPrefix(v, "\xEF\xBB\xBF"):
				// Unquoted, it would read as a byte order mark.
				out = AppendQuoted(out, v)
			default:
				out = AppendField(out, v, delim)
			}
		}
		out = append(out, '\n')
	}
	return out
}

// FuzzCSVRoundTrip: whatever the bytes, the scanner does not panic; a table it
// reads, written back with AppendField/AppendQuoted and read again (with the
// delimiter found the first time), gives the same records.
func FuzzCSVRoundTrip(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s.in), s.header)
	}
	f.Fuzz(func(t *testing.T, in []byte, header bool) {
		d := Dialect{Header: header, MaxRecordBytes: 1 << 20, MaxColumns: 1000}
		recs, delim, bom, err := recordsOf(in, d)
		if err != nil {
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RowError", err)
			}
			return
		}
		if len(recs) == 0 {
			return // only empty lines: nothing to write back
		}
		out := writeRecords(recs, delim, bom)
		d.Delimiter = delim
		again, _, _, err := recordsOf(out, d)
		if err != nil {
			t.Fatalf("rewritten table does not read: %v\ninput  %q\noutput %q", err, in, out)
		}
		if !reflect.DeepEqual(recs, again) {
			t.Fatalf("round trip changed the records\ninput  %q\noutput %q\nfirst  %q\nsecond %q", in, out, recs, again)
		}
	})
}

// ---------------------------------------------------------------------------
// Hostile input: generated streams, so that the test itself holds none of it.

// genReader yields prefix, then body repeated up to n bytes in all, then suffix.
type genReader struct {
	prefix, body, suffix []byte
	n, off               int64
	sufOff               int
}

func (g *genReader) Read(p []byte) (int, error) {
	w := 0
	for w < len(p) {
		switch {
		case g.off < int64(len(g.prefix)):
			c := copy(p[w:], g.prefix[g.off:])
			w += c
			g.off += int64(c)
		case g.off < g.n:
			i := int((g.off - int64(len(g.prefix))) % int64(len(g.body)))
			c := copy(p[w:], g.body[i:])
			if int64(c) > g.n-g.off {
				c = int(g.n - g.off)
			}
			w += c
			g.off += int64(c)
		case g.sufOff < len(g.suffix):
			c := copy(p[w:], g.suffix[g.sufOff:])
			w += c
			g.sufOff += c
		default:
			if w == 0 {
				return 0, io.EOF
			}
			return w, nil
		}
	}
	return w, nil
}

// peakHeap runs fn and returns the highest live heap seen above the heap
// before it, sampled every half millisecond (and once at the end).
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	var mu sync.Mutex
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
			peak = ms.HeapAlloc - base
		}
		mu.Unlock()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	fn()
	sample()
	close(done)
	wg.Wait()
	return peak
}

// drain reads every record and returns the first error (nil at EOF) and
// the number of data records.
func drain(s *Scanner) (int, error) {
	n := 0
	for {
		r, err := s.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if r.Kind == Data {
			n++
		}
	}
}

const mb = 1 << 20

func TestHostileCSV(t *testing.T) {
	if testing.Short() {
		t.Skip("reads several 100 MB streams")
	}
	quotes := func(n int) []byte { return bytes.Repeat([]byte(`"`), n) }
	cases := []struct {
		name    string
		r       io.Reader
		max     int // MaxRecordBytes (0: default, 64 MiB)
		err     error
		line    int
		msg     string
		rows    int    // data rows at a clean end
		heapMax uint64 // bound on the peak live heap
	}{
		{
			name: "100 MB single field", r: &genReader{prefix: []byte("a,b\n1,"), body: []byte("x"), n: 100 * mb},
			err: ErrLineTooLong, line: 2, msg: "f:2: record too long: more than 67108864 bytes", heapMax: 2*64*mb + 4*mb,
		},
		{
			name: "100 MB quoted field that never closes", r: &genReader{prefix: []byte("a,b\n1,\""), body: []byte("xy,z "), n: 100 * mb},
			err: ErrLineTooLong, line: 2, msg: "record too long", heapMax: 2*64*mb + 4*mb,
		},
		{
			// A quote that never closes, over a 100 MB file of short lines:
			// the record bound covers all its lines (it used to bound each
			// line alone, and re-scan the field at every line).
			name: "unterminated quote over 100 MB of lines", r: &genReader{prefix: []byte("a,b\n1,\"2\n"), body: []byte("3,4\n"), n: 100 * mb},
			max: 8 * mb, err: ErrLineTooLong, line: 2, msg: "f:2: record too long: more than 8388608 bytes", heapMax: 2*8*mb + 4*mb,
		},
		{
			name: "unterminated quote at EOF", r: &genReader{prefix: []byte("a,b\n1,\"2\n"), body: []byte("3,4\n"), n: 4 * mb},
			err: ErrOpenQuote, line: 2, msg: "f:2: column 2 (b): quoted field never closes", heapMax: 2*8*mb + 4*mb,
		},
		{
			name: "a million columns in the header", r: &genReader{body: []byte("c,"), n: 2 * mb, suffix: []byte("c\n1\n")},
			err: ErrTooManyColumns, line: 1, msg: "f:1: too many fields: more than 100000", heapMax: 24 * mb,
		},
		{
			name: "a million empty columns in a data row", r: &genReader{prefix: []byte("a\n"), body: []byte(","), n: 1 * mb, suffix: []byte("\n")},
			err: ErrTooManyColumns, line: 2, msg: "f:2: too many fields", heapMax: 16 * mb,
		},
		{
			// 4 million doubled quotes: one well-formed 8 MB field.
			name: "doubled quotes", r: io.MultiReader(strings.NewReader("a\n\""), bytes.NewReader(quotes(8_000_000)), strings.NewReader("\"\n")),
			rows: 1, heapMax: 2*8*mb + 4*mb,
		},
		{
			// An odd run of quotes: the field never closes.
			name: "doubled quotes, odd", r: io.MultiReader(strings.NewReader("a\n"), bytes.NewReader(quotes(1_000_001)), strings.NewReader("\n")),
			err: ErrOpenQuote, line: 2, msg: "quoted field never closes", heapMax: 16 * mb,
		},
		{
			name: "nested quotes", r: &genReader{prefix: []byte("a\n"), body: []byte(`"a"b"`), n: 1 * mb, suffix: []byte("\n")},
			err: ErrQuote, line: 2, msg: "f:2: column 1 (a): extra text after the closing \"", heapMax: 16 * mb,
		},
		{
			// NUL is data: kept byte for byte, not an error.
			name: "NUL bytes", r: &genReader{prefix: []byte("a,b\n"), body: []byte("\x00,\x00\x00\n"), n: 4 * mb},
			rows: (4*mb - 4) / 5, heapMax: 16 * mb,
		},
		{
			name: "100 MB of NUL without a line break", r: &genReader{prefix: []byte("a\n"), body: []byte{0}, n: 100 * mb},
			max: 8 * mb, err: ErrLineTooLong, line: 2, msg: "record too long", heapMax: 2*8*mb + 4*mb,
		},
		{
			name: "invalid UTF-8 in the header", r: &genReader{prefix: []byte("a,\xff\xfe\n"), body: []byte("1,2\n"), n: 1 * mb},
			err: ErrInvalidUTF8, line: 1, msg: "f:1: column 2: invalid UTF-8", heapMax: 16 * mb,
		},
		{
			name: "invalid UTF-8 after 10 MB", r: &genReader{prefix: []byte("a,b\n"), body: []byte("1,2\n"), n: 10 * mb, suffix: []byte("3,\xc3(\n")},
			err: ErrInvalidUTF8, line: 10*mb/4 + 1, msg: "column 2 (b): invalid UTF-8", heapMax: 16 * mb,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			var rows int
			heap := peakHeap(func() {
				rows, err = drain(NewScanner(c.r, "f", Dialect{Header: true, MaxRecordBytes: c.max}))
			})
			t.Logf("peak heap %.1f MiB; %v", float64(heap)/mb, err)
			if heap > c.heapMax {
				t.Errorf("peak heap %d bytes, want at most %d", heap, c.heapMax)
			}
			if c.err == nil {
				if err != nil || rows != c.rows {
					t.Fatalf("got %v after %d rows, want %d rows", err, rows, c.rows)
				}
				return
			}
			var re *RowError
			if !errors.As(err, &re) || !errors.Is(err, c.err) {
				t.Fatalf("got %v, want a *RowError wrapping %v", err, c.err)
			}
			if re.Line != c.line || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("got %q (line %d), want line %d and %q", err, re.Line, c.line, c.msg)
			}
		})
	}
}

// TestOpenQuoteLinear: a quoted field of many lines is scanned once, not once
// per line. A million lines (4 MB) took minutes when every line re-scanned the
// field (2 MB took 9 s); it takes milliseconds.
func TestOpenQuoteLinear(t *testing.T) {
	t.Parallel()
	r := &genReader{prefix: []byte("a,b\n1,\""), body: []byte("x,y\n"), n: 4 * mb, suffix: []byte("\"\n")}
	start := time.Now()
	rows, err := drain(NewScanner(r, "f", Dialect{Header: true}))
	if err != nil || rows != 1 {
		t.Fatalf("got %v, %d rows", err, rows)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}
