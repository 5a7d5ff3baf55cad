package sweep

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/tmpfile"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/transform"
)

// errWeightsCmdFirm refuses reweighing with an external firm.
var errWeightsCmdFirm = fferr.Usage("an external firm (--firm-cmd, or --firm other than logreg) cannot take row weights: --baselines reweighing needs the built-in firm (--firm logreg, the default)")

// Firm is the simulated firm: it trains its model on the training rows with
// the labels it is given and predicts the test rows. The features never
// change between fits, only the labels (and, for reweighing, the weights).
type Firm interface {
	// Fit trains on labels y (one per training row) with optional row
	// weights, and returns a prediction per test row. warm is the state a
	// previous Fit returned (a warm start, when the firm can use one; nil
	// for a cold start).
	Fit(ctx context.Context, y []bool, weights []float64, warm any) (pred []bool, state any, err error)
	// Describe names the model for reports and plot titles.
	Describe() string
}

// FirmData is what a firm is trained and tested on: the firm's columns of
// the training and test rows.
type FirmData struct {
	TrainCols, TestCols []model.Column // the firm's feature columns (scorer features, plus sensitive columns unless dropped)
	TrainRows, TestRows []int          // rows of TrainCols and TestCols
	LabelName           string
}

// firmColumns returns the columns the firm trains on: the scorer's features
// and, unless dropSensitive, the sensitive column(s).
func firmColumns(t *transform.Dataset, dropSensitive bool) []model.Column {
	cols := append([]model.Column(nil), t.Features...)
	if !dropSensitive {
		cols = append(cols, t.Sensitive...)
	}
	// Features may hold --reference rows after the input's rows; the firm only sees the input's.
	for i := range cols {
		cols[i] = truncate(cols[i], t.Rows)
	}
	return cols
}

func truncate(c model.Column, n int) model.Column {
	if c.Numeric && len(c.Num) > n {
		c.Num = c.Num[:n]
	}
	if !c.Numeric && len(c.Codes) > n {
		c.Codes = c.Codes[:n]
	}
	return c
}

// checkSameColumns checks that the test table has the training table's
// firm columns, by name and kind.
func checkSameColumns(train, test []model.Column, testName string) error {
	if len(train) != len(test) {
		return fferr.Usage("the test table %s has %d firm feature columns, the training table %d: they must have the same columns", testName, len(test), len(train))
	}
	for i := range train {
		if train[i].Name != test[i].Name {
			return fferr.Usage("the test table %s has column %q where the training table has %q", testName, test[i].Name, train[i].Name)
		}
	}
	return nil
}

// LogRegFirm is the built-in firm: an L2 logistic regression (C = 1) on the
// standardised numeric and one-hot text columns, predicting positive when
// P(y=1|x) > 0.5. Features are encoded once; refits warm-start.
type LogRegFirm struct {
	enc           *model.Encoder
	Xtrain, Xtest *model.Matrix
	C             float64
	workers       int
}

// NewLogRegFirm encodes the firm's data. The encoder (standardisation,
// kept levels) is fitted on the training rows.
func NewLogRegFirm(d FirmData, maxLevels, workers int) (*LogRegFirm, error) {
	enc, err := model.FitEncoder(d.TrainCols, d.TrainRows, model.EncoderOptions{MaxLevels: maxLevels})
	if err != nil {
		return nil, fferr.Data("encoding the firm's features: %v", err)
	}
	if err := enc.Check(d.TestCols); err != nil {
		return nil, fferr.Data("the test table's columns do not match the training table's: %v", err)
	}
	return &LogRegFirm{
		enc:     enc,
		Xtrain:  enc.Encode(d.TrainCols, d.TrainRows),
		Xtest:   enc.Encode(d.TestCols, d.TestRows),
		C:       1,
		workers: workers,
	}, nil
}

// Describe implements Firm.
func (f *LogRegFirm) Describe() string { return "logistic regression (L2, C=1)" }

// Fit implements Firm.
func (f *LogRegFirm) Fit(_ context.Context, y []bool, weights []float64, warm any) ([]bool, any, error) {
	opt := model.LogRegOptions{C: f.C, Workers: f.workers, Weights: weights}
	if m, ok := warm.(*model.LogReg); ok {
		opt.Init = m
	}
	m, err := model.FitLogReg(f.Xtrain, y, opt)
	if err != nil {
		return nil, nil, err
	}
	return predictions(m, f.Xtest), m, nil
}

// TrainProbs returns P(y=1|x) of the model for every training row (the
// massaging baseline ranks with it).
func (f *LogRegFirm) TrainProbs(m *model.LogReg) []float64 { return probabilities(m, f.Xtrain) }

