package tableio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// CSV and TSV as table formats (TableFormat): the Scanner reads them; a
// shard is a run of whole records, cut at a line break when no quote can
// hide one, else at a record's start.

func init() {
	RegisterFormat(csvFormat{name: CSV, title: "CSV", ext: []string{".csv"}})
	RegisterFormat(csvFormat{name: TSV, title: "TSV", ext: []string{".tsv", ".tab"}, delim: '\t'})
}

type csvFormat struct {
	name  Format
	title string
	ext   []string
	delim byte // the default delimiter (0: detected)
}

func (f csvFormat) Name() Format         { return f.name }
func (f csvFormat) Title() string        { return f.title }
func (f csvFormat) Extensions() []string { return f.ext }
func (f csvFormat) Sniff([]byte) bool    { return false } // CSV is what is left

// HeaderNamesError: --header-names do not fit the file's first record.
type HeaderNamesError struct {
	File  string
	Line  int
	Given int // names given
	Cols  int // fields of the first record
	// Header: the first record is those very names (the file has a header).
	Header bool
	Names  []string
}

func (e *HeaderNamesError) Error() string {
	if e.Header {
		return fmt.Sprintf("%s:%d: the first record is the header names given (%s): the file has a header", e.File, e.Line, joinNames(e.Names))
	}
	return fmt.Sprintf("%d header names given, but %s has %d columns (line %d)", e.Given, e.File, e.Cols, e.Line)
}

func joinNames(ns []string) string {
	var b bytes.Buffer
	for i, n := range ns {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
	}
	return b.String()
}

// Open reads the file's head: its delimiter, its header (or the given
// names), its field count and where its data starts.
func (f csvFormat) Open(src Source, opt ReadOptions) (Table, error) {
	d := opt.Dialect
	if d.Delimiter == 0 {
		d.Delimiter = f.delim
	}
	name := src.Label()
	file, err := os.Open(src.Path)
	if err != nil {
		return nil, err
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, err
	}
	t := &csvTable{file: file, src: src, name: name, d: d, size: st.Size(), noSHA: opt.NoSHA256}
	if t.size == 0 {
		return t, nil
	}
	if err := t.head(opt); err != nil {
		file.Close()
		return nil, err
	}
	return t, nil
}

type csvTable struct {
	file      *os.File
	src       Source
	name      string
	d         Dialect // as given, with the format's default delimiter
	size      int64
	names     []string
	given     bool // names come from --header-names, not from the file
	nfields   int
	delim     byte // detected
	countLine int
	dataStart int64
	change    string // the change sum Shards found
	noSHA     bool   // ReadOptions.NoSHA256
}

// head reads the records up to the first that is not passed through.
func (t *csvTable) head(opt ReadOptions) error {
	// A small buffer: the head is read again by every shard's reader.
	sc := newScannerSize(io.NewSectionReader(t.file, 0, t.size), t.name, t.d, smallBuffer)
	var pos int64
	for {
		rec, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, ErrEmptyInput) {
				err = &RowError{File: t.name, Err: ErrNoHeader}
			}
			return err
		}
		pos += int64(len(rec.Raw) + len(rec.Term))
		if rec.Kind == Passthrough {
			continue
		}
		t.delim, t.nfields, t.countLine = sc.Delimiter(), len(rec.Fields), rec.Line
		t.names = sc.HeaderNames()
		t.dataStart = pos
		if !t.d.Header {
			t.dataStart -= int64(len(rec.Raw) + len(rec.Term)) // the first record is data
			if hn := opt.HeaderNames; len(hn) > 0 {
				if opt.OptionalLast != "" {
					switch {
					case len(hn) == t.nfields+1 && hn[len(hn)-1] == opt.OptionalLast:
						hn = hn[:len(hn)-1]
					case len(hn)+1 == t.nfields:
						hn = append(hn[:len(hn):len(hn)], opt.OptionalLast)
					}
				}
				if len(hn) != t.nfields {
					return &HeaderNamesError{File: t.name, Line: rec.Line, Given: len(opt.HeaderNames), Cols: t.nfields}
				}
				same := true
				for i, n := range hn {
					same = same && rec.Value(i) == n
				}
				if same {
					return &HeaderNamesError{File: t.name, Line: rec.Line, Given: len(hn), Cols: t.nfields, Header: true, Names: hn}
				}
				t.names, t.given = hn, true
			}
		}
		return nil
	}
	return &RowError{File: t.name, Err: ErrNoHeader}
}

func (t *csvTable) Columns() []Column {
	cols := make([]Column, t.nfields)
	for i := range cols {
		cols[i].Flat = true
		if i < len(t.names) {
			cols[i].Name = t.names[i]
		}
	}
	return cols
}

func (t *csvTable) Named() bool { return t.names != nil }

// Whole is the shard of the whole file.
func (t *csvTable) Whole() Shard { return Shard{Start: 0, End: 1 << 62} }

// HeaderLine is the line of the header (or of the first record).
func (t *csvTable) HeaderLine() int { return t.countLine }

// NamesGiven reports names given for a file without a header (not the
// file's own).
func (t *csvTable) NamesGiven() bool { return t.given }
func (t *csvTable) Empty() bool      { return t.size == 0 }
func (t *csvTable) Close() error     { return t.file.Close() }

// Delimiter is the delimiter in use (given, or detected from the first
// record).
func (t *csvTable) Delimiter() byte { return t.delim }

