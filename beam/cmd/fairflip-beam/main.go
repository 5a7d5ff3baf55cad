// Command fairflip-beam runs `fairflip flip --output-dir OUT INPUT...` as an
// Apache Beam pipeline, so that a table too large for one machine (a
// directory of CSV or Parquet files) is flipped by the workers of an engine
// such as Flink, Spark or Google Dataflow, with exactly the flips that
// fairflip would make on one machine. It takes fairflip flip's flags and
// Beam's own (--runner, --endpoint, --environment_type, ...); see
// docs/REFERENCE.md, "Scale out with Apache Beam".
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	"github.com/urfave/cli/v2"

	"github.com/fairflip/fairflip/beam/pipeline"
	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/flipcli"
	"github.com/fairflip/fairflip/transform"
)

const help = `Reads several CSV or Parquet files (all of one format, in lexical order of
their paths; a quoted glob is expanded) as one table and writes each, flipped,
to the existing folder OUT under its own name: the same outputs, byte for byte
for CSV, as

  fairflip flip --output-dir OUT INPUT... (the same flags)

but computed by an Apache Beam pipeline, on the runner Beam's --runner names
(default prism, in this process). Every worker must see INPUT, OUT and
--reference at the same paths (a shared file system). Files are split into
shards of --shard-bytes (CSV, at record starts) or by row group (Parquet).

Beam's flags go with the others, e.g. --runner, --endpoint, --environment_type,
--environment_config, --job_name, --worker_binary; see docs/REFERENCE.md.

Examples:
  mkdir flipped && fairflip-beam flip --output-dir flipped 'lake/*.csv' \
    --sensitive race --minority Black --label income --positive '>50K' --alpha 0.3

  # on a Flink cluster, through its Beam job server; the workers run this binary
  fairflip-beam flip --output-dir /mnt/lake/flipped '/mnt/lake/part-*.parquet' \
    --sensitive race --minority Black --label income --positive '>50K' \
    --runner flink --endpoint flink-jobserver:8099 --worker_binary ./fairflip-beam
`

func main() {
	// Beam's flags first, with the flag package: a worker is started with
	// --worker and its endpoints, and beam.Init runs its harness (and
	// exits) when it sees them. Everything else is fairflip's.
	beamArgs, own := splitArgs(os.Args[1:], ownFlags())
	if err := flag.CommandLine.Parse(beamArgs); err != nil {
		os.Exit(flipcli.ExitUsage)
	}
	beam.Init()
	slog.SetDefault(slog.New(&progress{w: os.Stderr, quiet: hasFlag(own, "q", "quiet"), all: hasFlag(own, "beam-log")}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, append([]string{"fairflip-beam"}, own...), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// progress is the launcher's log handler: it shows the pipeline's
// "fairflip: ..." progress lines (as "fairflip-beam: ..."), and the
// runner's and Beam's own log only with --beam-log (a failed pipeline's
// report is long; the launcher prints the error that caused it).
type progress struct {
	w          io.Writer
	quiet, all bool
	mu         sync.Mutex
	text       slog.Handler
	// closed: the launcher has printed its last line. A failed pipeline
	// can leave a bundle running that still logs; its lines are dropped,
	// so that the error stays the last line on stderr.
	closed bool
}

// closeProgress drops the progress lines logged from now on (see
// progress.closed), when the default handler is the launcher's.
func closeProgress() {
	if p, ok := slog.Default().Handler().(*progress); ok {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
	}
}

func (p *progress) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (p *progress) Handle(ctx context.Context, r slog.Record) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	if p.all {
		if p.text == nil {
			p.text = slog.NewTextHandler(p.w, nil)
		}
		return p.text.Handle(ctx, r)
	}
	_, msg, ok := strings.Cut(r.Message, "fairflip: ")
	if !ok || p.quiet || r.Level >= slog.LevelWarn {
		return nil
	}
	_, err := fmt.Fprintln(p.w, "fairflip-beam: "+msg)
	return err
}

func (p *progress) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p *progress) WithGroup(string) slog.Handler      { return p }

// hasFlag reports whether args set one of the boolean flags names.
func hasFlag(args []string, names ...string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && slices.Contains(names, name) && (!hasValue || v == "true" || v == "1") {
			return true
		}
	}
	return false
}

