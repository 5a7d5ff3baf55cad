package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/fairflip/fairflip/figures"
	"github.com/fairflip/fairflip/firms"
	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/flipcli"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/scorer"
	"github.com/fairflip/fairflip/sweep"
	"github.com/fairflip/fairflip/transform"
)

const evalHelp = `Simulates the firm: trains its model on TRAIN, predicts TEST and prints the
error and fairness of the predictions, measured against TEST's own labels.
Run it on the original and on the flipped training file to see what a flip
does. A flipped file's audit column is left out of the features.

The built-in firm is an L2 logistic regression (C = 1) on the standardised
numeric and one-hot text columns, sensitive column(s) included unless
--firm-drop-sensitive. --firm hgb, rf, mlp or xgb trains a ready non-linear
firm instead (scikit-learn's HistGradientBoostingClassifier,
RandomForestClassifier, MLPClassifier, XGBoost's XGBClassifier; fixed
hyper-parameters and seeds, one thread per fit, run by Debian's
/usr/bin/python3 with python3-sklearn or python3-xgboost). --firm-cmd runs
your own training program instead, once per fit, each run stopped after
--firm-timeout (see docs/REFERENCE.md, "External firm").

Metrics (minority vs majority, on TEST):
  error        misclassification rate
  SP           |P(ŷ=1 | minority) − P(ŷ=1 | majority)|
  EqOd (mean)  ½(|ΔTPR| + |ΔFPR|), the paper's equalized odds
  EqOd (max)   max(|ΔTPR|, |ΔFPR|), fairlearn's equalized_odds_difference
An undefined rate (an empty group, a group without positives) prints as
"undefined" (null in JSON), never 0.

` + groupHelp + `
TRAIN and TEST take the same dialect flags: --comment '|' skips adult.test's
first line (not a row) and no line of adult.data.

Examples (from the repository root: testdata/adult is UCI Adult, without a header):
  # the firm trained on the data as it is
  fairflip eval --train testdata/adult/adult.data.gz --test testdata/adult/adult.test.gz --no-header --comment '|' \
    --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --positive '>50K.'

  # ... and on a flipped copy, as JSON
  fairflip flip testdata/adult/adult.data.gz -o adult.flipped.csv.gz --no-header --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --alpha 0.3 --method rb-dist --flips 15%
  fairflip eval --train adult.flipped.csv.gz --test testdata/adult/adult.test.gz --no-header --comment '|' --json \
    --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --positive '>50K.'
`

const sweepHelp = `Simulates the firm over a grid of collective actions: for each scoring
method, collective size alpha, number of flips and run, flips the collective's
labels in memory, trains the firm on the flipped rows and measures error and
fairness on the test rows against their original labels. Run r draws its
collective (and random scores, reference sample, test split) with seed+r; run
0 flips exactly what "fairflip flip --seed SEED" flips.

The default flip grid follows the data: 0, then 5%, 10%, ..., 100% of each
collective's candidate pool (its members with a negative label), then auto;
the flips each value made at each collective size are printed with the
results. --flips N,N,... gives counts instead.

Output: a summary table (mean ± sample SD over runs), the grid as used and a
recommendation on stdout; -o FILE.csv writes one row per (method, alpha, flips, run) and
FILE.summary.csv / FILE.summary.json beside it; --plots DIR draws EqOd vs
flips, best EqOd vs alpha and the error-EqOd Pareto front (SVG and PNG).
--baselines adds what the firm itself could do (massaging, reweighing,
eqodds-postproc, calibrated-eqodds, calibrated-eqodds-random,
eqodds-reductions), for comparison only (massaging's P% is of the
minority's negative rows; the post-processing ones, Hardt et al. 2016 and
Pleiss et al. 2017, give one cell per run at flips 0; eqodds-reductions,
Agarwal et al. 2018's exponentiated gradient, one cell per run at each bound
eps=0.001,...,0.1, flips asked "eps=E"; these need the built-in firm).

The recommendation, per collective size, is one of: flip (a method and a
count), flip the whole pool, or no action; with why, and the expected EqOd
and error as mean ± SD over the runs. It takes the lowest mean EqOd among
the cells whose mean error is at most --max-error-increase (default 0.01,
absolute) above the error without action, and says when a lower EqOd was
left out by that limit. No action when the minority is already favoured on
the firm's errors (its TPR and FPR without action are both above the
majority's: flipping raises them further), or when no cell beats no action
by more than the runs' spread. Methods whose EqOd differ by at most the
standard error of the difference, √(sd₁²/n₁ + sd₂²/n₂), are reported as
tied.

` + groupHelp + `
Examples (from the repository root: testdata/adult is UCI Adult, without a header):
  # two collective sizes, the default grid, 5 runs; the figures and a report for the collective
  fairflip sweep testdata/adult/adult.data.gz --test testdata/adult/adult.test.gz --no-header --comment '|' \
    --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --positive '>50K.' \
    --alpha 0.1,0.3 --runs 5 -o adult-sweep.csv --plots plots --report report.html

  # the paper's Figure 4 grid at alpha 0.3 for women, with the firm's own baselines; 30% of the rows held out as the test set
  fairflip sweep testdata/adult/adult.data.gz --test-split 0.3 --no-header \
    --header-names ` + adultNames + ` \
    --sensitive sex --minority Female --label income --positive '>50K' \
    --alpha 0.3 --flips 0,20,40,60,80,100,120,140,160,180 --runs 3 --baselines massaging,reweighing
`

