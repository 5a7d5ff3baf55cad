package tableio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
)

// A ShardPipe is the first pass's one read of a line-based file (CSV,
// JSON Lines) for a reader in this process: one goroutine reads the file
// once, in order, takes its SHA-256 and its change sum from each buffer it
// reads, and cuts the buffers into shards (just after a line break, at the
// first one at or past start+size, then about every size bytes), which it
// hands over with their bytes (Shard.Data) while it reads on. The shards'
// readers scan those bytes instead of reading the file again: the file is
// read once for the cut points, the sums and the shards, where Shards and
// ShardsLater read it three times.
//
// A CSV file in which a quote follows the data's start (a line break may
// then be inside a quoted field) is cut at line breaks only before that
// quote; from the shard that holds it on, the cuts are found by the
// scanner, at records' starts, and those shards are read from the file
// (Shard.Data is nil), while the read for the sums goes on beside.
//
// The reader starts at the first call of Next; it keeps at most
// workers+2 shards' bytes (about size each) in memory.
type ShardPipe struct {
	f           io.ReaderAt
	name        string
	total       int64
	start, size int64
	shard       func(Shard) Shard // what the format adds to each shard
	noSHA       bool              // the SHA-256 is left out (ReadOptions.NoSHA256)
	// rest, if not nil, is called when a quote follows start: it cuts
	// the file from the shard from on (its Start and Line) and hands each
	// shard to emit, in order.
	rest func(ctx context.Context, from Shard, emit func(Shard) error) error

	once    sync.Once
	cancel  context.CancelFunc
	shards  chan pipeShard
	free    chan []byte
	limit   int // buffers the reader may have made
	made    int
	chunk   int           // bytes per read
	done    chan struct{} // closed when the reader has returned
	err     error         // the reader's error, once done is closed
	sha     string        // the sums, once done is closed without err
	change  string
	handed  int         // shards handed by Next
	drained bool        // Next reported the end
	ended   atomic.Bool // the reader has handed its last shard: buffers are no longer kept
}

// pipeShard is a cut shard and its buffer (nil: read from the file).
type pipeShard struct {
	sh  Shard
	buf []byte
}

// pipeChunk is the most one read asks for: a shard's size, within
// [4 KiB, 1 MiB] (the bytes past a cut are copied to the next shard's
// buffer: less than one read).
const pipeChunk = 1 << 20

// newShardPipe prepares a pipe over f (total bytes, as the table was
// opened); see ShardPipe.
func newShardPipe(f io.ReaderAt, name string, total, start, size int64, workers int, noSHA bool, shard func(Shard) Shard) *ShardPipe {
	limit := max(workers, 1) + 2
	return &ShardPipe{f: f, name: name, total: total, start: start, size: max(size, 1), shard: shard, noSHA: noSHA,
		shards: make(chan pipeShard, limit), free: make(chan []byte, limit), limit: limit, done: make(chan struct{}),
		chunk: int(min(max(size, 4<<10), pipeChunk))}
}

// MaxShards bounds the number of shards the pipe cuts: every cut is at
// least size bytes past the one before (the first, past start).
func (p *ShardPipe) MaxShards() int {
	if p.total <= p.start {
		return 1
	}
	return int((p.total-1-p.start)/p.size) + 1
}

// Next returns the next shard, in order, and release, to call once the
// shard has been read (its buffer is used again). At the end, ok is
// false and the sums are ready (Sums). An error of the read (the file
// changed, or could not be read) is returned once, and then again by
// Sums.
func (p *ShardPipe) Next(ctx context.Context) (sh Shard, release func(), ok bool, err error) {
	p.once.Do(func() { p.begin(ctx) })
	var ps pipeShard
	select {
	case ps, ok = <-p.shards:
	case <-ctx.Done():
		return Shard{}, nil, false, ctx.Err()
	}
	if !ok {
		<-p.done
		p.drained = p.err == nil
		// The buffers are not needed again: let them go with their shards
		// (the pipe lives on, for Sums) instead of holding workers+2 of
		// them for the rest of the run.
		p.ended.Store(true)
		for len(p.free) > 0 {
			<-p.free
		}
		return Shard{}, nil, false, p.err
	}
	p.handed++
	release = func() {}
	if ps.buf != nil {
		release = func() {
			if p.ended.Load() {
				return
			}
			select {
			case p.free <- ps.buf[:0]:
			default:
			}
		}
	}
	return ps.sh, release, true, nil
}

// Sums waits for the read to end and returns the file's SHA-256 and its
// change sum. Called before Next reported the end, it stops the read and
// returns an error. It may be called more than once.
func (p *ShardPipe) Sums() (sha, change string, err error) {
	p.once.Do(func() { // never started: nothing to wait for
		p.cancel = func() {}
		p.err = errors.New("the file was not read")
		close(p.done)
	})
	if !p.drained {
		p.cancel()
		<-p.done
		if p.err != nil {
			return "", "", p.err
		}
		return "", "", fmt.Errorf("%s: the read was stopped after %d shards", p.name, p.handed)
	}
	return p.sha, p.change, nil
}

