package transform

import (
	"context"
	"sync"
)

// A shardFeed hands out the shards a local flip reads, in the table's
// order: each file's, listed by inspect or cut by the file's pipe while it
// reads the file (DistFile.pipe: a pipe starts when its first shard is
// asked for, so one file is read at a time), then extra (the
// reference's). A piped file's shards are added to its Shards as they are
// handed out.
type shardFeed struct {
	mu    sync.Mutex
	files []*DistFile
	extra []Shard
	file  int // the file whose shards are handed out now (len(files): extra)
	at    int // the next of its listed shards
	n     int // shards handed out
}

// total bounds the shards the feed hands out (a pipe's count is known
// only once it is read: MaxShards).
func (fd *shardFeed) total() int {
	n := len(fd.extra)
	for _, f := range fd.files {
		if f.pipe != nil {
			n += f.pipe.MaxShards()
		} else {
			n += len(f.Shards)
		}
	}
	return n
}

// next returns the next shard and its number in the feed, and release,
// to call once it is read; ok is false at the end, or on an error (of a
// pipe's read), which i then numbers.
func (fd *shardFeed) next(ctx context.Context) (i int, sh Shard, release func(), ok bool, err error) {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	for fd.file < len(fd.files) {
		f := fd.files[fd.file]
		if f.pipe == nil {
			if fd.at < len(f.Shards) {
				fd.at++
				return fd.handed(f.Shards[fd.at-1], func() {})
			}
		} else {
			ts, release, ok, err := f.pipe.Next(ctx)
			if err != nil {
				return fd.n, Shard{}, nil, false, classify(err)
			}
			if ok {
				sh := f.shard(ts)
				if ts.Index == 0 {
					f.CountLine = ts.CountLine
				}
				keep := sh
				keep.data = nil
				f.Shards = append(f.Shards, keep)
				return fd.handed(sh, release)
			}
		}
		fd.file, fd.at = fd.file+1, 0
	}
	if fd.at < len(fd.extra) {
		fd.at++
		return fd.handed(fd.extra[fd.at-1], func() {})
	}
	return 0, Shard{}, nil, false, nil
}

func (fd *shardFeed) handed(sh Shard, release func()) (int, Shard, func(), bool, error) {
	fd.n++
	return fd.n - 1, sh, release, true, nil
}

// extractFeed extracts every shard of fd on at most workers goroutines,
// and returns the batches in the feed's order, or the first error (by
// shard; an error of a pipe's read counts as its next shard's). After an
// error no new shard is read.
func (o *Options) extractFeed(ctx context.Context, fd *shardFeed, workers int) ([]*Batch, error) {
	read := o.stage("reading", fd.total())
	var mu sync.Mutex
	var batches []*Batch
	var errs []error
	failed := false
	set := func(i int, b *Batch, err error) {
		mu.Lock()
		defer mu.Unlock()
		for len(batches) <= i {
			batches, errs = append(batches, nil), append(errs, nil)
		}
		batches[i], errs[i] = b, err
		failed = failed || err != nil
	}
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				stop := failed
				mu.Unlock()
				if stop {
					return
				}
				i, sh, release, ok, err := fd.next(ctx)
				if err != nil {
					set(i, nil, err)
				}
				if !ok {
					return
				}
				if err := ctx.Err(); err != nil {
					release()
					set(i, nil, err)
					continue
				}
				b, err := o.Extract(ctx, sh)
				release()
				set(i, b, err)
				read.tick()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	read.finish() // a pipe may cut fewer shards than it could have
	return batches, ctx.Err()
}