// firmFlags are eval's and sweep's flags for the firm.
func firmFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "firm-drop-sensitive", Usage: "the firm does not see the sensitive column(s)", Category: "firm"},
		&cli.StringFlag{Name: "firm", Value: firms.BuiltIn, Usage: "the firm's model `NAME`: " + strings.Join(firms.Names(), ", ") + " (logreg built in; the others scikit-learn/XGBoost with fixed hyper-parameters, run by /usr/bin/python3)", Category: "firm"},
		&cli.StringFlag{Name: "firm-cmd", Usage: "train with your own program `CMD` (run as sh -c CMD fairflip-firm TRAIN.csv TEST.csv; prints one prediction per test row)", Category: "firm"},
		&cli.DurationFlag{Name: "firm-timeout", Value: sweep.DefaultFirmTimeout, Usage: "stop an external firm (--firm-cmd, or --firm other than logreg) and fail (exit 3) when one fit takes longer than `D` (90s, 10m, 2h; 0: no limit)", Category: "firm",
			Action: func(_ *cli.Context, d time.Duration) error { return sweep.CheckFirmTimeout(d) }},
		&cli.StringSliceFlag{Name: "where", Usage: "keep only rows matching `EXPR` (COL=V, COL!=V, COL<N, ... joined by commas; repeat for a union)", Category: "groups and label"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no notices or progress on stderr", Category: "output"},
	}
}

// firmName is --firm as given ("" when not set: the default, which
// --firm-cmd may replace).
func firmName(c *cli.Context) string {
	if !c.IsSet("firm") {
		return ""
	}
	return c.String("firm")
}

