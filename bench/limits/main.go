// Command limits measures what this machine allows a flip of a file of
// FILE's size, the floor under every figure of docs/PERFORMANCE.md: how
// fast memory is copied, how long fresh memory takes to touch (page
// faults), how fast the file is read from the page cache and written, and
// the speed of the two checksums fairflip takes of its input (SHA-256 and
// CRC-32). Each figure is the median of -runs runs.
//
//	go run ./bench/limits -file /tmp/in.csv
//
// bench/compare.sh times `cat IN > OUT` beside fairflip; BenchmarkScanner
// (go test ./io -bench Scanner) gives the CSV scanner's bytes per second.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

func main() {
	file := flag.String("file", "", "the input whose size the figures are for (read, never written)")
	runs := flag.Int("runs", 5, "runs of each measurement")
	flag.Parse()
	if *file == "" || *runs < 1 {
		fmt.Fprintln(os.Stderr, "usage: limits -file FILE [-runs N]")
		os.Exit(2)
	}
	if err := run(*file, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "limits:", err)
		os.Exit(1)
	}
}

// median runs f n times and returns the median of its durations.
func median(n int, f func() error) (time.Duration, error) {
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return ds[n/2], nil
}

func run(file string, runs int) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	size := len(data)
	mb := float64(size) / 1e6
	fmt.Printf("input %s: %.1f MB; median of %d runs each\n", file, mb, runs)
	report := func(what string, d time.Duration) {
		fmt.Printf("%-46s %8.1f ms  %8.0f MB/s\n", what, d.Seconds()*1e3, mb/d.Seconds())
	}

	dst := make([]byte, size)
	copy(dst, data) // touched once, so the copies below fault no pages
	d, _ := median(runs, func() error { copy(dst, data); return nil })
	report("copy in memory (memmove, pages already touched)", d)

	var keep [][]byte
	d, _ = median(runs, func() error {
		b := make([]byte, size)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		keep = append(keep[:0], b) // kept until the next run, so not reused
		return nil
	})
	report("touch fresh memory (one fault per 4 KiB page)", d)
	fmt.Printf("%-46s %8.2f µs\n", "  so one page fault costs about", d.Seconds()*1e6/float64(size/4096))
	keep = nil

	buf := make([]byte, 1<<20)
	d, err = median(runs, func() error {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
		return err
	})
	if err != nil {
		return err
	}
	report("read the file (page cache, 1 MiB reads)", d)

	out := filepath.Join(os.TempDir(), fmt.Sprintf("limits-%d.out", os.Getpid()))
	defer os.Remove(out)
	write := func(sync bool) func() error {
		return func() error {
			os.Remove(out)
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			for off := 0; off < size; off += len(buf) {
				if _, err := f.Write(data[off:min(off+len(buf), size)]); err != nil {
					f.Close()
					return err
				}
			}
			if sync {
				if err := f.Sync(); err != nil {
					f.Close()
					return err
				}
			}
			return f.Close()
		}
	}
	if d, err = median(runs, write(false)); err != nil {
		return err
	}
	report("write a new file (1 MiB writes)", d)
	if d, err = median(runs, write(true)); err != nil {
		return err
	}
	report("write a new file, then fsync", d)

	d, _ = median(runs, func() error { sha256.Sum256(data); return nil })
	report("SHA-256 (the summary's input_sha256)", d)
	d, _ = median(runs, func() error { crc32.ChecksumIEEE(data); return nil })
	report("CRC-32 (pass 2's change sum)", d)
	return nil
}
