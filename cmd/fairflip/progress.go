package main

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
)

// Progress on long work: a bar on standard error (never standard output,
// which may carry the data), drawn only when standard error is a terminal
// and the command is not --quiet. The line is cleared when the work ends,
// whether it ends well or not, before anything else is written to
// standard error: no stale text is left behind.
//
// The bar is schollz/progressbar's: one line, redrawn in place from the
// calling goroutine (no goroutine of its own to stop), with a count and an
// estimate of the time left.

// flipProgressDelay is how long flip and undo work before they draw their
// progress: shorter work shows none.
const flipProgressDelay = 2 * time.Second

// progressHooks stand in for the terminal in tests.
type progressHooks struct {
	terminal  bool          // standard error is a terminal
	stdout    bool          // standard output is a terminal
	drawAfter time.Duration // flip and undo draw after this long (instead of flipProgressDelay)
}

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

// progress draws the progress of one command; a nil *progress draws
// nothing (its methods may be called all the same).
type progress struct {
	mu    sync.Mutex
	w     io.Writer // standard error
	cmd   string    // "fairflip flip": the bar's description starts with it
	start time.Time
	delay time.Duration // nothing is drawn before start+delay
	stage string        // the stage the bar shows
	bar   *progressbar.ProgressBar
	drawn bool // the line holds a bar
	ended bool // cleared for good: later reports draw nothing
	hooks *progressHooks
}

// newProgress returns the progress of command cmd (its name, as in
// "fairflip flip"), drawn on stderr after delay, or nil if nothing is to be
// drawn: --quiet, or stderr is not a terminal.
func newProgress(c *cli.Context, stderr io.Writer, h *hooks, cmd string, delay time.Duration) *progress {
	if c.Bool("quiet") {
		return nil
	}
	terminal := isTerminal(stderr)
	var ph *progressHooks
	if h != nil && h.progress != nil {
		ph = h.progress
		terminal, delay = ph.terminal, min(delay, ph.drawAfter)
	}
	if !terminal {
		return nil
	}
	return &progress{w: stderr, cmd: cmd, start: time.Now(), delay: delay, hooks: ph}
}

// forOutput returns p for the writing of the output outPath: nil, the line
// cleared, when the output is standard output and that is a terminal too,
// where the bar would be drawn over the data.
func (p *progress) forOutput(stdout io.Writer, outPath string) *progress {
	if p == nil || outPath != "-" {
		return p
	}
	onScreen := isTerminal(rawStream(stdout))
	if p.hooks != nil {
		onScreen = p.hooks.stdout
	}
	if onScreen {
		p.end()
		return nil
	}
	return p
}

// report shows done of total units of stage (bytes if bytes is set). A
// new stage starts a new bar on the same line.
func (p *progress) report(stage string, done, total int64, bytes bool) {
	if p == nil || total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended || time.Since(p.start) < p.delay {
		return
	}
	if p.bar == nil || stage != p.stage {
		p.stage = stage
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.cmd+": "+stage),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionShowBytes(bytes),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			// Each drawing starts with \r and ends by erasing the rest of
			// the line: no remains of a longer one.
			progressbar.OptionUseANSICodes(true),
		)
		p.bar.StartWithoutRender()
	}
	// Set64 fails only past the total, which it does not draw.
	_ = p.bar.Set64(min(done, total))
	p.drawn = true
}

// stages returns a transform.Runtime.Progress that reports a flip's plan.
func (p *progress) stages() func(stage string, done, total int) {
	if p == nil {
		return nil
	}
	return func(stage string, done, total int) { p.report(stage, int64(done), int64(total), false) }
}

// fits returns a sweep.Config.Progress that reports a sweep's fits.
func (p *progress) fits() func(done, total int) {
	if p == nil {
		return nil
	}
	return func(done, total int) { p.report("fits", int64(done), int64(total), false) }
}

// writer returns w, counting the bytes written through it as the stage
// "writing", of about total bytes (the input's size: the output is about
// as long). The count stops short of the total until finish.
func (p *progress) writer(w io.Writer, total int64) *progressWriter {
	return &progressWriter{w: w, p: p, total: total}
}

// progressWriter counts the bytes written to w for a progress.
type progressWriter struct {
	w     io.Writer
	p     *progress
	n     int64
	total int64
}

func (pw *progressWriter) Write(b []byte) (int, error) {
	n, err := pw.w.Write(b)
	if pw.p != nil && n > 0 {
		pw.n += int64(n)
		pw.p.report("writing", min(pw.n, pw.total-1), pw.total, true)
	}
	return n, err
}

// finish shows the writing complete if err is nil, and returns err.
func (pw *progressWriter) finish(err error) error {
	if err == nil {
		pw.p.report("writing", pw.total, pw.total, true)
	}
	return err
}

// to makes pw write to w from now on (the next file of several, counted
// on).
func (pw *progressWriter) to(w io.Writer) *progressWriter {
	pw.w = w
	return pw
}

// size is the total size of the inputs.
func (m *multiFiles) size() int64 {
	var n int64
	for _, in := range m.ins {
		n += in.size()
	}
	return n
}

// size is the size of the file the stages read (0 if unknown).
func (in *commandInput) size() int64 {
	st, err := os.Stat(in.source.Path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// log returns a writer for notices printed while the bar may be drawn:
// each write clears the line first (the bar is drawn again with the next
// report).
func (p *progress) log(w io.Writer) io.Writer {
	if p == nil {
		return w
	}
	return logWriter{w: w, p: p}
}

type logWriter struct {
	w io.Writer
	p *progress
}

func (l logWriter) Write(b []byte) (int, error) {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	l.p.clearLocked()
	return l.w.Write(b)
}

// end clears the line for good: call it before anything else is written to
// standard error, and (deferred) on every way out of the command.
func (p *progress) end() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	p.ended = true
}

func (p *progress) clearLocked() {
	if p.drawn {
		io.WriteString(p.w, clearLine)
		p.drawn = false
	}
}
