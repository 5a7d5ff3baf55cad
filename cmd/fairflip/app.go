package main

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/flipcli"
	"github.com/fairflip/fairflip/internal/tmpfile"
	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/transform"
)

// adultNames are the column names of UCI Adult (testdata/adult), which has
// no header: the help examples run verbatim from the repository root.
const adultNames = "age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country,income"

// groupHelp says how --minority and --majority name a group: flip, eval and
// sweep all take them.
const groupHelp = `Group expressions (--minority, --majority):
  VALUE              rows whose --sensitive cell is VALUE
  V1|V2              any of several values
  V1,V2              one value per --sensitive column (--sensitive sex,race --minority Female,Black)
  COL=V1|V2,COL2=V3  by column name; every named column must match
  COL!=V             by column name, any value but V
  COL<N, COL>=N      numeric comparisons (<, <=, >, >=); a cell that is not a number never matches
  Repeat the flag to take the union. Escape a literal , | = < > ! with a backslash.
  Without --majority, the majority is every other row whose sensitive cells are present.

Columns are named by their header name or by number (#1 is the first column).
`

const flipHelp = `Reads a table (CSV, TSV, Parquet or JSON Lines; a CSV, TSV or JSON Lines file
may be gzip- or zstd-compressed) and writes the same table with some labels of
a minority collective flipped from negative to positive, plus an audit column.
In a CSV or JSON Lines file every byte that is not a flipped label is written
back unchanged; a Parquet file keeps its schema, codecs, row groups and
metadata. A compressed input gives an output compressed the same way.

The collective is --alpha of the minority rows (seeded) or the rows marked in
--members. Its members with a negative label (the candidate pool) are scored
by how likely their label would be positive had they been in the majority
(--method), and the top --flips of them are flipped.

` + groupHelp + `
Many files, one table: --output-dir OUT reads several files of one format
(in lexical order of their paths; a quoted glob is expanded), as one
table, with one collective, pool and top M, and writes each to the existing
folder OUT under its own name, in its own format. Every CSV file must have
the same header, every Parquet or JSON Lines file the same columns in the
same order; a header-only or empty (0-byte) file, or a Parquet file without
rows, is a part with no rows.

Examples (from the repository root: testdata/adult is UCI Adult, without a header):
  # 30% of Black people flip with rb-prob, as many as it estimates positive (auto); .gz in, .gz out
  fairflip flip testdata/adult/adult.data.gz -o adult.flipped.csv.gz --no-header \
    --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --alpha 0.3 --seed 1

  # every woman is in the collective; rb-dist (k = 10), a quarter of the pool, learning from 1,000 men only
  fairflip flip testdata/adult/adult.data.gz -o women.flipped.csv.gz --no-header \
    --header-names ` + adultNames + ` \
    --sensitive sex --minority Female --label income --positive '>50K' \
    --method rb-dist --k 10 --flips 25% --reference-sample 1000

  # Black women (one value per sensitive column), written as Parquet
  fairflip flip testdata/adult/adult.data.gz -o adult.flipped.parquet --output-format parquet --no-header \
    --header-names ` + adultNames + ` \
    --sensitive sex,race --minority Female,Black --label income --positive '>50K' --flips 50

  # in a pipe, then back: the same bytes
  zcat testdata/adult/adult.data.gz | fairflip flip --no-header --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --flips 10% | fairflip undo | cmp - <(zcat testdata/adult/adult.data.gz)

  # many files, one table
  mkdir parts flipped && zcat testdata/adult/adult.data.gz | split -l 10000 --additional-suffix .csv - parts/adult-
  fairflip flip --output-dir flipped 'parts/*.csv' --no-header --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --alpha 0.3
`

