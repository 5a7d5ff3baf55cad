package model

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// resolveWorkers returns w, or runtime.GOMAXPROCS(0) if w < 1.
func resolveWorkers(w int) int {
	if w < 1 {
		return runtime.GOMAXPROCS(0)
	}
	return w
}

// forChunks calls fn(c) for every c in [0, nChunks), using at most workers
// goroutines that take chunks in increasing order. fn must only write to
// state owned by chunk c, so that the result does not depend on the
// scheduling or on the number of workers.
func forChunks(nChunks, workers int, fn func(c int)) {
	if workers > nChunks {
		workers = nChunks
	}
	if workers <= 1 {
		for c := 0; c < nChunks; c++ {
			fn(c)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= nChunks {
					return
				}
				fn(c)
			}
		}()
	}
	wg.Wait()
}