func simCommands(stdin io.Reader, stdout, stderr io.Writer, h *hooks, usageErr cli.OnUsageErrorFunc) []*cli.Command {
	return []*cli.Command{
		{
			Name:         "eval",
			Usage:        "train the firm's model on TRAIN and measure its error and fairness on TEST",
			Description:  evalHelp,
			OnUsageError: usageErr,
			Flags: append(append([]cli.Flag{
				&cli.StringFlag{Name: "train", Usage: "training table `FILE` (required)"},
				&cli.StringFlag{Name: "test", Usage: "test table `FILE` with the same columns (required)"},
				&cli.BoolFlag{Name: "json", Usage: "print the metrics as JSON", Category: "output"},
			}, firmFlags()...), flipcli.SimDataFlags()...),
			Action: func(c *cli.Context) error { return evalAction(c, stdin, stdout, stderr) },
		},
		{
			Name:         "sweep",
			Usage:        "simulate the firm over a grid of methods, collective sizes, flip counts and runs",
			ArgsUsage:    "INPUT",
			Description:  sweepHelp,
			OnUsageError: usageErr,
			Flags: append(append([]cli.Flag{
				&cli.StringFlag{Name: "test", Usage: "test table `FILE` (same columns)", Category: "grid"},
				&cli.Float64Flag{Name: "test-split", Usage: "hold out this fraction `F` of INPUT as the test set, re-drawn per run", Category: "grid"},
				&cli.StringFlag{Name: "methods", Value: strings.Join(scorer.Names(), ","), Usage: "scoring `METHODS`", Category: "grid"},
				&cli.StringFlag{Name: "alpha", Value: "0.05,0.1,0.2,0.3,0.4,0.5", Usage: "collective sizes `F,F,...` (fractions of the minority)", Category: "grid"},
				&cli.StringFlag{Name: "flips", Value: sweep.DefaultFlipsText, DefaultText: "0,5%,10%,...,100%,auto", Usage: "flip counts `N,P%,...`: N flips, P% of each collective's candidate pool (rounded to the nearest row), auto for the scorers' own rule; the default (0, then 5% to 100% of the pool in steps of 5, then auto) follows each collective size's pool", Category: "grid"},
				&cli.IntFlag{Name: "runs", Value: 10, Usage: "runs per cell (seeds SEED, SEED+1, ...)", Category: "grid"},
				&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of run 0", Category: "grid"},
				&cli.IntFlag{Name: "k", Value: 10, Usage: flipcli.KUsage(), Category: "grid"},
				&cli.IntFlag{Name: "reference-sample", Usage: "the collective sees only `N` majority rows, chosen per run (k or fewer: the k-NN methods use them all; docs/REFERENCE.md, tiny references)", Category: "grid"},
				&cli.StringFlag{Name: "baselines", Usage: "firm-side baselines to add, comma-separated: " + strings.Join(sweep.Baselines, ", "), Category: "grid"},
				&cli.BoolFlag{Name: "detect", Usage: "would the firm notice? screen the labels with confident learning (5-fold out-of-fold probabilities of the built-in firm; flag a row when its label's probability is below its class's mean), retrain without the flagged rows; adds detect_* columns and figures", Category: "grid"},
				&cli.Float64Flag{Name: "max-error-increase", Value: sweep.DefaultMaxErrorIncrease, Usage: "recommend only cells whose mean error is at most `X` (absolute) above the error without action; the default 0.01 is one percentage point; inf: no limit", Category: "output"},
				&cli.Float64Flag{Name: "target-eqod", Usage: "recommend the fewest flips whose mean EqOd (mean form) is at most `X`", Category: "output"},
				&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write per-run results to `FILE.csv` (and FILE.summary.csv, FILE.summary.json)", Category: "output"},
				&cli.StringFlag{Name: "plots", Usage: "draw the figures into `DIR` (SVG and PNG)", Category: "output"},
				&cli.StringFlag{Name: "report", Usage: "write one self-contained HTML page, `FILE.html`, for readers without the command line: findings, recommendation, per-group rates, figures, settings and input hashes", Category: "output"},
				&cli.IntFlag{Name: "workers", DefaultText: "the number of cores", Usage: "run `N` fits at once (0: one per core)", Category: "grid"},
			}, firmFlags()...), flipcli.SimDataFlags()...),
			Action: func(c *cli.Context) error { return sweepAction(c, stdin, stdout, stderr, h) },
		},
	}
}

func parseFloats(c *cli.Context, flag string) ([]float64, error) {
	items, err := flipcli.List(c, flag)
	if err != nil {
		return nil, err
	}
	s := c.String(flag)
	var out []float64
	for _, p := range items {
		x, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return nil, fferr.Usage("--%s %q: %q is not a number", flag, s, p)
		}
		out = append(out, x)
	}
	return out, nil
}

// loadPair loads the training table and, if testPath is set, the test
// table, with the same options. Either (not both) may be "-", standard
// input.
func loadPair(ctx context.Context, o *transform.Options, trainPath, testPath string, format tableio.Format, stdin io.Reader) (train, test *transform.Dataset, err error) {
	if trainPath == "-" && testPath == "-" {
		return nil, nil, fferr.Usage("the training and the test table cannot both be standard input (-)")
	}
	in, err := openInput(ctx, trainPath, format, stdin)
	if err != nil {
		return nil, nil, err
	}
	defer in.cleanup()
	if train, err = o.LoadLocal(ctx, in.source); err != nil {
		return nil, nil, err
	}
	for _, n := range train.Notices {
		fmt.Fprintln(o.Log, "fairflip: "+n)
	}
	if testPath != "" {
		tin, err := openInput(ctx, testPath, format, stdin)
		if err != nil {
			return nil, nil, err
		}
		defer tin.cleanup()
		to := *o
		to.Features = train.FeatureRefs() // the same features, whatever the test file's distinct counts
		to.Exclude = nil
		if test, err = to.LoadLocal(ctx, tin.source); err != nil {
			return nil, nil, err
		}
		for _, n := range test.Notices {
			fmt.Fprintln(o.Log, "fairflip: "+n)
		}
	}
	return train, test, nil
}

func simOptions(c *cli.Context, stderr io.Writer) (*transform.Options, error) {
	o, err := flipcli.DataOptions(c, stderr)
	if err != nil {
		return nil, err
	}
	o.Where = c.StringSlice("where")
	o.IgnoreAudit = true
	o.Method = transform.MethodRBProb // validated later per cell; a valid placeholder
	return o, nil
}