const undoHelp = `Restores the label cells recorded in the audit column and drops the column:
flip followed by undo gives back a CSV or JSON Lines input byte for byte,
and a Parquet input's schema, values and metadata.

A CSV file needs no flags: when flip read it with --no-header, --skip-lines
or --comment, its audit cells record it (header=no skip-lines=N comment=C)
and undo reads the file so, checking that every audit cell records the same
and that no line it passes through unchanged holds a row of the table.
A flag given must agree with what the cells record (else exit 2). Give
--no-header, --skip-lines and --comment as flip was given them only for a
file whose cells record nothing: no row of it was flipped, or it was flipped
by a fairflip before 0.1.0-dev of December 2026. Give --delimiter if flip
was given one that undo does not detect (it is not recorded).

Examples (from the repository root: testdata/adult is UCI Adult, without a header):
  fairflip flip testdata/adult/adult.data.gz -o adult.flipped.csv.gz --no-header --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --alpha 0.3
  fairflip undo adult.flipped.csv.gz -o adult.restored.csv.gz
  zcmp adult.restored.csv.gz testdata/adult/adult.data.gz   # the same bytes, once decompressed

  # in a pipe
  zcat testdata/adult/adult.data.gz | fairflip flip --no-header --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --flips 10% | fairflip undo | cmp - <(zcat testdata/adult/adult.data.gz)

  # many files (one format), each written to OUT under its own name
  mkdir parts flipped restored && zcat testdata/adult/adult.data.gz | split -l 10000 --additional-suffix .csv - parts/adult-
  fairflip flip --output-dir flipped 'parts/*.csv' --no-header --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --alpha 0.3
  fairflip undo --output-dir restored 'flipped/*.csv' && cat restored/*.csv | cmp - <(zcat testdata/adult/adult.data.gz)
`

func outputFormatFlag() cli.Flag {
	return &cli.StringFlag{Name: "output-format", Usage: "write `FORMAT`: " + tableio.FormatNames() + " (default: the input's format); converting carries the table, not what lies outside it (comment lines, Parquet metadata)", Category: "output"}
}

// converted wraps write (which writes the input's format) so that it writes
// the --output-format instead: it writes to a temporary file and converts
// it (tableio.Convert).
func converted(c *cli.Context, in *transform.Input, d tableio.Dialect, headerNames []string, write func(io.Writer) error) (func(io.Writer) error, error) {
	out, err := tableio.ParseFormat(c.String("output-format"))
	if err != nil {
		return nil, fferr.Usage("--output-format: %v", err)
	}
	if out == "" || out == in.Format {
		return write, nil
	}
	if _, ok := tableio.LookupFormat(out).(tableio.TableWriter); !ok {
		return nil, fferr.Usage("--output-format %s: fairflip reads this format but cannot convert to it", out)
	}
	return func(w io.Writer) error {
		tmp, err := tmpfile.Anonymous("", "a temporary file to convert to "+out.Name())
		if err != nil {
			return fferr.IO(err)
		}
		defer tmp.Close()
		sw := &stickyWriter{w: tmp}
		if err := write(sw); err != nil {
			if sw.err != nil {
				return fferr.IO(fmt.Errorf("converting to %s: writing a temporary file: %w", out, bare(sw.err)))
			}
			return err
		}
		src := tableio.Source{Path: fmt.Sprintf("/proc/self/fd/%d", tmp.Fd()), Name: in.Name}
		ro := tableio.ReadOptions{Dialect: d, HeaderNames: headerNames}
		return transform.Classify(tableio.Convert(c.Context, src, in.Format, ro, out, w, tableio.WriteOptions{}))
	}, nil
}

// openCommandInput opens a command's INPUT with its --format. The
// command has checked its outputs against it (flipcli.Files).
func openCommandInput(c *cli.Context, path string, stdin io.Reader) (*commandInput, error) {
	format, err := inputFormat(c)
	if err != nil {
		return nil, err
	}
	in, err := openInput(c.Context, path, format, stdin)
	if err != nil {
		return nil, err
	}
	in.outputFormat(c.String("output-format"))
	return in, nil
}

