package tableio

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Format is a table's file format, by its registered name (see
// TableFormat and RegisterFormat).
type Format string

// The formats of this package (each registers itself in its own file).
const (
	CSV     Format = "csv"
	TSV     Format = "tsv" // CSV with TAB as the delimiter
	Parquet Format = "parquet"
)

// Name names the format in messages: CSV, TSV, Parquet...
func (f Format) Name() string {
	if t := LookupFormat(f); t != nil {
		return t.Title()
	}
	return strings.ToUpper(string(f))
}

// ParseFormat parses a --format value ("" means: detect).
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if f == "" || LookupFormat(f) != nil {
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: want %s", s, FormatNames())
}

// DetectFormat guesses a file's format from its name's ending, else from
// its first bytes (a format's Sniff: Parquet files start with PAR1), else
// CSV.
func DetectFormat(path string, head []byte) Format {
	if f := byExtension(path); f != nil {
		return f.Name()
	}
	for _, f := range formats {
		if f.Sniff(head) {
			return f.Name()
		}
	}
	return CSV
}

// headBytes is how much of a file Sniff sees.
const headBytes = 512

// readHead reads the first bytes of the file at path (none if it cannot).
func readHead(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, headBytes)
	n, _ := io.ReadFull(f, head)
	return head[:n]
}