// Shards reads the file for its SHA-256 and cut points after line
// breaks about every size bytes past the data's start; if the file holds
// a quote anywhere (a line break may be inside a quoted field), the cuts
// are found again with the scanner, at records' starts.
func (t *csvTable) Shards(ctx context.Context, size int64) (string, []Shard, error) {
	shards, sums, err := t.ShardsLater(ctx, size)
	if err != nil {
		return "", nil, err
	}
	sha, err := sums()
	if err != nil {
		return "", nil, err
	}
	return sha, shards, nil
}

// ShardsLater is Shards, but it returns once the shards are found: the
// file's sums are taken by another goroutine, from a read of its own, and
// sums waits for them and returns the SHA-256 (ChangeSum is set then).
// The table must stay open until sums has returned; call it once.
func (t *csvTable) ShardsLater(ctx context.Context, size int64) ([]Shard, func() (string, error), error) {
	if t.size == 0 {
		sha, _ := newFileSums(t.noSHA).sums()
		return nil, func() (string, error) { return sha, nil }, nil
	}
	lc, sums, err := startLineCuts(ctx, t.file, t.name, t.size, t.dataStart, size, t.noSHA)
	if err != nil {
		return nil, nil, err
	}
	wait := func() (string, error) {
		if err := sums(); err != nil {
			return "", err
		}
		t.change = lc.change
		return lc.sha, nil
	}
	cuts, lines := lc.cuts, lc.lines
	if lc.quoted {
		cuts, lines = nil, nil
		err := t.recordCuts(ctx, Shard{}, size, func(at int64, line int) error {
			cuts, lines = append(cuts, at), append(lines, line)
			return nil
		})
		if err != nil {
			wait()
			return nil, nil, err
		}
	}
	shards := shardsAt(cuts, lines, t.size, t.shardOf)
	return shards, wait, nil
}

// recordCuts finds cut points with the scanner, from the record at
// from (its Start and Line; 0: the file's start): at the start of the
// first record at or past every size bytes after the data's start (or
// after from), handed to cut with the line breaks before it.
func (t *csvTable) recordCuts(ctx context.Context, from Shard, size int64, cut func(at int64, line int) error) error {
	sc := t.scanner(io.NewSectionReader(t.file, from.Start, t.size-from.Start), Shard{Start: from.Start, Line: from.Line, Delim: t.delim, NFields: t.nfields, CountLine: t.countLine})
	pos := from.Start
	next := max(t.dataStart, from.Start) + size
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := sc.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if pos >= next && rec.Kind != Header {
			if err := cut(pos, rec.Line-1); err != nil {
				return err
			}
			next = pos + size
		}
		pos += int64(len(rec.Raw) + len(rec.Term))
	}
}

// smallBuffer is the read buffer of a scanner of the head, or of a shard's
// bytes in memory.
const smallBuffer = 64 << 10

// scanner is a scanner of sh's bytes: r, the file from sh.Start on, or
// sh.Data.
func (t *csvTable) scanner(r io.Reader, sh Shard) *Scanner {
	d := t.d
	if sh.Start > 0 {
		d.Delimiter, d.Header, d.SkipLines = sh.Delim, false, 0
	}
	var sc *Scanner
	if sh.Data != nil {
		sc = newScannerSize(bytes.NewReader(sh.Data), t.name, d, smallBuffer)
	} else {
		sc = NewScanner(r, t.name, d)
	}
	if sh.Start > 0 {
		sc.Resume(sh.Line, sh.NFields, sh.CountLine)
	}
	return sc
}

// PipeShards is a pipe over the file (ShardPipe): its shards are cut and
// handed over while it is read, once, for its sums. A file with a quote
// past the data's start is cut by the scanner from the shard that holds
// it on. The table must stay open until Sums has returned.
func (t *csvTable) PipeShards(size int64, workers int) *ShardPipe {
	p := newShardPipe(t.file, t.name, t.size, t.dataStart, size, workers, t.noSHA, t.shardOf)
	p.rest = func(ctx context.Context, from Shard, emit func(Shard) error) error {
		i := from.Index
		err := t.recordCuts(ctx, from, size, func(at int64, line int) error {
			err := emit(Shard{Index: i, Start: from.Start, End: at, Line: from.Line})
			i, from = i+1, Shard{Start: at, Line: line}
			return err
		})
		if err != nil {
			return err
		}
		return emit(Shard{Index: i, Start: from.Start, End: t.size, Line: from.Line})
	}
	return p
}

// shardOf adds to a shard what a scanner that starts there must know.
func (t *csvTable) shardOf(s Shard) Shard {
	s.Delim, s.NFields, s.CountLine = t.delim, t.nfields, t.countLine
	return s
}

// Read scans the shard's records and hands over each data record's cells.
func (t *csvTable) Read(ctx context.Context, sh Shard, cols []int, fn func(*Row) error) error {
	if t.size == 0 {
		return nil
	}
	sc := t.scanner(io.NewSectionReader(t.file, sh.Start, sh.End-sh.Start), sh)
	row := &Row{Cells: make([][]byte, len(cols)), Raw: make([][]byte, len(cols))}
	for n := 0; ; {
		rec, err := sc.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, ErrEmptyInput) {
				return nil
			}
			return err
		}
		if rec.Kind != Data {
			continue
		}
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		row.N, row.Line = n, rec.Line
		for j, c := range cols {
			row.Cells[j] = rec.ValueBytes(c)
			row.Raw[j] = rec.Field(c)
		}
		if err := fn(row); err != nil {
			return err
		}
		n++
	}
}