// predictions is the firm's rule on every row of X: positive when
// P(y=1|x) > 0.5.
func predictions(m *model.LogReg, X *model.Matrix) []bool {
	p := make([]bool, X.N)
	for i := range p {
		p[i] = m.Decision(X, i) > 0
	}
	return p
}

// probabilities is P(y=1|x) of every row of X.
func probabilities(m *model.LogReg, X *model.Matrix) []float64 {
	p := make([]float64, X.N)
	for i := range p {
		p[i] = m.Prob(X, i)
	}
	return p
}

// The external firm's limits (docs/REFERENCE.md, "External firm").
const (
	// DefaultFirmTimeout is --firm-timeout's default: how long one run of
	// the firm's program (one fit) may take.
	DefaultFirmTimeout = 10 * time.Minute
	// MaxPredictionLine is the longest line, in bytes without its line
	// end, that the firm may print.
	MaxPredictionLine = 4096
	// firmStderrTail is how much of the end of the firm's standard error
	// is kept for messages.
	firmStderrTail = 4096
	// firmPipeGrace is how long, after the firm has exited and the rest of
	// its process group was killed, its output may stay open (held by a
	// process that left the group) before fairflip gives up on it.
	firmPipeGrace = 5 * time.Second
)

// predictionForms is what the protocol takes on each line.
const predictionForms = "1/0, true/false, yes/no or a probability in [0, 1]"

// CmdFirm is an external firm: any program the user has. For each fit it
// writes the training rows (the firm's columns and the label as 1/0) and the
// test rows (the same columns, no label) as CSV files with a header, runs
//
//	sh -c CMD fairflip-firm TRAIN.csv TEST.csv
//
// (so CMD sees the paths as $1 and $2, and as $FAIRFLIP_TRAIN and
// $FAIRFLIP_TEST, with the label column's name in $FAIRFLIP_LABEL), and
// reads one prediction per test row from its standard output: 1/0,
// true/false, yes/no, or a probability in [0, 1] (positive above 0.5).
//
// The program runs in a process group of its own, with standard input
// from /dev/null and $TMPDIR a folder inside fairflip's temporary folder
// (removed by Close). When the program exits, or the fit is cancelled or runs past
// Timeout, the whole group is killed: nothing the firm started outlives its
// fit, and a child that inherited its standard output cannot keep fairflip
// waiting.
type CmdFirm struct {
	Cmd     string
	Timeout time.Duration // per fit (one run of Cmd); 0: no limit
	Stderr  io.Writer     // where the program's stderr goes (nil: kept for error messages only)
	d       FirmData
	name    string // --firm NAME for a ready firm (messages and Describe); empty for --firm-cmd
	model   string // a ready firm's model and hyper-parameters
	dir     string
	test    string
	grace   time.Duration // firmPipeGrace; shorter in tests
	// after starts the Timeout's clock (time.After; tests stop the firm
	// when they choose).
	after func(time.Duration) <-chan time.Time
}

