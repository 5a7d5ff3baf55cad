// Command fairflip lets a minority collective relabel its own rows so that a
// firm's unchanged training pipeline learns a fairer model.
//
// See README.md for the method, the flags and the exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/fairflip/fairflip/internal/fferr"
)

// Version is fairflip's version, recorded in every --summary.
var Version = "0.1.0-dev"

// Exit codes: a stable, documented table (README.md, "Exit codes").
const (
	exitOK          = 0
	exitInternal    = 1
	exitUsage       = 2
	exitData        = 3
	exitIO          = 4
	exitInterrupted = 130
	exitClosedPipe  = 141 // 128 + SIGPIPE, what a shell reports for a process killed by SIGPIPE
)

func main() {
	// A write to a closed pipe fails with EPIPE instead of killing the
	// process (Go's default for standard output), so that run removes its
	// temporary files and exits 141 quietly.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first SIGINT/SIGTERM, which cancels ctx and lets run
		// clean up, a second one kills at once.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args and returns the exit code. Every error is
// reported here, once, on stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "fairflip: internal error: %v\n%s", r, debug.Stack())
			code = exitInternal
		}
	}()
	// Standard output keeps its first write error, whoever dropped it.
	out := sticky(stdout)
	app := newApp(stdin, out, stderr)
	err := app.RunContext(ctx, interspersed(app, args))
	if out.err != nil && ctx.Err() == nil {
		err = writeError("standard output", out.err)
	}
	code = exitCode(ctx, err)
	if err != nil && code != exitClosedPipe {
		prefix := "fairflip: "
		if code == exitInternal {
			prefix = "fairflip: internal error: "
		}
		if code == exitInterrupted {
			fmt.Fprintln(stderr, "fairflip: interrupted; no output was written")
		} else {
			fmt.Fprintln(stderr, prefix+err.Error())
		}
	}
	return code
}

func exitCode(ctx context.Context, err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return exitInterrupted
	case errors.Is(err, fferr.ErrClosedOutput):
		return exitClosedPipe
	case errors.Is(err, fferr.ErrUsage):
		return exitUsage
	case errors.Is(err, fferr.ErrData):
		return exitData
	case errors.Is(err, fferr.ErrIO):
		return exitIO
	}
	return exitInternal
}

// interspersed moves a command's positional arguments after its flags, so
// that "fairflip flip data.csv -o out.csv" works: urfave/cli v2 stops reading
// flags at the first positional argument.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	out := append([]string{}, args[:2]...)
	var pos []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			pos = append(pos, rest[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		out = append(out, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if takesValue[name] && i+1 < len(rest) {
			out = append(out, rest[i+1])
			i++
		}
	}
	if len(pos) > 0 {
		out = append(out, "--")
		out = append(out, pos...)
	}
	return out
}
