// Command fairflip lets a minority collective relabel its own rows so that a
// firm's unchanged training pipeline learns a fairer model.
//
// See docs/REFERENCE.md for the method, the flags and the exit codes.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/fairflip/fairflip/internal/flipcli"
)

// Exit codes: a stable, documented table (docs/REFERENCE.md, "Errors and exit codes").
const (
	exitOK          = flipcli.ExitOK
	exitInternal    = flipcli.ExitInternal
	exitUsage       = flipcli.ExitUsage
	exitData        = flipcli.ExitData
	exitIO          = flipcli.ExitIO
	exitInterrupted = flipcli.ExitInterrupted
	exitClosedPipe  = flipcli.ExitClosedPipe
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
	code := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}.run(ctx, os.Args)
	stop()
	os.Exit(code)
}

// env is what a run of fairflip gets from its caller: the standard streams
// and, in tests, hooks into the commands.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	hooks          *hooks // nil outside tests
}

// run runs the command line args and returns the exit code. Every error is
// reported here, once, on stderr.
func (e env) run(ctx context.Context, args []string) (code int) {
	stdin, stdout, stderr := e.stdin, e.stdout, e.stderr
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "fairflip: internal error: %v\n%s", r, debug.Stack())
			code = exitInternal
		}
	}()
	// Standard output keeps its first write error, whoever dropped it.
	out := sticky(stdout)
	app := newApp(stdin, out, stderr, e.hooks)
	err := app.RunContext(ctx, commandLine(app, args))
	if out.err != nil && ctx.Err() == nil {
		err = writeError("standard output", out.err)
	}
	code = flipcli.ExitCode(ctx, err)
	if err != nil && code != exitClosedPipe {
		prefix := "fairflip: "
		if code == exitInternal {
			prefix = "fairflip: internal error: "
		}
		if code == exitInterrupted {
			fmt.Fprintln(stderr, "fairflip: interrupted; no output was written")
		} else {
			fmt.Fprintln(stderr, prefix+flipcli.Message(err))
		}
	}
	return code
}
