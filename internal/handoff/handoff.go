// Package handoff passes batches of work from a producer goroutine to the
// calling goroutine, in order, recycling a fixed set of batches: a pass over
// a CSV file uses it to run on both cores (the producer reads and splits the
// file, the caller handles the records), with no per-record
// synchronisation.
package handoff

import "context"

// Handoff is one producer's line to its consumer.
type Handoff[B any] struct {
	full     chan *B
	free     chan *B
	done     chan struct{} // closed by stop: the consumer is gone
	finished chan struct{} // closed when the producer has returned
}

// handoffBatches is the number of batches in circulation, handoffAhead how
// many the producer may fill ahead of the consumer.
const (
	handoffBatches = 6
	handoffAhead   = 4
)

// Start runs produce on a new goroutine. produce takes batches with
// Get, fills them and sends them with Put, and returns when either says the
// consumer is gone, or when it has sent its last batch.
func Start[B any](produce func(h *Handoff[B])) *Handoff[B] {
	h := &Handoff[B]{
		full:     make(chan *B, handoffAhead),
		free:     make(chan *B, handoffBatches),
		done:     make(chan struct{}),
		finished: make(chan struct{}),
	}
	for range handoffBatches {
		h.free <- new(B)
	}
	go func() {
		defer close(h.finished)
		produce(h)
	}()
	return h
}

// get returns an empty batch for the producer to fill (with the contents
// of a recycled one: the producer resets it), or nil once stop was called.
func (h *Handoff[B]) Get() *B {
	select {
	case b := <-h.free:
		return b
	case <-h.done:
		return nil
	}
}

// put hands a filled batch to the consumer; false once stop was called.
func (h *Handoff[B]) Put(b *B) bool {
	select {
	case h.full <- b:
		return true
	case <-h.done:
		return false
	}
}

// next returns the next filled batch, in the order put sent them, or ctx's
// error once ctx is done.
func (h *Handoff[B]) Next(ctx context.Context) (*B, error) {
	select {
	case b := <-h.full:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// recycle gives a batch the consumer is done with back to the producer.
func (h *Handoff[B]) Recycle(b *B) { h.free <- b }

// stop tells the producer to stop and waits until it has returned, so that
// it no longer reads the input, unless ctx is done (it may then be blocked
// in a read from a pipe). Call it once, when the consumer is done.
func (h *Handoff[B]) Stop(ctx context.Context) {
	close(h.done)
	select {
	case <-h.finished:
	case <-ctx.Done():
	}
}
