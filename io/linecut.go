package tableio

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
)

// lineCuts is one read of a line-based file (CSV, JSON Lines): its
// SHA-256 and its change sum (ChangeSum), and where it may be cut into shards — just after a line break,
// at the first one at or past start+size, then about every size bytes —
// with the number of line breaks before each cut. quoted reports a '"'
// anywhere in the file (a CSV file's line break may then be inside a
// field, and its cuts must be found again by its scanner).
type lineCuts struct {
	sha    string
	change string
	cuts   []int64
	lines  []int
	quoted bool
}

// readLineCuts reads the file (total bytes, as the table was opened) for
// its cut points, while another goroutine reads it again for its sums
// (the SHA-256 costs more than the rest), and waits for both.
func readLineCuts(ctx context.Context, f io.ReaderAt, name string, total, start, size int64, noSHA bool) (*lineCuts, error) {
	lc, sums, err := startLineCuts(ctx, f, name, total, start, size, noSHA)
	if err != nil {
		return nil, err
	}
	if err := sums(); err != nil {
		return nil, err
	}
	return lc, nil
}

// startLineCuts is readLineCuts, but it returns once the cut points are
// found; sums waits for the sums (lc.sha, lc.change), taken by a goroutine
// that reads f on its own. f must stay open until sums has returned.
func startLineCuts(ctx context.Context, f io.ReaderAt, name string, total, start, size int64, noSHA bool) (lc *lineCuts, sums func() error, err error) {
	lc = &lineCuts{}
	hctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- lc.sum(hctx, f, name, total, noSHA) }()
	sums = func() error {
		defer cancel()
		return <-done
	}
	pos, err := lc.find(ctx, io.NewSectionReader(f, 0, 1<<62), total, start, size)
	if err == nil && pos != total {
		err = &TableChangedError{File: name, What: fmt.Sprintf("%d bytes, %d before", pos, total)}
	}
	if err != nil {
		cancel()
		<-done
		return nil, nil, err
	}
	return lc, sums, nil
}

// sum reads f to its end for its SHA-256 (unless noSHA) and its change
// sum.
func (lc *lineCuts) sum(ctx context.Context, f io.ReaderAt, name string, total int64, noSHA bool) error {
	s, err := sumFile(ctx, f, name, total, noSHA)
	if err != nil {
		return err
	}
	lc.sha, lc.change = s.sums()
	return nil
}

// sumFile reads f (total bytes, as the table was opened) to its end for
// its sums.
func sumFile(ctx context.Context, f io.ReaderAt, name string, total int64, noSHA bool) (*fileSums, error) {
	s := newFileSums(noSHA)
	buf := make([]byte, 1<<20)
	r := io.NewSectionReader(f, 0, 1<<62)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, rerr := r.Read(buf)
		s.add(buf[:n])
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, rerr
		}
	}
	if s.pos != total {
		return nil, &TableChangedError{File: name, What: fmt.Sprintf("%d bytes, %d before", s.pos, total)}
	}
	return s, nil
}

// fileSums are the running sums of a file's bytes: its change sum (a
// CRC-32) and, unless it is left out (ReadOptions.NoSHA256), its SHA-256.
type fileSums struct {
	sha hash.Hash // nil: left out
	crc uint32
	pos int64 // bytes summed
}

func newFileSums(noSHA bool) *fileSums {
	if noSHA {
		return &fileSums{}
	}
	return &fileSums{sha: sha256.New()}
}

func (s *fileSums) add(b []byte) {
	if s.sha != nil {
		s.sha.Write(b)
	}
	s.crc = crc32.Update(s.crc, crc32.IEEETable, b)
	s.pos += int64(len(b))
}

// sums returns the SHA-256 ("" if left out) and the change sum.
func (s *fileSums) sums() (sha, change string) {
	if s.sha != nil {
		sha = hex.EncodeToString(s.sha.Sum(nil))
	}
	return sha, formatChangeSum(s.crc)
}

// find reads r to its end and notes the cuts and quotes; it returns the
// bytes read.
func (lc *lineCuts) find(ctx context.Context, r io.Reader, total, start, size int64) (int64, error) {
	buf := make([]byte, 1<<20)
	var pos int64
	line := 0
	next := start + size
	for {
		if err := ctx.Err(); err != nil {
			return pos, err
		}
		n, rerr := r.Read(buf)
		b := buf[:n]
		if !lc.quoted && bytes.IndexByte(b, '"') >= 0 {
			lc.quoted = true
		}
		if pos+int64(n) < next {
			line += bytes.Count(b, newline) // no cut in b
		} else {
			for i := 0; i < len(b); {
				j := bytes.IndexByte(b[i:], '\n')
				if j < 0 {
					break
				}
				line++
				if at := pos + int64(i+j+1); at >= next && at < total {
					lc.cuts, lc.lines = append(lc.cuts, at), append(lc.lines, line)
					next = at + size
				}
				i += j + 1
			}
		}
		pos += int64(n)
		if rerr == io.EOF {
			return pos, nil
		}
		if rerr != nil {
			return pos, rerr
		}
	}
}

