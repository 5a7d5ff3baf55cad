package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/flipcli"
	"github.com/fairflip/fairflip/transform"
)

// Many files, one table: flip --output-dir OUT IN... reads the inputs (of
// one format), in lexical order of their paths, as one table and
// writes each to OUT under its own base name; undo --output-dir OUT IN...
// undoes each. The outputs (and --summary) are committed together, or none
// of them.

// multiFiles is a multi-file command's inputs and outputs.
type multiFiles struct {
	ins  []*commandInput
	outs []*output
}

func (m *multiFiles) close() {
	for _, o := range m.outs {
		o.abort()
	}
	for _, in := range m.ins {
		in.cleanup()
	}
}

// openMulti checks the flags of a multi-file command and opens its inputs
// and outputs. summary is --summary's path ("" for none): like every
// output, it must not be an input or another output. reference is
// --reference's path ("" for none), an input.
func openMulti(c *cli.Context, stdout io.Writer, h *hooks, summary, reference string) (*multiFiles, error) {
	dir := c.String("output-dir")
	if dir == "" {
		return nil, fferr.Usage("%s takes one INPUT file, got %d: %s; to read several files as one table, give --output-dir OUT", c.Command.Name, c.NArg(), strings.Join(c.Args().Slice(), " "))
	}
	if c.IsSet("output") {
		return nil, fferr.Usage("-o and --output-dir: give one of them (--output-dir writes one output per input)")
	}
	if c.IsSet("output-format") {
		return nil, fferr.Usage("--output-format is not supported with --output-dir: each output has its input's format")
	}
	paths, err := flipcli.OutputDirInputs(c)
	if err != nil {
		return nil, err
	}
	format, err := inputFormat(c)
	if err != nil {
		return nil, err
	}
	// No output may be an input: checked before anything is created.
	files := flipcli.NewFiles(nil, nil)
	for _, p := range paths {
		files.Input("INPUT", p)
	}
	if reference != "" {
		files.Input("--reference", reference)
	}
	for _, p := range paths {
		if err := files.Output("--output-dir", filepath.Join(dir, filepath.Base(p))); err != nil {
			return nil, err
		}
	}
	if summary != "" {
		if err := files.Output("--summary", summary); err != nil {
			return nil, err
		}
	}
	m := &multiFiles{}
	ok := false
	defer func() {
		if !ok {
			m.close()
		}
	}()
	for _, p := range paths {
		in, err := openInput(c.Context, p, format, nil)
		if err != nil {
			return nil, err
		}
		m.ins = append(m.ins, in)
		if in.path == "" {
			return nil, fferr.Usage("%s is not a regular file: --output-dir reads regular files", p)
		}
		if first := m.ins[0]; in.Format != first.Format {
			return nil, fferr.Usage("%s is %s and %s is %s: the inputs of --output-dir must have one format", first.path, first.Format.Name(), p, in.Format.Name())
		}
	}
	for _, p := range paths {
		out, err := openOutput("--output-dir", filepath.Join(dir, filepath.Base(p)), stdout, h)
		if err != nil {
			return nil, err
		}
		m.outs = append(m.outs, out)
	}
	ok = true
	return m, nil
}

