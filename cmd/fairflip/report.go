package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fairflip/fairflip/figures"
	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/flipcli"
	"github.com/fairflip/fairflip/report"
	"github.com/fairflip/fairflip/sweep"
	"github.com/fairflip/fairflip/transform"
)

// sweepReport is sweep's --report FILE.html: opened (a temporary file
// beside it) before the sweep runs, with the inputs' hashes; written and
// put in place after it, or removed.
type sweepReport struct {
	out    *output
	inputs []report.InputFile
}

// checkReportPath checks --report FILE.html before anything is written: a
// file, and not one of the command's inputs or other outputs.
func checkReportPath(files *flipcli.Files, path string) error {
	switch path {
	case "":
		return nil
	case "-":
		return fferr.Usage("sweep --report -: the summary table already goes to standard output; --report takes a file name (report.html)")
	}
	return files.Output("--report", path)
}

// openSweepReport opens path for --report and hashes the inputs (INPUT and
// --test) that the sweep is about to read. nil, nil when --report is not
// given.
func openSweepReport(c *cli.Context, path string, h *hooks) (*sweepReport, error) {
	if path == "" {
		return nil, nil
	}
	out, err := openOutput("--report", path, nil, h)
	if err != nil {
		return nil, err
	}
	r := &sweepReport{out: out}
	ins := [][2]string{{"INPUT", c.Args().First()}}
	if t := c.String("test"); t != "" {
		ins = append(ins, [2]string{"--test", t})
	}
	for _, in := range ins {
		f, err := report.HashFile(in[0], in[1])
		if err != nil {
			out.abort()
			return nil, fferr.IO(err)
		}
		r.inputs = append(r.inputs, f)
	}
	return r, nil
}

// abort removes the report's temporary file (nil-safe).
func (r *sweepReport) abort() {
	if r != nil {
		r.out.abort()
	}
}

// write writes the report of a finished sweep and puts it in place.
func (r *sweepReport) write(ctx context.Context, c *cli.Context, o *transform.Options, cfg sweep.Config, train, test *transform.Dataset,
	info sweep.PlotInfo, results []sweep.Result, cells []sweep.Cell, recs []sweep.Recommendation) error {
	if r == nil {
		return nil
	}
	var notices []string
	for _, d := range []*transform.Dataset{train, test} {
		if d != nil {
			notices = append(notices, d.Notices...)
		}
	}
	notices = append(notices, sweep.EdgeNotices(results, cells)...)
	notices = append(notices, figures.Notices(cells)...)
	majority := "everyone else with a " + strings.Join(o.Sensitive, ", ") + " value"
	if len(o.Majority) > 0 {
		majority = strings.Join(o.Sensitive, ", ") + " = " + strings.Join(o.Majority, " or ")
	}
	d := report.Data{
		Info:     info,
		Minority: strings.Join(o.Sensitive, ", ") + " = " + strings.Join(o.Minority, " or "),
		Majority: majority,
		Label:    o.Label,
		Positive: strings.Join(o.Positive, " or "),
		Command:  givenCommandLine(c),
		Settings: commandSettings(c),
		Inputs:   r.inputs,
		Counts:   report.CountGroups(train, test, cfg.TestSplit),
		Results:  results,
		Cells:    cells,
		Recs:     recs,
		Notices:  notices,
		Version:  flipcli.Version,
	}
	if err := r.out.write(func(w io.Writer) error { return report.Write(w, d) }); err != nil {
		return err
	}
	return commit(ctx, r.out)
}

// givenCommandLine is the command line of c, rebuilt from what was given: the
// program, the command, its arguments, then each flag given, with its value.
func givenCommandLine(c *cli.Context) []string {
	args := []string{"fairflip", c.Command.Name}
	args = append(args, c.Args().Slice()...)
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if name == "help" || !c.IsSet(name) {
			continue
		}
		for _, v := range flagValues(c, f) {
			if _, ok := f.(*cli.BoolFlag); ok {
				if v == "true" {
					args = append(args, "--"+name)
				} else {
					args = append(args, "--"+name+"=false")
				}
				continue
			}
			args = append(args, "--"+name, v)
		}
	}
	return args
}

// commandSettings lists every flag of c with its value, given or default.
func commandSettings(c *cli.Context) []report.Setting {
	var out []report.Setting
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if name == "help" {
			continue
		}
		out = append(out, report.Setting{Name: name, Value: strings.Join(flagValues(c, f), " "), Given: c.IsSet(name)})
	}
	return out
}

// flagValues are the values of flag f in c: one per repetition of a list
// flag, else one.
func flagValues(c *cli.Context, f cli.Flag) []string {
	name := f.Names()[0]
	switch f.(type) {
	case *cli.StringSliceFlag:
		return c.StringSlice(name)
	case *cli.BoolFlag:
		return []string{fmt.Sprint(c.Bool(name))}
	}
	return []string{fmt.Sprint(c.Value(name))}
}