// NewCmdFirm writes the test table once to a temporary directory; Close
// removes it. timeout bounds each fit (0: no limit).
func NewCmdFirm(cmd string, timeout time.Duration, d FirmData) (*CmdFirm, error) {
	if err := CheckFirmTimeout(timeout); err != nil {
		return nil, err
	}
	// Named for its process, so that a later run removes it if this one is
	// killed (tmpfile.Folder).
	dir, err := tmpfile.Folder("firm")
	if err != nil {
		return nil, fferr.IO(err)
	}
	f := &CmdFirm{Cmd: cmd, Timeout: timeout, d: d, dir: dir, test: filepath.Join(dir, "test.csv"), grace: firmPipeGrace, after: time.After}
	if err := os.Mkdir(f.tmpdir(), 0o700); err != nil {
		f.Close()
		return nil, fferr.IO(err)
	}
	if err := writeTable(f.test, d.TestCols, d.TestRows, nil, d.LabelName); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// CheckFirmTimeout checks a --firm-timeout: 0 (no limit) or more.
func CheckFirmTimeout(d time.Duration) error {
	if d < 0 {
		return fferr.Usage("--firm-timeout %v: must be 0 (no limit) or a positive duration such as 10m", d)
	}
	return nil
}

// tmpdir is the program's $TMPDIR: a folder of its own, which it may
// empty without touching the tables.
func (f *CmdFirm) tmpdir() string { return filepath.Join(f.dir, "tmp") }

// Close removes the temporary files.
func (f *CmdFirm) Close() error { return os.RemoveAll(f.dir) }

// Describe implements Firm.
func (f *CmdFirm) Describe() string {
	if f.name != "" {
		return f.name + ", " + f.model
	}
	return "external firm: " + f.Cmd
}

// flag names the firm in messages: --firm NAME or --firm-cmd "CMD".
func (f *CmdFirm) flag() string {
	if f.name != "" {
		return "--firm " + f.name
	}
	return fmt.Sprintf("--firm-cmd %q", f.Cmd)
}

// Fit implements Firm. Weights are not supported (the program gets none).
// Fits may run in parallel (a sweep's chains share their run's firm): each
// has its own training file.
func (f *CmdFirm) Fit(ctx context.Context, y []bool, weights []float64, _ any) ([]bool, any, error) {
	if weights != nil {
		return nil, nil, errWeightsCmdFirm
	}
	tf, err := os.CreateTemp(f.dir, "train-*.csv")
	if err != nil {
		return nil, nil, fferr.IO(err)
	}
	train := tf.Name()
	tf.Close()
	defer os.Remove(train)
	if err := writeTable(train, f.d.TrainCols, f.d.TrainRows, y, f.d.LabelName); err != nil {
		return nil, nil, err
	}
	pred, err := f.run(ctx, train)
	return pred, nil, err
}

// run runs the program once on train and the test table and reads its
// predictions.
func (f *CmdFirm) run(ctx context.Context, train string) ([]bool, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fferr.IO(fmt.Errorf("--firm-cmd: %w", err))
	}
	defer outR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		outW.Close()
		return nil, fferr.IO(fmt.Errorf("--firm-cmd: %w", err))
	}
	defer errR.Close()
	// The pipes are handed to the program as they are (no copying
	// goroutines in os/exec), so Wait returns when the program exits,
	// whoever else holds them.
	cmd := exec.Command("sh", "-c", f.Cmd, "fairflip-firm", train, f.test)
	cmd.Env = append(os.Environ(), "FAIRFLIP_TRAIN="+train, "FAIRFLIP_TEST="+f.test, "FAIRFLIP_LABEL="+f.d.LabelName, "TMPDIR="+f.tmpdir())
	cmd.Stdout, cmd.Stderr = outW, errW
	ownProcessGroup(cmd)
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		return nil, fferr.IO(fmt.Errorf("%s: cannot start it: %w", f.flag(), err))
	}

	var pred []bool
	var perr error
	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		pred, perr = ParsePredictions(outR, len(f.d.TestRows))
		// Read the rest, so that the program is not blocked writing to a
		// full pipe and its exit status can still be reported.
		io.Copy(io.Discard, outR)
	}()
	tail := &tailBuffer{max: firmStderrTail}
	var errTo io.Writer = tail
	if f.Stderr != nil {
		errTo = io.MultiWriter(tail, f.Stderr)
	}
	errDone := make(chan struct{})
	go func() {
		defer close(errDone)
		io.Copy(errTo, errR)
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var timeout <-chan time.Time
	if f.Timeout > 0 {
		timeout = f.after(f.Timeout)
	}
	var waitErr error
	timedOut := false
	select {
	case waitErr = <-exited:
	case <-ctx.Done():
		killProcessGroup(cmd)
		waitErr = <-exited
	case <-timeout:
		timedOut = true
		killProcessGroup(cmd)
		waitErr = <-exited
	}
	// Whatever the program started and left running in its group goes
	// with it; its output pipes then end.
	killProcessGroup(cmd)
	gctx, gcancel := context.WithTimeout(ctx, f.grace)
	defer gcancel()
	held := false
	select {
	case <-outDone:
	case <-gctx.Done():
		select {
		case <-outDone:
		default:
			held = ctx.Err() == nil
		}
	}
	select {
	case <-errDone:
	case <-gctx.Done():
	}
	// Reads still blocked (on a pipe held by a process outside the group,
	// or after a cancel) return now; no goroutine is left behind.
	now := time.Now()
	outR.SetReadDeadline(now)
	errR.SetReadDeadline(now)
	<-outDone
	<-errDone

	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case timedOut:
		return nil, fferr.Data("%s did not finish a fit within --firm-timeout %v: it was stopped, with every process it started%s; give it more time with --firm-timeout (0: no limit)", f.flag(), f.Timeout, tail.note())
	case waitErr != nil:
		return nil, fferr.Data("%s failed (%v)%s", f.flag(), waitErr, tail.note())
	case held:
		return nil, fferr.Data("%s exited, but its standard output was still open %v later, held by a process it started outside its process group: its predictions may be incomplete; make every process the firm starts end with it", f.flag(), f.grace)
	case perr != nil:
		return nil, fferr.Data("%s: %v%s", f.flag(), perr, tail.note())
	}
	return pred, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > t.max {
		p = p[len(p)-t.max:]
	}
	if over := len(t.b) + len(p) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	t.b = append(t.b, p...)
	return n, nil
}