// inputFormat reads --format.
func inputFormat(c *cli.Context) (tableio.Format, error) {
	f, err := tableio.ParseFormat(c.String("format"))
	if err != nil {
		return "", fferr.Usage("--format: %v", err)
	}
	return f, nil
}

func newApp(stdin io.Reader, stdout, stderr io.Writer, h *hooks) *cli.App {
	app := &cli.App{
		Name:                      "fairflip",
		Usage:                     "minority collective action on training data: flip a collective's labels so a firm's model gets fairer",
		Version:                   flipcli.Version,
		Reader:                    stdin,
		Writer:                    stdout,
		ErrWriter:                 stderr,
		HideHelpCommand:           true,
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return fferr.Usage("%v", err)
		},
		Description: `fairflip implements "Fairness for the People, by the People: Minority Collective
Action" (Ben-Dov, Samadi, Sanyal, Tifrea; arXiv 2508.15374).

Exit codes: 0 ok, 1 internal error, 2 usage error, 3 bad input data
(or an input file that changed while it was being read), 4 I/O error,
130 interrupted, 141 output closed by its reader (a broken pipe: no message).

"fairflip COMMAND --help" lists a command's flags, with examples; "fairflip man"
prints the manual page; docs/REFERENCE.md has everything.

Examples (from the repository root: testdata/adult is UCI Adult, without a header):
  fairflip flip testdata/adult/adult.data.gz -o adult.flipped.csv.gz --no-header \
    --header-names ` + adultNames + ` \
    --sensitive race --minority Black --label income --positive '>50K' --alpha 0.3 --method rb-dist --flips 15%
  fairflip undo adult.flipped.csv.gz -o adult.restored.csv.gz
  fairflip man > fairflip.1 && fairflip completion bash > fairflip.bash`,
	}
	usageErr := func(c *cli.Context, err error, _ bool) error { return flagValueError(c, err) }
	app.Commands = []*cli.Command{
		{
			Name:         "flip",
			Usage:        "flip the labels of a minority collective's most likely positives",
			ArgsUsage:    "[INPUT] | --output-dir OUT INPUT...",
			Description:  flipHelp,
			OnUsageError: usageErr,
			Flags: append([]cli.Flag{
				&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-", Usage: "write to `FILE` (written to a temporary file, renamed when complete); - is stdout"},
				&cli.StringFlag{Name: "output-dir", Usage: "read several INPUT files (of one format) as one table and write each, with its own name and format, to the existing folder `OUT`"},
				&cli.BoolFlag{Name: "timings", Usage: "after the run, print each stage's wall time, the Go heap at its end and the peak resident memory on stderr (even with --quiet)", Category: "output"},
			}, append(append(flipcli.FlipFlags(), outputFormatFlag()), flipcli.DataFlags()...)...),
			Action: func(c *cli.Context) error { return flipAction(c, stdin, stdout, stderr, h) },
		},
		{
			Name:         "undo",
			Usage:        "restore the labels recorded in the audit column and drop it",
			ArgsUsage:    "[INPUT] | --output-dir OUT INPUT...",
			Description:  undoHelp,
			OnUsageError: usageErr,
			Flags: append([]cli.Flag{
				&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-", Usage: "write to `FILE`; - is stdout"},
				&cli.StringFlag{Name: "output-dir", Usage: "undo several INPUT files (of one format), writing each, with its own name and format, to the existing folder `OUT`"},
				&cli.StringFlag{Name: "audit-column", Value: transform.DefaultAuditColumn, Usage: "`NAME` of the audit column"},
				&cli.StringFlag{Name: "label", Usage: "the label `COL`, which every audit cell must name (needed only for files flipped before audit cells recorded the label's name)"},
				&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no summary or progress on stderr"},
				outputFormatFlag(),
			}, flipcli.DialectFlags()...),
			Action: func(c *cli.Context) error { return undoAction(c, stdin, stdout, stderr, h) },
		},
	}
	app.Commands = append(app.Commands, simCommands(stdin, stdout, stderr, h, usageErr)...)
	addDocCommands(app)
	return app
}

