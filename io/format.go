package tableio

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// Format is a table's file format.
type Format string

// The formats fairflip reads and writes.
const (
	CSV     Format = "csv"
	TSV     Format = "tsv" // CSV with TAB as the delimiter
	Parquet Format = "parquet"
)

// Name names the format in messages: CSV, TSV or Parquet.
func (f Format) Name() string {
	switch f {
	case Parquet:
		return "Parquet"
	case TSV:
		return "TSV"
	}
	return "CSV"
}

// ParseFormat parses a --format value ("" means: detect).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "", CSV, TSV, Parquet:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: want csv, tsv or parquet", s)
}

// parquetMagic starts and ends every Parquet file.
var parquetMagic = []byte("PAR1")

// DetectFormat guesses a file's format from its name's extension, else from
// its first bytes (Parquet files start with PAR1), else CSV.
func DetectFormat(path string, head []byte) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet", ".pq", ".parq":
		return Parquet
	case ".tsv", ".tab":
		return TSV
	case ".csv":
		return CSV
	}
	if bytes.HasPrefix(head, parquetMagic) {
		return Parquet
	}
	return CSV
}