// note returns the last lines of the program's standard error for a
// one-line message ("; its standard error ends: A | B"), or "".
func (t *tailBuffer) note() string {
	var lines []string
	for _, l := range strings.Split(strings.ToValidUTF8(string(t.b), "\uFFFD"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	s := strings.Join(lines, " | ")
	if r := []rune(s); len(r) > 300 {
		s = "..." + string(r[len(r)-300:])
	}
	return "; its standard error ends: " + s
}

// ParsePredictions reads one prediction per line: 1/0, true/false, yes/no,
// or a probability in [0, 1] (positive when > 0.5). It wants exactly n,
// then at most blank lines. A line may hold at most MaxPredictionLine bytes.
// The errors say which line of the output is wrong, and why.
func ParsePredictions(r io.Reader, n int) ([]bool, error) {
	br := bufio.NewReaderSize(r, MaxPredictionLine+2) // room for "\r\n"
	pred := make([]bool, 0, n)
	for line := 1; ; line++ {
		b, err := br.ReadSlice('\n')
		size := len(b)
		for err == bufio.ErrBufferFull { // an over-long line: count it to its end
			b, err = br.ReadSlice('\n')
			size += len(b)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("reading its output: %w", err)
		}
		if size == 0 && err == io.EOF {
			break
		}
		if bytes.HasSuffix(b, []byte("\n")) {
			size--
			if bytes.HasSuffix(b, []byte("\r\n")) {
				size--
			}
		}
		if size > MaxPredictionLine {
			return nil, fmt.Errorf("line %d of its output is %d bytes long, over the limit of %d: the protocol wants one prediction per line (%s), one line per test row", line, size, MaxPredictionLine, predictionForms)
		}
		v := strings.TrimSpace(string(b))
		if len(pred) == n {
			if v == "" {
				continue // trailing blank lines
			}
			return nil, fmt.Errorf("it printed more than the %d predictions wanted (one per test row): line %d is %s; print nothing else on standard output (use standard error)", n, line, shown(v))
		}
		switch strings.ToLower(v) {
		case "1", "true", "yes":
			pred = append(pred, true)
			continue
		case "0", "false", "no":
			pred = append(pred, false)
			continue
		}
		p, perr := strconv.ParseFloat(v, 64)
		if perr != nil || !(p >= 0 && p <= 1) {
			hint := ""
			if line == 1 && perr != nil {
				hint = " (no header line: line 1 is the first test row's prediction)"
			}
			return nil, fmt.Errorf("line %d of its output is %s: want %s%s", line, shown(v), predictionForms, hint)
		}
		pred = append(pred, p > 0.5)
	}
	if len(pred) != n {
		if len(pred) == 0 {
			return nil, fmt.Errorf("it printed no predictions, for %d test rows: want one line per test row, in order", n)
		}
		return nil, fmt.Errorf("it printed %d of the %d predictions wanted: want one line per test row, in order", len(pred), n)
	}
	return pred, nil
}

// shown quotes a line of the firm's output for a message: empty, or its
// first 60 characters.
func shown(v string) string {
	if v == "" {
		return "empty"
	}
	if r := []rune(v); len(r) > 60 {
		return fmt.Sprintf("%q...", string(r[:60]))
	}
	return fmt.Sprintf("%q", v)
}

// writeTable writes columns (and the label as 1/0 when y is not nil) of the
// given rows as CSV with a header. Missing cells are written empty.
func writeTable(path string, cols []model.Column, rows []int, y []bool, labelName string) error {
	f, err := os.Create(path)
	if err != nil {
		return fferr.IO(err)
	}
	w := bufio.NewWriter(f)
	var b []byte
	for j, c := range cols {
		if j > 0 {
			b = append(b, ',')
		}
		b = tableio.AppendField(b, c.Name, ',')
	}
	if y != nil {
		b = append(b, ',')
		b = tableio.AppendField(b, labelName, ',')
	}
	b = append(b, '\n')
	w.Write(b)
	for k, r := range rows {
		b = b[:0]
		for j, c := range cols {
			if j > 0 {
				b = append(b, ',')
			}
			if c.Numeric {
				if x := c.Num[r]; !math.IsNaN(x) {
					b = strconv.AppendFloat(b, x, 'g', -1, 64)
				}
			} else if code := c.Codes[r]; code >= 0 {
				b = tableio.AppendField(b, c.Levels[code], ',')
			}
		}
		if y != nil {
			if y[k] {
				b = append(b, ",1"...)
			} else {
				b = append(b, ",0"...)
			}
		}
		b = append(b, '\n')
		w.Write(b)
	}
	err = errors.Join(w.Flush(), f.Close())
	if err != nil {
		return fferr.IO(err)
	}
	return nil
}