// badFlagValue matches urfave/cli's message for a flag value it cannot parse.
var badFlagValue = regexp.MustCompile(`^invalid value "(.*)" for flag -([^:]+): `)

// flagValueError is a usage error for a flag value that does not parse,
// saying what the flag wants ("--k "x": want a whole number") instead of
// urfave/cli's "invalid value "x" for flag -k: parse error".
func flagValueError(c *cli.Context, err error) error {
	m := badFlagValue.FindStringSubmatch(err.Error())
	if m == nil || c == nil || c.Command == nil {
		return fferr.Usage("%v", err)
	}
	want := "another value"
	for _, f := range c.Command.Flags {
		if !slices.Contains(f.Names(), m[2]) {
			continue
		}
		switch f.(type) {
		case *cli.IntFlag, *cli.Int64Flag:
			want = "a whole number"
		case *cli.Uint64Flag:
			want = "a whole number, 0 or more"
		case *cli.Float64Flag:
			want = "a number"
		case *cli.DurationFlag:
			want = "a duration such as 90s, 10m or 1h30m"
		case *cli.BoolFlag:
			want = "true or false"
		}
	}
	return fferr.Usage("--%s %q: want %s", m[2], m[1], want)
}

func oneArg(c *cli.Context) (string, error) {
	switch c.NArg() {
	case 0:
		return "-", nil
	case 1:
		return c.Args().First(), nil
	}
	return "", fferr.Usage("%s takes one INPUT file (or - for stdin), got %d: %s", c.Command.Name, c.NArg(), strings.Join(c.Args().Slice(), " "))
}

func flipAction(c *cli.Context, stdin io.Reader, stdout, stderr io.Writer, h *hooks) error {
	if c.IsSet("output-dir") || c.NArg() > 1 {
		return flipFilesAction(c, stdout, stderr, h)
	}
	inPath, err := oneArg(c)
	if err != nil {
		return err
	}
	bar := newProgress(c, stderr, h, "fairflip flip", flipProgressDelay)
	defer bar.end()
	opt, err := flipcli.FlipOptions(c, bar.log(stderr))
	if err != nil {
		return err
	}
	opt.Progress = bar.stages()
	opt.Timings = newTimings(c)
	outPath, sumPath := c.String("output"), c.String("summary")
	opt.NoInputSHA256 = sumPath == "" // only the summary shows it
	// No output may be an input: checked before anything is created.
	files := flipcli.NewFiles(stdin, rawStream(stdout))
	files.Input("INPUT", inPath)
	if ref := c.String("reference"); ref != "" {
		files.Input("--reference", ref)
	}
	if err := files.Output("-o", outPath); err != nil {
		return err
	}
	if sumPath != "" {
		if err := files.Output("--summary", sumPath); err != nil {
			return err
		}
	}
	// The outputs first: an unwritable folder fails before any work.
	var out, sum *output
	defer func() { out.abort(); sum.abort() }()
	if out, err = openOutput("-o", outPath, stdout, h); err != nil {
		return err
	}
	if sumPath != "" {
		if sum, err = openOutput("--summary", sumPath, stdout, h); err != nil {
			return err
		}
	}
	in, err := openCommandInput(c, inPath, stdin)
	if err != nil {
		return err
	}
	defer in.cleanup()
	if f, _ := tableio.ParseFormat(c.String("output-format")); f != "" && f != in.Format {
		opt.Converting = true // its audit cells do not record how the CSV input was read
	}
	ctx := c.Context
	closeRef, err := openReference(ctx, opt)
	if err != nil {
		return err
	}
	defer closeRef()
	lf, err := opt.PlanLocal(ctx, []transform.Source{in.source}, 0)
	if err != nil {
		return err
	}
	summary := lf.Summary()
	h.betweenPassesHook()
	// Checked before anything is written, for standard output's sake.
	if err := in.unchanged(nil); err != nil {
		return err
	}
	names := opt.HeaderNames
	if len(names) > 0 {
		names = append(append([]string(nil), names...), opt.AuditColumn)
	}
	write, err := converted(c, in.Input, opt.Dialect, names, func(w io.Writer) error {
		pw := bar.forOutput(stdout, outPath).writer(w, lf.Files[0].Size)
		return pw.finish(opt.WriteDist(ctx, lf.Files[0], lf.Plan, pw))
	})
	if err != nil {
		return err
	}
	// The summary before the table: if it cannot be written, nothing is.
	if sum != nil {
		if err := writeSummary(sum, &summary); err != nil {
			return err
		}
	}
	if err := writeAndCommit(ctx, in, h, opt.Timings, write, out, sum); err != nil {
		return err
	}
	bar.end()
	if !c.Bool("quiet") {
		flipcli.PrintSummary(stderr, &summary)
	}
	printTimings(stderr, opt.Timings)
	return nil
}