func evalAction(c *cli.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	if c.NArg() > 0 {
		return fferr.Usage("eval takes --train and --test, not %q", c.Args().First())
	}
	if c.String("train") == "" || c.String("test") == "" {
		return fferr.Usage("eval needs --train FILE and --test FILE")
	}
	o, err := simOptions(c, stderr)
	if err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	format, err := inputFormat(c)
	if err != nil {
		return err
	}
	// No output may be an input: the report goes to standard output.
	files := flipcli.NewFiles(stdin, rawStream(stdout))
	files.Input("--train", c.String("train"))
	files.Input("--test", c.String("test"))
	if err := files.Output("", "-"); err != nil {
		return err
	}
	train, test, err := loadPair(c.Context, o, c.String("train"), c.String("test"), format, stdin)
	if err != nil {
		return err
	}
	cfg := sweep.Config{Options: *o, DropSensitive: c.Bool("firm-drop-sensitive"), FirmCmd: c.String("firm-cmd"), Firm: firmName(c), FirmTimeout: c.Duration("firm-timeout")}
	rep, desc, err := sweep.Evaluate(c.Context, cfg, train, test)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		b, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		// Top-level metric fields (error, sp, eqod_mean, eqod_max, ...) plus where they came from.
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		m["train"], m["test"], m["model"] = train.Name, test.Name, desc
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			return writeError("standard output", err)
		}
		return nil
	}
	// A failed write is reported by run (stdout keeps the first error).
	fmt.Fprintf(stdout, "firm: %s\ntrained on %s (%d rows), tested on %s (%d rows)\n\n", desc, train.Name, train.Rows, test.Name, test.Rows)
	if err := rep.WriteTable(stdout); err != nil {
		return writeError("standard output", err)
	}
	return nil
}

// isTerminal reports whether w is a terminal (for the progress bar).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminalFile(f)
}

