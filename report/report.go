// Package report writes the result of a sweep (package sweep) as one
// self-contained HTML page for the members of a collective who do not use
// the command line: what was run and what it found in plain words, the
// recommendation and its reasons, the per-group rates before and after the
// recommended flips, the figures (inline SVG, package figures), the summary
// table, and what is needed to run it again (the command line, every
// setting, and the SHA-256 of each input file).
//
// The page loads nothing: no external style sheet, font, image or script,
// and it has no script of its own. Every value from the input (column
// names, group values, file names) is escaped by html/template; the figures
// are gonum/plot's SVG, whose texts gonum escapes.
package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/fairflip/fairflip/figures"
	"github.com/fairflip/fairflip/sweep"
	"github.com/fairflip/fairflip/transform"
)

// Setting is one setting of the run, as a flag and its value.
type Setting struct {
	Name  string // the flag, without dashes
	Value string
	Given bool // given on the command line (not its default)
}

// InputFile is one input of the run and its SHA-256.
type InputFile struct {
	Flag   string // INPUT, --test
	Path   string // as given
	SHA256 string // hex; empty when the input is not a file that can be read again (standard input)
	Size   int64
}

// HashFile returns path's SHA-256 and size. flag names the input.
func HashFile(flag, path string) (InputFile, error) {
	in := InputFile{Flag: flag, Path: path}
	if path == "-" {
		return in, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return in, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return in, err
	}
	if !st.Mode().IsRegular() {
		return in, nil // a fifo or a device: read once, by the sweep
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return in, fmt.Errorf("hashing %s: %w", path, err)
	}
	in.SHA256, in.Size = hex.EncodeToString(h.Sum(nil)), n
	return in, nil
}

// Counts are the sizes and positive labels of the two groups, index 0 the
// minority and 1 the majority.
type Counts struct {
	TrainN, TrainPos [2]int // the training table (all of INPUT)
	TestN, TestPos   [2]int // the test table; with TestSplit, all of INPUT too
	// TestSplit > 0: there is no test table; each run holds out this
	// fraction of INPUT's rows as its test rows and trains on the rest,
	// so the counts above are those of all of INPUT and the rates taken
	// from them are estimates.
	TestSplit float64
}

// CountGroups counts the groups and positive labels of the training and
// test tables (test nil: a split of train, testSplit its fraction).
func CountGroups(train, test *transform.Dataset, testSplit float64) Counts {
	var c Counts
	count := func(d *transform.Dataset, n, pos *[2]int) {
		for r := 0; r < d.Rows; r++ {
			k := -1
			switch d.Group[r] {
			case transform.GroupMinority:
				k = 0
			case transform.GroupMajority:
				k = 1
			}
			if k < 0 {
				continue
			}
			n[k]++
			if d.Positive[r] {
				pos[k]++
			}
		}
	}
	count(train, &c.TrainN, &c.TrainPos)
	if test == nil {
		c.TestN, c.TestPos, c.TestSplit = c.TrainN, c.TrainPos, testSplit
	} else {
		count(test, &c.TestN, &c.TestPos)
	}
	return c
}

// Data is what a report shows.
type Data struct {
	Info     sweep.PlotInfo // data set, firm, grid
	Minority string         // the minority, as the user named it ("race = Black")
	Majority string         // the majority ("everyone else in race")
	Label    string         // the label column
	Positive string         // the positive label value(s)
	Command  []string       // the command line that reruns the sweep, one argument each
	Settings []Setting      // every setting of the command, given or default
	Inputs   []InputFile
	Counts   Counts
	Results  []sweep.Result // sorted (sweep.SortResults)
	Cells    []sweep.Cell   // sweep.Summarize(Results)
	Recs     []sweep.Recommendation
	Notices  []string // what the sweep printed as notices (the grid's edge, left-out figures)
	Version  string   // fairflip's version
}

//go:embed report.html.tmpl
var pageText string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"num": fmtNum,
	"pct": fmtPct,
}).Parse(pageText))