// flipFlags are fairflip-beam flip's flags: fairflip flip's, with
// --output-dir required and no -o or --output-format.
func flipFlags() []cli.Flag {
	return append(append([]cli.Flag{
		&cli.StringFlag{Name: "output-dir", Usage: "write each INPUT, with its own name and format, to the existing folder `OUT`"},
		&cli.Int64Flag{Name: "shard-bytes", Value: transform.DefaultShardBytes, Usage: "split CSV files into shards of about `N` bytes (at record starts); Parquet files are split by row group", Category: "Beam"},
		&cli.IntFlag{Name: "score-groups", Value: 2, Usage: "gather the candidates into `N` groups for scoring: at most N workers score at once, and each worker process that scores reads the reference rows once and fits; raise it on a cluster of many workers", Category: "Beam"},
		&cli.BoolFlag{Name: "beam-log", Usage: "show the runner's and Beam's own log on stderr (by default only fairflip's progress lines)", Category: "Beam"},
	}, flipcli.FlipFlags()...), flipcli.DataFlags()...)
}

// ownFlags returns the names of fairflip-beam's own flags.
func ownFlags() map[string]bool {
	names := map[string]bool{"help": true, "h": true, "version": true, "v": true}
	for _, f := range flipFlags() {
		for _, n := range f.Names() {
			names[n] = true
		}
	}
	return names
}

// splitArgs separates Beam's flags (those of the flag package that are not
// fairflip's) from fairflip's flags and arguments.
func splitArgs(args []string, own map[string]bool) (beamArgs, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		name, _, hasValue := strings.Cut(name, "=")
		f := flag.CommandLine.Lookup(name)
		if f == nil || own[name] {
			rest = append(rest, a)
			continue
		}
		beamArgs = append(beamArgs, a)
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) && i+1 < len(args) {
			i++
			beamArgs = append(beamArgs, args[i])
		}
	}
	return beamArgs, rest
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "fairflip-beam: internal error: %v\n%s", r, debug.Stack())
			code = flipcli.ExitInternal
		}
	}()
	app := &cli.App{
		Name:                      "fairflip-beam",
		Usage:                     "fairflip flip over many files, as an Apache Beam pipeline",
		Version:                   flipcli.Version,
		Writer:                    stdout,
		ErrWriter:                 stderr,
		HideHelpCommand:           true,
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {},
		OnUsageError:              func(_ *cli.Context, err error, _ bool) error { return fferr.Usage("%v", err) },
		Description: `Exit codes as fairflip's: 0 ok, 1 internal error, 2 usage error, 3 bad input
data (or an input that changed while it was read), 4 I/O error, 130 interrupted.`,
		Commands: []*cli.Command{{
			Name:         "flip",
			Usage:        "flip the labels of a minority collective's most likely positives, over many files",
			ArgsUsage:    "--output-dir OUT INPUT...",
			Description:  help,
			OnUsageError: func(_ *cli.Context, err error, _ bool) error { return fferr.Usage("%v", err) },
			Flags:        flipFlags(),
			Action:       func(c *cli.Context) error { return flip(c, stderr) },
		}},
	}
	err := app.RunContext(ctx, flipcli.Interspersed(app, args))
	if err == nil {
		return flipcli.ExitOK
	}
	closeProgress()
	code = flipcli.ExitCode(ctx, err)
	msg := flipcli.Message(err)
	var pe *pipelineError
	if errors.As(err, &pe) {
		code, msg = pe.code, pe.msg
	}
	switch code {
	case flipcli.ExitInterrupted:
		fmt.Fprintln(stderr, "fairflip-beam: interrupted; no output was written")
	case flipcli.ExitInternal:
		fmt.Fprintln(stderr, "fairflip-beam: internal error: "+msg)
	default:
		fmt.Fprintln(stderr, "fairflip-beam: "+msg)
	}
	return code
}

// pipelineError is a failed pipeline: the first fairflip error in the
// runner's report, with its exit code.
type pipelineError struct {
	code int
	msg  string
}

func (e *pipelineError) Error() string { return e.msg }

var classedRE = regexp.MustCompile(`\[fairflip exit (\d+)\] ([^\n]*)`)