func sweepAction(c *cli.Context, stdin io.Reader, stdout, stderr io.Writer, h *hooks) error {
	if c.NArg() != 1 {
		return fferr.Usage("sweep takes one INPUT file (the training table), got %d", c.NArg())
	}
	o, err := simOptions(c, stderr)
	if err != nil {
		return err
	}
	o.K = c.Int("k")
	o.ReferenceSample = c.Int("reference-sample")
	if c.IsSet("k") && o.K < 1 {
		return fferr.Usage("--k %d: the number of neighbours must be at least 1", o.K)
	}
	if err := o.Validate(); err != nil {
		return err
	}
	cfg, err := sweepConfig(c)
	if err != nil {
		return err
	}
	format, err := inputFormat(c)
	if err != nil {
		return err
	}
	// No output may be an input: the table on standard output, -o's
	// files and the plots, checked before anything is created.
	var outPaths []string
	if out := c.String("output"); out != "" {
		if out == "-" {
			return fferr.Usage("sweep -o -: the summary table already goes to standard output; -o takes a file name (FILE.csv)")
		}
		base := strings.TrimSuffix(out, ".csv")
		outPaths = []string{out, base + ".summary.csv", base + ".summary.json"}
	}
	files := flipcli.NewFiles(stdin, rawStream(stdout))
	files.Input("INPUT", c.Args().First())
	if t := c.String("test"); t != "" {
		files.Input("--test", t)
	}
	if err := files.Output("", "-"); err != nil {
		return err
	}
	if err := files.Outputs("-o", outPaths...); err != nil {
		return err
	}
	if dir := c.String("plots"); dir != "" {
		names := figures.Files(cfg.Alphas)
		if cfg.Detect {
			names = append(names, figures.DetectFiles(cfg.Alphas)...)
		}
		for _, name := range names {
			if err := files.Output("--plots", filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	if err := checkReportPath(files, c.String("report")); err != nil {
		return err
	}
	// The output files first: an unwritable folder fails before the sweep.
	rep, err := openSweepReport(c, c.String("report"), h)
	if err != nil {
		return err
	}
	defer rep.abort()
	var outs []*output
	defer func() {
		for _, o := range outs {
			o.abort()
		}
	}()
	for _, p := range outPaths {
		o, err := openOutput("-o", p, nil, h)
		if err != nil {
			return err
		}
		outs = append(outs, o)
	}
	train, test, err := loadPair(c.Context, o, c.Args().First(), c.String("test"), format, stdin)
	if err != nil {
		return err
	}
	cfg.Options = *o
	cfg.Options.Log = nil
	cfg.Notice = func(n string) { fmt.Fprintln(o.Log, "fairflip: "+n) }
	bar := newProgress(c, stderr, h, "fairflip sweep", 0)
	defer bar.end()
	cfg.Progress = bar.fits()
	start := time.Now()
	results, model, err := sweep.Run(c.Context, cfg, train, test)
	bar.end()
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	sweep.SortResults(results)
	cells, err := sweep.Summarize(results)
	if err != nil {
		return err
	}
	recs := sweep.Advise(cells, sweep.AdviceOptions{TargetEqOd: c.Float64("target-eqod"), MaxErrorIncrease: c.Float64("max-error-increase")})
	info := sweep.PlotInfo{Dataset: datasetTitle(train, o), Model: model, Grid: sweep.GridDescription(cfg)}
	if err := writeSweepFiles(c.Context, outs, results, cells, info, recs); err != nil {
		return err
	}
	if err := rep.write(c.Context, c, o, cfg, train, test, info, results, cells, recs); err != nil {
		return err
	}
	// A failed write is reported by run (stdout keeps the first error).
	fmt.Fprintf(stdout, "%s; firm: %s; %s\n\n", info.Dataset, info.Model, info.Grid)
	if err := sweep.WriteSummaryTable(stdout, cells, recs); err != nil {
		return writeError("standard output", err)
	}
	for _, n := range sweep.EdgeNotices(results, cells) {
		fmt.Fprintln(stderr, "fairflip: "+n)
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(stderr, "fairflip sweep: %d results in %.1f s\n", len(results), elapsed.Seconds())
	}
	if dir := c.String("plots"); dir != "" {
		files, err := figures.Write(dir, results, cells, info)
		if err != nil {
			return fferr.IO(err)
		}
		if !c.Bool("quiet") {
			fmt.Fprintf(stderr, "fairflip sweep: plots written to %s (%d files)\n", filepath.Clean(dir), len(files))
			for _, n := range figures.Notices(cells) {
				fmt.Fprintln(stderr, "fairflip: "+n)
			}
		}
	}
	return nil
}

// sweepConfig reads the sweep's grid and firm from its flags.
func sweepConfig(c *cli.Context) (sweep.Config, error) {
	var lists [3][]string
	var err error
	for i, name := range []string{"methods", "flips", "baselines"} {
		if lists[i], err = flipcli.List(c, name); err != nil {
			return sweep.Config{}, err
		}
	}
	cfg := sweep.Config{
		Methods:       lists[0],
		Flips:         lists[1],
		Runs:          c.Int("runs"),
		Seed:          c.Uint64("seed"),
		TestSplit:     c.Float64("test-split"),
		DropSensitive: c.Bool("firm-drop-sensitive"),
		FirmCmd:       c.String("firm-cmd"),
		Firm:          firmName(c),
		FirmTimeout:   c.Duration("firm-timeout"),
		Baselines:     lists[2],
		Detect:        c.Bool("detect"),
		Workers:       c.Int("workers"),
	}
	if cfg.Alphas, err = parseFloats(c, "alpha"); err != nil {
		return sweep.Config{}, err
	}
	if x := c.Float64("max-error-increase"); !(x >= 0) {
		return sweep.Config{}, fferr.Usage("--max-error-increase %v: want an absolute error increase of 0 or more (e.g. 0.01; inf: no limit)", x)
	}
	if err := cfg.Check(c.String("test") != ""); err != nil {
		return sweep.Config{}, err
	}
	return cfg, nil
}

// writeSweepFiles writes -o's files before standard output: a closed
// pipe ("| head") must not lose a long sweep's results. All three are
// committed, or none.
func writeSweepFiles(ctx context.Context, outs []*output, results []sweep.Result, cells []sweep.Cell, info sweep.PlotInfo, recs []sweep.Recommendation) error {
	if len(outs) == 0 {
		return nil
	}
	writers := []func(io.Writer) error{
		func(w io.Writer) error { return sweep.WriteResultsCSV(w, results) },
		func(w io.Writer) error { return sweep.WriteSummaryCSV(w, cells) },
		func(w io.Writer) error { return sweep.WriteSummaryJSON(w, info, cells, recs) },
	}
	for i, o := range outs {
		if err := o.write(writers[i]); err != nil {
			return err
		}
	}
	return commit(ctx, outs...)
}

// datasetTitle names the data set and groups for titles.
func datasetTitle(t *transform.Dataset, o *transform.Options) string {
	minority := strings.Join(o.Minority, " or ")
	return fmt.Sprintf("%s (%s: minority %s)", filepath.Base(t.Name), strings.Join(o.Sensitive, ","), minority)
}