// Write writes the report of d to w.
func Write(w io.Writer, d Data) error {
	v, err := build(d)
	if err != nil {
		return err
	}
	var buf bytes.Buffer // the whole page, or nothing
	if err := page.Execute(&buf, v); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// view is what the template reads.
type view struct {
	Data
	Summary   []string // plain-language paragraphs
	Recs      []recView
	Figures   []figView
	Table     []cellRow
	HasFirm   bool
	CmdLine   string
	Estimates bool // the base rates are estimates (TestSplit)
}

type figView struct {
	Name, Caption string
	SVG           template.HTML
}

// figCaption says how to read a figure (package figures names them).
func figCaption(name string) string {
	switch {
	case strings.HasPrefix(name, "eqod_vs_flips"):
		return "How the gap between the groups (EqOd, lower is fairer) changes as the collective changes more labels, for each way of choosing members. The bars show the spread over the runs; the dashed line is the firm's model without any action; hollow diamonds are the flips the methods choose themselves (auto)."
	case strings.HasPrefix(name, "best_eqod"):
		return "For each collective size, the lowest EqOd any number of flips reached, per way of choosing members: how much a larger collective helps."
	case strings.HasPrefix(name, "pareto"):
		return "The trade-off between fairness and the firm's error: each small mark is one run; lower and further left is better on both. The black steps join the best trade-offs (averaged over runs), each labelled with its method, collective size α and number of flips M."
	}
	return ""
}

type cellRow struct {
	Side, Method, Alpha, Flips          string
	FlipsMade, Error, SP, EqOd, EqOdMax string
	Runs                                int
	Recommended, Base                   bool
}

func build(d Data) (*view, error) {
	v := &view{Data: d, CmdLine: commandText(d.Command), Estimates: d.Counts.TestSplit > 0}
	base, hasBase := sweep.Base(d.Cells)
	for _, r := range d.Recs {
		v.Recs = append(v.Recs, recommendation(d, r, base, hasBase))
	}
	v.Summary = summary(d, base, hasBase)
	figs, err := figures.Render(d.Results, d.Cells, d.Info)
	if err != nil {
		return nil, err
	}
	for _, f := range figs {
		v.Figures = append(v.Figures, figView{Name: f.Name, Caption: figCaption(f.Name), SVG: inlineSVG(f.SVG)})
	}
	for _, c := range d.Cells {
		row := cellRow{Side: c.Side, Method: c.Method, Alpha: fmtAlpha(c.Alpha), Flips: c.FlipsRequested,
			FlipsMade: fmtStat(c.Flips, 1), Error: fmtStat(c.Error, 4), SP: fmtStat(c.SP, 4),
			EqOd: fmtStat(c.EqOdMean, 4), EqOdMax: fmtStat(c.EqOdMax, 4), Runs: c.Runs,
			Base: c.Side == sweep.SideCollective && c.FlipsRequested == "0"}
		for _, r := range d.Recs {
			if c.Side == sweep.SideCollective && c.Method == r.Advised.Method && c.Alpha == r.Alpha && c.FlipsRequested == r.Advised.Flips {
				row.Recommended = true
			}
		}
		if c.Side == sweep.SideFirm {
			v.HasFirm = true
		}
		v.Table = append(v.Table, row)
	}
	return v, nil
}

// inlineSVG is an SVG document made fit to sit in HTML: without its XML
// declaration and comment. gonum/plot escapes the texts it draws (a column
// name in a title), so the rest is markup fairflip wrote.
func inlineSVG(doc []byte) template.HTML {
	s := string(doc)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return template.HTML(s)
}

// summary is the report's opening, in plain words: what was run, and what it found.
func summary(d Data, base sweep.Cell, hasBase bool) []string {
	var methods, alphas, flips []string
	for _, c := range d.Cells {
		if c.Side != sweep.SideCollective {
			continue
		}
		methods = appendNew(methods, c.Method)
		alphas = appendNew(alphas, fmtAlphaPct(c.Alpha))
		flips = appendNew(flips, c.FlipsRequested)
	}
	runs := 0
	for _, c := range d.Cells {
		runs = max(runs, c.Runs)
	}
	test := "a separate test table whose labels nobody changed"
	if d.Counts.TestSplit > 0 {
		test = fmt.Sprintf("%s of the rows, held out at random in each run, with their original labels", fmtPct(d.Counts.TestSplit))
	}
	var out []string
	out = append(out, fmt.Sprintf("This report simulates a collective action on %s. "+
		"Members of the minority (%s) whose label (the column %s) is negative change it to the positive value (%s) before a firm trains its model on the data; "+
		"the firm's model (%s) is then tested on %s, so that the report shows how the firm's decisions change for real people.",
		d.Info.Dataset, d.Minority, d.Label, d.Positive, d.Info.Model, test))
	out = append(out, fmt.Sprintf("It tried %s. Ways of choosing whose label to change (methods): %s. Collective sizes: %s of the minority. Labels changed: %s (auto: as many as the method estimates should be positive). "+
		"Each was repeated %s with a different random draw, and the figures below are averages over them.",
		d.Info.Grid, strings.Join(methods, ", "), strings.Join(alphas, ", "), strings.Join(flips, ", "), transform.Plural(runs, "time")))
	if hasBase {
		out = append(out, fmt.Sprintf("Without any action, the firm's model has an EqOd of %s and gets %s of the test rows wrong.", fmtNum(base.EqOdMean.Mean), fmtPct(base.Error.Mean)))
	}
	var flip, none []string
	for _, r := range d.Recs {
		switch r.Action {
		case sweep.ActionFlip, sweep.ActionFlipWholePool:
			flip = append(flip, fmtAlphaPct(r.Alpha))
		default:
			none = append(none, fmtAlphaPct(r.Alpha))
		}
	}
	if len(flip) > 0 {
		out = append(out, fmt.Sprintf("Changing labels helps a collective of %s of the minority: the recommendations below say how many, by which method, and at what cost in the firm's error.", strings.Join(flip, ", ")))
	}
	if len(none) > 0 {
		out = append(out, fmt.Sprintf("For a collective of %s of the minority the advice is to change no labels; the recommendations below say why.", strings.Join(none, ", ")))
	}
	return out
}

func appendNew(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

// fmtNum writes a metric to 4 decimals; undefined (NaN) as "undefined".
func fmtNum(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "undefined"
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}

// fmtNum1 writes a count to 1 decimal.
func fmtNum1(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "undefined"
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

// fmtPct writes a rate as a percentage with 1 decimal.
func fmtPct(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "undefined"
	}
	return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
}

func fmtAlpha(a float64) string {
	if math.IsNaN(a) {
		return "–"
	}
	return strconv.FormatFloat(a, 'g', -1, 64)
}

// fmtAlphaPct writes a collective size as a share: 0.3 → "30%".
func fmtAlphaPct(a float64) string {
	return strconv.FormatFloat(100*a, 'g', -1, 64) + "%"
}

func fmtStat(s sweep.Stat, digits int) string {
	if math.IsNaN(s.Mean) {
		return "undefined"
	}
	if math.IsNaN(s.SD) {
		return strconv.FormatFloat(s.Mean, 'f', digits, 64)
	}
	return fmt.Sprintf("%.*f ± %.*f", digits, s.Mean, digits, s.SD)
}

// commandText writes a command line for a reader: shell-quoted, each
// flag on a line of its own.
func commandText(args []string) string {
	var b strings.Builder
	for i, a := range args {
		q := shellQuote([]string{a})
		switch {
		case i == 0:
		case strings.HasPrefix(a, "-"):
			b.WriteString(" \\\n  ")
		default:
			b.WriteString(" ")
		}
		b.WriteString(q)
	}
	return b.String()
}

// shellQuote writes args as a POSIX shell command line.
func shellQuote(args []string) string {
	var parts []string
	for _, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./,=:+@%", r))
		}) < 0 {
			parts = append(parts, a)
			continue
		}
		parts = append(parts, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(parts, " ")
}