// pipelineFailed turns a runner's error into the error of the stage that
// failed (see pipeline.Classed).
func pipelineFailed(err error) error {
	m := classedRE.FindStringSubmatch(err.Error())
	if m == nil {
		return &pipelineError{code: flipcli.ExitInternal, msg: "the pipeline failed: " + err.Error()}
	}
	code, _ := strconv.Atoi(m[1])
	msg := m[2]
	// The runner may append its own context after the message.
	if i := strings.Index(msg, "\tcaused by:"); i >= 0 {
		msg = msg[:i]
	}
	return &pipelineError{code: code, msg: strings.TrimSpace(msg)}
}

func flip(c *cli.Context, stderr io.Writer) error {
	if c.String("output-dir") == "" {
		return fferr.Usage("fairflip-beam flip needs --output-dir OUT: it writes one output per input there")
	}
	opt, err := flipcli.FlipOptions(c, stderr)
	if err != nil {
		return err
	}
	if c.Int64("shard-bytes") < 1 {
		return fferr.Usage("--shard-bytes %d: must be at least 1", c.Int64("shard-bytes"))
	}
	if c.Int("score-groups") < 1 {
		return fferr.Usage("--score-groups %d: must be at least 1", c.Int("score-groups"))
	}
	paths, err := flipcli.OutputDirInputs(c)
	if err != nil {
		return err
	}
	for i, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return fferr.IO(err)
		}
		if !st.Mode().IsRegular() {
			return fferr.Usage("%s is not a regular file: fairflip-beam reads regular files", p)
		}
		if paths[i], err = filepath.Abs(p); err != nil {
			return fferr.IO(err)
		}
	}
	out, err := filepath.Abs(c.String("output-dir"))
	if err != nil {
		return fferr.IO(err)
	}
	// No output may be an input (by device and inode), nor two outputs one file.
	files := flipcli.NewFiles(nil, nil)
	for _, p := range paths {
		files.Input("INPUT", p)
	}
	if ref := c.String("reference"); ref != "" {
		files.Input("--reference", ref)
	}
	for _, p := range paths {
		if err := files.Output("--output-dir", filepath.Join(out, filepath.Base(p))); err != nil {
			return err
		}
	}
	sumPath := c.String("summary")
	if sumPath != "" {
		if err := files.Output("--summary", sumPath); err != nil {
			return err
		}
	}
	id := make([]byte, 6)
	if _, err := rand.Read(id); err != nil {
		return err
	}
	job := pipeline.Job{
		Inputs:      paths,
		OutDir:      out,
		RunID:       hex.EncodeToString(id),
		ShardBytes:  c.Int64("shard-bytes"),
		ScoreGroups: c.Int("score-groups"),
	}
	job.ResultPath = filepath.Join(out, ".fairflip-beam-"+job.RunID+".result.json")
	if opt.Reference != "" {
		if job.ReferencePath, err = filepath.Abs(opt.Reference); err != nil {
			return fferr.IO(err)
		}
	}
	if err := job.SetOptions(*opt); err != nil {
		return err
	}
	defer cleanup(job)

	p, s := beam.NewPipelineWithRoot()
	pipeline.Build(s, job)
	if err := beamx.Run(c.Context, p); err != nil {
		if c.Context.Err() != nil {
			return c.Context.Err()
		}
		return pipelineFailed(err)
	}
	data, err := os.ReadFile(job.ResultPath)
	if err != nil {
		return fmt.Errorf("the pipeline ended without its result: %w", err)
	}
	var res pipeline.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("the pipeline's result does not decode: %w", err)
	}
	res.Summary.Version = flipcli.Version
	if !c.Bool("quiet") {
		for _, n := range append(res.Summary.Notices, res.ScoreNotices...) {
			fmt.Fprintln(stderr, "fairflip: "+n)
		}
	}
	if sumPath != "" {
		data, err := flipcli.SummaryJSON(&res.Summary)
		if err != nil {
			return err
		}
		if err := writeAtomic(sumPath, data); err != nil {
			return fferr.IO(err)
		}
	}
	if !c.Bool("quiet") {
		flipcli.PrintSummary(stderr, &res.Summary)
	}
	return nil
}

// cleanup removes what a run leaves in OUT besides its outputs: its result
// file, and the temporary files of a failed run.
func cleanup(job pipeline.Job) {
	os.Remove(job.ResultPath)
	for _, p := range job.Inputs {
		os.Remove(job.TempPath(p))
	}
}

// writeAtomic writes data to path through a temporary file renamed over it.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