var newline = []byte{'\n'}

// shardsAt cuts a file of total bytes at cuts (lines: the line breaks
// before each); shard fills in what a format adds to each.
func shardsAt(cuts []int64, lines []int, total int64, shard func(s Shard) Shard) []Shard {
	var shards []Shard
	start, line := int64(0), 0
	for i := 0; i <= len(cuts); i++ {
		end := total
		if i < len(cuts) {
			end = cuts[i]
		}
		shards = append(shards, shard(Shard{Index: i, Start: start, End: end, Line: line}))
		if i < len(cuts) {
			start, line = cuts[i], lines[i]
		}
	}
	return shards
}

// stillEmpty checks, before a rewrite, that a file that was empty (0
// bytes) in the first pass still is.
func stillEmpty(f *os.File, name string, p *Rewrite) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() != 0 {
		return &TableChangedError{File: name, What: fmt.Sprintf("empty in the first pass, %d bytes now", st.Size())}
	}
	if len(p.Rows) > 0 {
		return &TableChangedError{File: name, What: "it is empty, but the first pass read rows"}
	}
	return nil
}

// The change sum of a file is what a second pass over it compares with the
// first pass's to see that the file did not change in between: its CRC-32
// (IEEE), "crc32:" and 8 hex digits. It is not the file's identity (that is
// the SHA-256 in the summary), only a check against an accidental change:
// it sees every change of up to 32 consecutive bits, and misses a larger
// one with a probability of 2^-32, on top of the command line's check of
// the file's size, time and identity and the second pass's row count.
// Computing it costs about a sixth of the SHA-256 on this machine
// (docs/PERFORMANCE.md).
func formatChangeSum(crc uint32) string { return fmt.Sprintf("crc32:%08x", crc) }

// ChangeSum is the change sum of the file read by the last Shards call
// ("" before one).
func (t *csvTable) ChangeSum() string { return t.change }

// ChangeSum is the change sum of the file read by the last Shards call
// ("" before one).
func (t *jsonlTable) ChangeSum() string { return t.change }

// ChangeSummed is a Table whose Shards also takes the file's change sum,
// which a rewrite compares (Rewrite.ChangeSum) instead of the SHA-256:
// every format here.
type ChangeSummed interface {
	ChangeSum() string
}

// LaterShards is a Table whose shards can be had before its sums:
// ShardsLater returns the shards at once and sums, which waits for the
// SHA-256 (and the change sum) taken by another goroutine, from a read of
// its own; the table must stay open until sums has returned (CSV).
type LaterShards interface {
	ShardsLater(ctx context.Context, size int64) ([]Shard, func() (string, error), error)
}

// PipedShards is a Table whose shards can be cut while the file is read
// once for its sums, and read from the bytes that read (ShardPipe): the
// line-based formats, for a reader in the same process. Not for an empty
// file (Empty).
type PipedShards interface {
	PipeShards(size int64, workers int) *ShardPipe
}

// secondPass wraps a rewrite's read of its file r: it sums what is read as
// the first pass did (p's change sum if set, else its SHA-256, else
// nothing). check, at the end of the read, reports a TableChangedError if
// the sums differ; summed tells whether there is a sum to compare.
func secondPass(r io.Reader, p *Rewrite, name string) (in io.Reader, check func() error, summed bool) {
	switch {
	case p.ChangeSum != "":
		crc := crc32.NewIEEE()
		return io.TeeReader(r, crc), func() error {
			if got := formatChangeSum(crc.Sum32()); got != p.ChangeSum {
				return &TableChangedError{File: name, What: fmt.Sprintf("its CRC-32 was %s in the first pass, %s in the second", p.ChangeSum, got)}
			}
			return nil
		}, true
	case p.SHA256 != "":
		sha := sha256.New()
		return io.TeeReader(r, sha), func() error {
			if got := hex.EncodeToString(sha.Sum(nil)); got != p.SHA256 {
				return &TableChangedError{File: name, What: fmt.Sprintf("its SHA-256 was %s in the first pass, %s in the second", p.SHA256, got)}
			}
			return nil
		}, true
	}
	return r, func() error { return nil }, false
}
