package tableio

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// A table format: fairflip reads (and, through Rewriter, rewrites) a file
// format only through this interface and the registry, so that a new format
// is one new file in this package whose init calls Register.
type TableFormat interface {
	// Name is the format's --format value: "csv", "parquet", "jsonl".
	Name() Format
	// Title names it in messages: "CSV", "Parquet", "JSON Lines".
	Title() string
	// Extensions are the file name endings that select it (".csv").
	Extensions() []string
	// Sniff reports whether a file's first bytes say it is of this format
	// when its name does not.
	Sniff(head []byte) bool
	// Open opens a table for reading: its columns, from the header or the
	// footer; nothing else is read yet.
	Open(src Source, opt ReadOptions) (Table, error)
}

// Source is a file to read: the path to open, and the name messages give
// it (empty: the path). A copy of standard input is read from
// /proc/self/fd/N and named <stdin>.
type Source struct {
	Path, Name string
}

// Label is the name messages give the source.
func (s Source) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Path
}

// ReadOptions say how to read a table: the CSV dialect (delimiter, header,
// preamble, bounds), names for a file without a header, and the bounds on
// a Parquet file. A format takes what concerns it.
type ReadOptions struct {
	Dialect     Dialect
	HeaderNames []string // names for a CSV file without a header row
	// OptionalLast, if set, is a name HeaderNames may lack or have as its
	// last name, matched to a file with or without that last column (eval
	// and sweep read flipped and unflipped files with the same names: the
	// audit column may be there or not).
	OptionalLast  string
	ParquetLimits ParquetLimits
	// NoSHA256 leaves out the file's SHA-256, which only a summary needs:
	// the sums that Shards, ShardsLater and a pipe return have "" for it.
	// The change sum that a rewrite compares (ChangeSummed) is still taken.
	NoSHA256 bool
}

// Column is a column of a table as a reader sees it.
type Column struct {
	Name string // "" for a file without names
	// Flat: a column whose cells can be read as values (not a nested or
	// repeated Parquet column, which is carried through untouched).
	Flat bool
	Type string // for messages ("INT64", "BYTE_ARRAY (STRING)"); "" for text
}

// A Table is an open table.
type Table interface {
	// Columns are the table's columns, in order; Named reports whether
	// they have names (a header, a schema or --header-names).
	Columns() []Column
	Named() bool
	// Empty reports a file with no bytes at all (a part with no rows).
	Empty() bool
	// Shards reads the whole file once: its SHA-256, and pieces of about
	// size bytes that can be read on their own, in order.
	Shards(ctx context.Context, size int64) (sha256 string, shards []Shard, err error)
	// Read calls fn for each data row of shard, in order, with the cells of
	// cols. The Row and its cells are valid only during the call.
	Read(ctx context.Context, shard Shard, cols []int, fn func(*Row) error) error
	// Whole is the shard that holds the whole table (read without cutting
	// it first).
	Whole() Shard
	// Close releases the file.
	Close() error
}

// Shard is a piece of a table that can be read on its own: CSV records in
// the bytes [Start, End), or Parquet row groups [Start, End), with what a
// reader that starts there must know (a CSV file's line count before Start,
// its delimiter and field count: Scanner.Resume).
type Shard struct {
	Index      int
	Start, End int64
	Line       int
	Delim      byte
	NFields    int
	CountLine  int
	// Data, if not nil, are the shard's bytes [Start, End), as a
	// ShardPipe read them: Read scans them instead of the file.
	Data []byte
}

// Row is one data row of a shard, as Read gives it.
type Row struct {
	N    int // the row's number in its shard (0-based)
	Line int // its line in the file (CSV), for messages; 0 if none
	// RowInFile is its 1-based row in the whole file when the format counts
	// rows without lines (Parquet), for messages; 0 otherwise.
	RowInFile int64
	Cells     [][]byte // the cells of the asked columns: their values (unquoted, trimmed); a null is empty
	Null      []bool   // which cells are null (Parquet); nil when none can be
	// Raw holds the cells' bytes as the file has them (CSV: padding and
	// quotes); nil for a format whose cells have no bytes of their own.
	Raw [][]byte
}

// Where names the row's place for an error: line (CSV) or row.
func (r *Row) Where(file string, col int, name string, err error) error {
	return &RowError{File: file, Line: r.Line, Row: r.RowInFile, Column: col + 1, Name: name, Err: err}
}

var formats []TableFormat

// RegisterFormat adds a format to the registry (in an init function).
func RegisterFormat(f TableFormat) {
	if LookupFormat(f.Name()) != nil {
		panic("tableio: format " + string(f.Name()) + " registered twice")
	}
	formats = append(formats, f)
}

// LookupFormat returns the registered format called name, or nil.
func LookupFormat(name Format) TableFormat {
	for _, f := range formats {
		if f.Name() == name {
			return f
		}
	}
	return nil
}

// Formats returns the registered formats, in registration order.
func Formats() []TableFormat { return slices.Clone(formats) }

// OpenTable opens src as a table of format (""): detected from the name
// and the first bytes, see DetectFormat).
func OpenTable(src Source, format Format, opt ReadOptions) (Table, TableFormat, error) {
	if format == "" {
		format = DetectFormat(src.Path, readHead(src.Path))
	}
	f := LookupFormat(format)
	if f == nil {
		return nil, nil, fmt.Errorf("%s: no reader for the format %q", src.Label(), format)
	}
	t, err := f.Open(src, opt)
	return t, f, err
}

// FormatNames lists the registered formats' names: "csv, tsv or parquet".
func FormatNames() string {
	var names []string
	for _, f := range formats {
		names = append(names, string(f.Name()))
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// byExtension is the registered format a file name's ending selects, or nil.
func byExtension(path string) TableFormat {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range formats {
		if slices.Contains(f.Extensions(), ext) {
			return f
		}
	}
	return nil
}
