package transform

import (
	"fmt"
	"io"
	"runtime/metrics"
	"sync"
	"time"
)

// Timings records the wall time of each stage of a flip, one after the
// other (`fairflip flip --timings`): a stage ends, and the next starts,
// at each Lap. It also samples the Go heap at each lap and the process's
// peak resident memory at the end. A nil *Timings records nothing, so the
// stages call Lap unconditionally.
type Timings struct {
	mu     sync.Mutex
	last   time.Time
	stages []StageTime
}

// StageTime is one stage's wall time and the Go heap (live and not yet
// collected objects) at its end.
type StageTime struct {
	Name string
	Wall time.Duration
	Heap uint64
}

// The stages of a flip, in order, as Timings names them.
const (
	StageRead      = "read (pass 1)"  // inspect the files, read and split every record, hash the input
	StageFeatures  = "features"       // counts, text levels, the feature spec, the collective
	StageReference = "reference"      // gather the reference rows; cut the batches to the candidates
	StageFit       = "fit"            // encode the reference, fit the method
	StageIndex     = "index"          // build the k-NN indexes (the k-NN methods, with candidates to score)
	StageScore     = "scoring"        // score the candidates
	StageSelect    = "selection"      // the flip rule, --max-flips, the summary
	StageWrite     = "write (pass 2)" // rewrite the table, checking every record, and the input unchanged
	StageCommit    = "commit"         // the output renamed into place
)

// NewTimings starts timing the first stage now.
func NewTimings() *Timings { return &Timings{last: time.Now()} }

// Lap ends the stage name (begun at the previous Lap, or at NewTimings).
func (t *Timings) Lap(name string) {
	if t == nil {
		return
	}
	now := time.Now()
	heap := heapBytes()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stages = append(t.stages, StageTime{Name: name, Wall: now.Sub(t.last), Heap: heap})
	t.last = now
}

// Stages returns the stages timed so far, in order.
func (t *Timings) Stages() []StageTime {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]StageTime(nil), t.stages...)
}

// Print writes one line per stage (its wall time, and the heap at its
// end), the total, and the process's peak resident memory where the
// system tells it.
func (t *Timings) Print(w io.Writer) {
	var total time.Duration
	var peakHeap uint64
	fmt.Fprintf(w, "timings:\n")
	for _, s := range t.Stages() {
		total += s.Wall
		peakHeap = max(peakHeap, s.Heap)
		fmt.Fprintf(w, "  %-15s %9.3f s   heap %7.1f MiB\n", s.Name, s.Wall.Seconds(), mib(s.Heap))
	}
	fmt.Fprintf(w, "  %-15s %9.3f s   heap %7.1f MiB (the largest at a stage's end)\n", "total", total.Seconds(), mib(peakHeap))
	if rss := peakRSS(); rss > 0 {
		fmt.Fprintf(w, "  %-15s %9.1f MiB\n", "peak RSS", mib(rss))
	} else {
		fmt.Fprintf(w, "  %-15s not known on this system\n", "peak RSS")
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// heapBytes is the memory of the Go heap's objects, live or not yet
// collected (read without stopping the world).
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