func undoAction(c *cli.Context, stdin io.Reader, stdout, stderr io.Writer, h *hooks) error {
	if c.IsSet("output-dir") || c.NArg() > 1 {
		return undoFilesAction(c, stdout, stderr, h)
	}
	inPath, err := oneArg(c)
	if err != nil {
		return err
	}
	d, err := flipcli.ParseDialect(c)
	if err != nil {
		return err
	}
	audit, err := flipcli.AuditColumn(c)
	if err != nil {
		return err
	}
	files := flipcli.NewFiles(stdin, rawStream(stdout))
	files.Input("INPUT", inPath)
	if err := files.Output("-o", c.String("output")); err != nil {
		return err
	}
	out, err := openOutput("-o", c.String("output"), stdout, h)
	if err != nil {
		return err
	}
	defer out.abort()
	in, err := openCommandInput(c, inPath, stdin)
	if err != nil {
		return err
	}
	defer in.cleanup()
	bar := newProgress(c, stderr, h, "fairflip undo", flipProgressDelay)
	defer bar.end()
	var sum *transform.UndoSummary
	write, err := converted(c, in.Input, d, nil, func(w io.Writer) error {
		pw := bar.forOutput(stdout, c.String("output")).writer(w, in.size())
		var err error
		sum, err = transform.Undo(c.Context, in.source, pw, transform.UndoOptions{AuditColumn: audit, Label: c.String("label"), Dialect: d, Infer: true, Given: flipcli.ReadGiven(c),
			ParquetLimits: flipcli.ParquetLimits(c)})
		return pw.finish(err)
	})
	if err != nil {
		return err
	}
	if err := writeAndCommit(c.Context, in, h, nil, write, out); err != nil {
		return err
	}
	bar.end()
	if !c.Bool("quiet") {
		labels := "labels"
		if sum.Restored == 1 {
			labels = "label"
		}
		in := ""
		if sum.Column != "" {
			in = " in column " + sum.Column
		}
		if sum.Read != "" {
			in += " (read with " + sum.Read + ", as the audit cells record)"
		}
		fmt.Fprintf(stderr, "fairflip undo: %d rows, %d %s restored%s\n", sum.Rows, sum.Restored, labels, in)
	}
	return nil
}

// writeSummary writes a flip's --summary JSON to sum.
func writeSummary(sum *output, s *transform.Summary) error {
	data, err := flipcli.SummaryJSON(s)
	if err != nil {
		return err
	}
	return sum.write(func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// newTimings starts timing a flip's stages if --timings is given (nil:
// none).
func newTimings(c *cli.Context) *transform.Timings {
	if !c.Bool("timings") {
		return nil
	}
	return transform.NewTimings()
}

// printTimings prints the stages timed, if any.
func printTimings(stderr io.Writer, tm *transform.Timings) {
	if tm != nil {
		tm.Print(stderr)
	}
}
