// Command gen writes a large CSV table for fairflip's benchmarks: UCI
// Adult's rows repeated, with the Adult schema and a header, as bench's
// scripts and docs/PERFORMANCE.md use. It is deterministic: copy c of row
// r has fnlwgt + 7919·c (so no two copies are the same row) and otherwise
// Adult's values, trimmed; the output is the same bytes every time.
//
//	go run ./bench/gen -rows 10000000 -o /tmp/adult10m.csv
//	go run ./bench/gen -rows 1000000 -data ../shared/data > in.csv
//
// Rows with a missing value ("?") are kept as they are. bench/compare.sh
// and bench/growth.sh build their inputs with it (and the Parquet copies
// from its output with DuckDB).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

const header = "age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income"

func main() {
	rows := flag.Int("rows", 1000000, "number of data rows to write")
	data := flag.String("data", "", "folder holding adult/adult.data (default $FAIRFLIP_DATA, else ../shared/data)")
	out := flag.String("o", "", "output file (default stdout)")
	flag.Parse()
	if err := run(*rows, *data, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(rows int, data, out string) error {
	if rows < 0 {
		return errors.New("-rows must be at least 0")
	}
	if data == "" {
		data = os.Getenv("FAIRFLIP_DATA")
	}
	if data == "" {
		data = filepath.Join("..", "shared", "data")
	}
	src, err := os.ReadFile(filepath.Join(data, "adult", "adult.data"))
	if err != nil {
		return err
	}
	recs, err := parse(src)
	if err != nil {
		return err
	}
	var w io.Writer = os.Stdout
	var f *os.File
	if out != "" {
		if f, err = os.Create(out); err != nil {
			return err
		}
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := write(bw, recs, rows); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		return f.Close()
	}
	return nil
}

// parse splits adult.data into trimmed fields, skipping blank lines.
func parse(src []byte) ([][][]byte, error) {
	var recs [][][]byte
	for i, line := range bytes.Split(src, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		fields := bytes.Split(line, []byte(","))
		if len(fields) != 15 {
			return nil, fmt.Errorf("adult.data line %d has %d fields, want 15", i+1, len(fields))
		}
		for j := range fields {
			fields[j] = bytes.TrimSpace(fields[j])
		}
		if _, err := strconv.Atoi(string(fields[2])); err != nil {
			return nil, fmt.Errorf("adult.data line %d: fnlwgt %q is not an integer", i+1, fields[2])
		}
		recs = append(recs, fields)
	}
	if len(recs) == 0 {
		return nil, errors.New("adult.data has no rows")
	}
	return recs, nil
}

// write writes the header and n rows: copy c of Adult row r is row
// c·len(recs)+r, with fnlwgt + 7919·c.
func write(w *bufio.Writer, recs [][][]byte, n int) error {
	w.WriteString(header)
	w.WriteByte('\n')
	var line []byte
	for i := 0; i < n; i++ {
		c, r := i/len(recs), i%len(recs)
		line = line[:0]
		for j, f := range recs[r] {
			if j > 0 {
				line = append(line, ',')
			}
			if j == 2 {
				v, _ := strconv.Atoi(string(f))
				line = strconv.AppendInt(line, int64(v+7919*c), 10)
				continue
			}
			line = append(line, f...)
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}