// begin starts the reader.
func (p *ShardPipe) begin(ctx context.Context) {
	ctx, p.cancel = context.WithCancel(ctx)
	go func() {
		defer close(p.done)
		defer close(p.shards)
		p.err = p.read(ctx)
	}()
}

// buffer returns an empty buffer for a shard: a new one while fewer than
// limit were made, else one a reader released.
func (p *ShardPipe) buffer(ctx context.Context) ([]byte, error) {
	if p.made < p.limit {
		select {
		case b := <-p.free:
			return b, nil
		default:
		}
		p.made++
		return make([]byte, 0, p.size+int64(p.chunk)), nil
	}
	select {
	case b := <-p.free:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// emit hands a shard over.
func (p *ShardPipe) emit(ctx context.Context, sh Shard, buf []byte) error {
	select {
	case p.shards <- pipeShard{sh: p.shard(sh), buf: buf}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// read is the reader: it reads the file to its end, sums it, cuts and
// hands over its shards.
func (p *ShardPipe) read(ctx context.Context) error {
	sums := newFileSums(p.noSHA)
	cur, err := p.buffer(ctx)
	if err != nil {
		return err
	}
	from := Shard{} // the shard being filled: cur holds its bytes read so far
	next := p.start + p.size
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		cur = slices.Grow(cur, p.chunk)
		n, rerr := p.f.ReadAt(cur[len(cur):len(cur)+p.chunk], sums.pos)
		b := cur[len(cur) : len(cur)+n]
		cur = cur[:len(cur)+n]
		if p.rest != nil && quoteFrom(b, sums.pos, p.start) {
			sums.add(b)
			return p.quoted(ctx, sums, from, rerr)
		}
		sums.add(b)
		if sums.pos > p.total {
			return p.finish(sums) // it grew: no use reading on
		}
		// Cut at the first line break whose end is at or past next, in the
		// bytes not searched yet.
		for sums.pos > next-1 {
			off := max(next-1, sums.pos-int64(n)) - from.Start
			j := bytes.IndexByte(cur[off:], '\n')
			if j < 0 {
				break
			}
			at := from.Start + off + int64(j) + 1
			if at >= p.total {
				break
			}
			nb, err := p.buffer(ctx)
			if err != nil {
				return err
			}
			nb = append(nb, cur[at-from.Start:]...)
			data := cur[:at-from.Start]
			sh := Shard{Index: from.Index, Start: from.Start, End: at, Line: from.Line, Data: data}
			if err := p.emit(ctx, sh, data); err != nil {
				return err
			}
			from = Shard{Index: from.Index + 1, Start: at, Line: from.Line + bytes.Count(data, newline)}
			cur, next = nb, at+p.size
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if err := p.finish(sums); err != nil {
		return err
	}
	return p.emit(ctx, Shard{Index: from.Index, Start: from.Start, End: sums.pos, Line: from.Line, Data: cur}, cur)
}

// quoteFrom reports a quote in b (the bytes at pos) at or past start.
func quoteFrom(b []byte, pos, start int64) bool {
	if skip := start - pos; skip > 0 {
		if skip >= int64(len(b)) {
			return false
		}
		b = b[skip:]
	}
	return bytes.IndexByte(b, '"') >= 0
}

// finish checks that the whole file was read and keeps its sums.
func (p *ShardPipe) finish(sums *fileSums) error {
	if sums.pos != p.total {
		return &TableChangedError{File: p.name, What: fmt.Sprintf("%d bytes, %d before", sums.pos, p.total)}
	}
	p.sha, p.change = sums.sums()
	return nil
}

// quoted goes on after a quote in the shard from: p.rest cuts the file
// from there (reading it with the scanner), while another goroutine reads
// the rest of the file for the sums (rerr: the last read's error).
func (p *ShardPipe) quoted(ctx context.Context, sums *fileSums, from Shard, rerr error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	summed := make(chan error, 1)
	go func() {
		if rerr != nil && rerr != io.EOF {
			summed <- rerr
			return
		}
		buf := make([]byte, pipeChunk)
		for rerr != io.EOF {
			if err := ctx.Err(); err != nil {
				summed <- err
				return
			}
			var n int
			n, rerr = p.f.ReadAt(buf, sums.pos)
			sums.add(buf[:n])
			if rerr != nil && rerr != io.EOF {
				summed <- rerr
				return
			}
		}
		summed <- p.finish(sums)
	}()
	err := p.rest(ctx, from, func(sh Shard) error { return p.emit(ctx, sh, nil) })
	if err != nil {
		cancel()
	}
	if serr := <-summed; err == nil {
		err = serr
	}
	return err
}