func flipFilesAction(c *cli.Context, stdout, stderr io.Writer, h *hooks) error {
	bar := newProgress(c, stderr, h, "fairflip flip", flipProgressDelay)
	defer bar.end()
	opt, err := flipcli.FlipOptions(c, bar.log(stderr))
	if err != nil {
		return err
	}
	opt.Progress = bar.stages()
	opt.Timings = newTimings(c)
	sumPath := c.String("summary")
	opt.NoInputSHA256 = sumPath == "" // only the summary shows it
	m, err := openMulti(c, stdout, h, sumPath, c.String("reference"))
	if err != nil {
		return err
	}
	defer m.close()
	var sum *output
	defer func() { sum.abort() }()
	if sumPath != "" {
		if sum, err = openOutput("--summary", sumPath, stdout, h); err != nil {
			return err
		}
	}
	ctx := c.Context
	closeRef, err := openReference(ctx, opt)
	if err != nil {
		return err
	}
	defer closeRef()
	srcs := make([]transform.Source, len(m.ins))
	for i, in := range m.ins {
		srcs[i] = in.source
	}
	lf, err := opt.PlanLocal(ctx, srcs, 0)
	if err != nil {
		return err
	}
	summary := lf.Summary()
	h.betweenPassesHook()
	for _, in := range m.ins {
		if err := in.unchanged(nil); err != nil {
			return err
		}
	}
	for i := range summary.Files {
		summary.Files[i].Output = m.outs[i].name
	}
	if sum != nil {
		if err := writeSummary(sum, &summary); err != nil {
			return err
		}
	}
	pw := bar.writer(nil, m.size())
	for i := range m.ins {
		// The bar counts the bytes as written (compressed, when the input was), against the inputs' sizes.
		write := m.ins[i].compressing(func(w io.Writer) error { return opt.WriteDist(ctx, lf.Files[i], lf.Plan, w) })
		if err := m.outs[i].write(func(w io.Writer) error { return write(pw.to(w)) }); err != nil {
			return err
		}
	}
	pw.finish(nil)
	h.afterWriteHook()
	for i, in := range m.ins {
		if err := in.unchanged(m.outs[i]); err != nil {
			return err
		}
	}
	opt.Timings.Lap(transform.StageWrite)
	if err := commit(ctx, append(m.outs, sum)...); err != nil {
		return err
	}
	opt.Timings.Lap(transform.StageCommit)
	bar.end()
	if !c.Bool("quiet") {
		flipcli.PrintSummary(stderr, &summary)
	}
	printTimings(stderr, opt.Timings)
	return nil
}

func undoFilesAction(c *cli.Context, stdout, stderr io.Writer, h *hooks) error {
	d, err := flipcli.ParseDialect(c)
	if err != nil {
		return err
	}
	audit, err := flipcli.AuditColumn(c)
	if err != nil {
		return err
	}
	m, err := openMulti(c, stdout, h, "", "")
	if err != nil {
		return err
	}
	defer m.close()
	opt := transform.UndoOptions{AuditColumn: audit, Label: c.String("label"), Dialect: d, Part: true, Infer: true, Given: flipcli.ReadGiven(c),
		ParquetLimits: flipcli.ParquetLimits(c)}
	srcs := make([]transform.Source, len(m.ins))
	for i, in := range m.ins {
		srcs[i] = in.source
	}
	if opt.TableRead, err = transform.FindTableRead(c.Context, srcs, d); err != nil {
		return err
	}
	sums := make([]transform.UndoSummary, len(m.ins))
	bar := newProgress(c, stderr, h, "fairflip undo", flipProgressDelay)
	defer bar.end()
	pw := bar.writer(nil, m.size())
	for i, in := range m.ins {
		undo := in.compressing(func(w io.Writer) error {
			s, err := transform.Undo(c.Context, in.source, w, opt)
			if s != nil {
				sums[i] = *s
			}
			return err
		})
		if err := m.outs[i].write(func(w io.Writer) error { return undo(pw.to(w)) }); err != nil {
			return err
		}
	}
	h.afterWriteHook()
	for i, in := range m.ins {
		if err := in.unchanged(m.outs[i]); err != nil {
			return err
		}
	}
	if err := commit(c.Context, m.outs...); err != nil {
		return err
	}
	pw.finish(nil)
	bar.end()
	if !c.Bool("quiet") {
		rows, restored := 0, 0
		for _, s := range sums {
			rows += s.Rows
			restored += s.Restored
		}
		labels := "labels"
		if restored == 1 {
			labels = "label"
		}
		fmt.Fprintf(stderr, "fairflip undo: %d files, %d rows, %d %s restored\n", len(m.ins), rows, restored, labels)
		for i, s := range sums {
			in := ""
			if s.Column != "" {
				in = " in column " + s.Column
			}
			fmt.Fprintf(stderr, "  %s -> %s: %d rows, %d restored%s\n", m.ins[i].path, m.outs[i].name, s.Rows, s.Restored, in)
		}
	}
	return nil
}
