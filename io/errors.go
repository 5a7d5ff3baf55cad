package tableio

import (
	"context"
	"errors"
	"io/fs"
	"runtime"
	"strings"
)

// The kinds of error this package returns, for errors.Is. Every error of a
// Table, a Rewriter or a conversion is of one kind (or is the context's,
// or one its caller's callback returned, unchanged): whoever calls this
// package decides from the kind what the user is told (the command line
// maps kinds to exit codes).
var (
	// ErrMalformed: the file's content is not a valid table of its format
	// (a *RowError is one, and says where), or it changed while it was
	// read. The user must fix the file.
	ErrMalformed = errors.New("malformed table")
	// ErrIO: reading or writing bytes failed (a disk, a pipe, a network
	// file system), not the content. An *fs.PathError is of this kind too.
	ErrIO = errors.New("input/output error")
	// ErrInternal: a check of this package's own work failed, or its code
	// panicked: a bug in fairflip, whatever the file holds.
	ErrInternal = errors.New("internal error")
)

// kindError is err, of a kind.
type kindError struct {
	kind, err error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }

// withKind marks err as of kind.
func withKind(kind, err error) error {
	if err == nil {
		return nil
	}
	return &kindError{kind: kind, err: err}
}

// kindSentinel is a sentinel error of a kind: errors.Is finds both.
type kindSentinel struct {
	msg  string
	kind error
}

func (e kindSentinel) Error() string        { return e.msg }
func (e kindSentinel) Is(target error) bool { return target == e.kind }

// Is reports a RowError as ErrMalformed.
func (e *RowError) Is(target error) bool { return target == ErrMalformed }

// Is reports a MismatchError (what was written is not what was asked) as
// ErrInternal.
func (e *MismatchError) Is(target error) bool { return target == ErrInternal }

// Is reports a TableChangedError as ErrMalformed: the file is not the one
// the first pass read.
func (e *TableChangedError) Is(target error) bool { return target == ErrMalformed }

// hasKind reports whether err already says what it is.
func hasKind(err error) bool {
	return errors.Is(err, ErrMalformed) || errors.Is(err, ErrIO) || errors.Is(err, ErrInternal) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// callerError carries an error returned by a caller's callback (Read's fn,
// a Rewrite's New or Check) through this package unchanged: it is the
// caller's to classify.
type callerError struct{ err error }

func (e callerError) Error() string { return e.err.Error() }
func (e callerError) Unwrap() error { return e.err }

// fromCaller wraps a callback's error (nil stays nil).
func fromCaller(err error) error {
	if err == nil {
		return nil
	}
	return callerError{err}
}

// kindOf gives an error that leaves a format without a kind its kind: a
// caller's error as the caller returned it; a file system error ErrIO;
// anything else the default (a Parquet reader's errors without a kind are
// parquet-go's about the file's content: ErrMalformed).
func kindOf(err error, def error) error {
	var ce callerError
	var pe *fs.PathError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return ce.err
	case hasKind(err):
		return err
	case errors.As(err, &pe):
		return withKind(ErrIO, err)
	}
	return withKind(def, err)
}

// panicInFairflip reports whether the panic being recovered (its caller
// must be a deferred function that called recover) was raised in
// fairflip's own code rather than in a library it calls (parquet-go and
// its codecs, which panic on some corrupt files). The frame that decides
// is the innermost one, outside the runtime and the standard library, of
// the panicking goroutine's stack.
func panicInFairflip() bool {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	panicking := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			panicking = true
		case panicking && !strings.HasPrefix(f.Function, "runtime."):
			if path := f.Function; isModulePath(path) {
				return strings.HasPrefix(path, "github.com/fairflip/fairflip/")
			}
		}
		if !more {
			return true // no library frame: the panic is ours
		}
	}
}

// isModulePath reports whether a function's full name is in a module
// outside the standard library (its first path element has a dot).
func isModulePath(fn string) bool {
	first, _, _ := strings.Cut(fn, "/")
	return strings.Contains(first, ".")
}
