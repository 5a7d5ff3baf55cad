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

	"github.com/fairflip/fairflip/internal/fferr"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/model"
	"github.com/fairflip/fairflip/transform"
)

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
	pred := make([]bool, f.Xtest.N)
	for i := range pred {
		pred[i] = m.Decision(f.Xtest, i) > 0
	}
	return pred, m, nil
}

// TrainProbs returns P(y=1|x) of the model for every training row (the
// massaging baseline ranks with it).
func (f *LogRegFirm) TrainProbs(m *model.LogReg) []float64 {
	p := make([]float64, f.Xtrain.N)
	for i := range p {
		p[i] = m.Prob(f.Xtrain, i)
	}
	return p
}

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
type CmdFirm struct {
	Cmd    string
	d      FirmData
	dir    string
	test   string
	Stderr io.Writer // where the program's stderr goes (nil: kept for error messages only)
}

// NewCmdFirm writes the test table once to a temporary directory; Close
// removes it.
func NewCmdFirm(cmd string, d FirmData) (*CmdFirm, error) {
	dir, err := os.MkdirTemp("", "fairflip-firm-*")
	if err != nil {
		return nil, fferr.IO(err)
	}
	f := &CmdFirm{Cmd: cmd, d: d, dir: dir, test: filepath.Join(dir, "test.csv")}
	if err := writeTable(f.test, d.TestCols, d.TestRows, nil, d.LabelName); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Close removes the temporary files.
func (f *CmdFirm) Close() error { return os.RemoveAll(f.dir) }

// Describe implements Firm.
func (f *CmdFirm) Describe() string { return "external firm: " + f.Cmd }

// Fit implements Firm. Weights are not supported (the program gets none).
func (f *CmdFirm) Fit(ctx context.Context, y []bool, weights []float64, _ any) ([]bool, any, error) {
	if weights != nil {
		return nil, nil, fferr.Usage("the external firm (--firm-cmd) cannot take row weights: reweighing needs the built-in firm")
	}
	train := filepath.Join(f.dir, "train.csv")
	if err := writeTable(train, f.d.TrainCols, f.d.TrainRows, y, f.d.LabelName); err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", f.Cmd, "fairflip-firm", train, f.test)
	cmd.Env = append(os.Environ(), "FAIRFLIP_TRAIN="+train, "FAIRFLIP_TEST="+f.test, "FAIRFLIP_LABEL="+f.d.LabelName)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	if f.Stderr != nil {
		cmd.Stderr = io.MultiWriter(&errb, f.Stderr)
	}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		msg := strings.TrimSpace(errb.String())
		if len(msg) > 500 {
			msg = "..." + msg[len(msg)-500:]
		}
		return nil, nil, fferr.Wrap(fferr.ErrData, fmt.Errorf("--firm-cmd %q failed (%v): %s", f.Cmd, err, msg))
	}
	pred, err := ParsePredictions(&out, len(f.d.TestRows))
	if err != nil {
		return nil, nil, fferr.Wrap(fferr.ErrData, fmt.Errorf("--firm-cmd %q: %w", f.Cmd, err))
	}
	return pred, nil, nil
}

// ParsePredictions reads one prediction per line: 1/0, true/false, yes/no,
// or a probability in [0, 1] (positive when > 0.5). It wants exactly n.
func ParsePredictions(r io.Reader, n int) ([]bool, error) {
	sc := bufio.NewScanner(r)
	var pred []bool
	line := 0
	for sc.Scan() {
		line++
		v := strings.TrimSpace(sc.Text())
		if v == "" && line > n {
			continue
		}
		switch strings.ToLower(v) {
		case "1", "true", "yes":
			pred = append(pred, true)
			continue
		case "0", "false", "no":
			pred = append(pred, false)
			continue
		}
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || !(p >= 0 && p <= 1) {
			return nil, fmt.Errorf("prediction line %d is %q: want 1/0, true/false, yes/no or a probability in [0, 1]", line, v)
		}
		pred = append(pred, p > 0.5)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(pred) != n {
		return nil, fmt.Errorf("got %d predictions for %d test rows", len(pred), n)
	}
	return pred, nil
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
