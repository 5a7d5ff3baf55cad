// Package fferr classifies fairflip's errors by who can fix them, so that
// main maps each class to one documented exit code.
package fferr

import (
	"errors"
	"fmt"
)

// The classes. Test with errors.Is(err, fferr.ErrUsage).
var (
	// ErrUsage: the command line is wrong (a flag value, a column name, a
	// combination of flags). Exit code 2.
	ErrUsage = errors.New("usage error")
	// ErrData: the input data cannot be processed as asked (bad CSV, a label
	// that is neither positive nor negative, no majority rows...). Exit code 3.
	ErrData = errors.New("bad input data")
	// ErrIO: a file could not be read or written. Exit code 4.
	ErrIO = errors.New("input/output error")
	// ErrClosedOutput: the reader of the output went away (a write to a
	// pipe failed with EPIPE, as in "fairflip flip big.csv | head -1").
	// Nobody is left to read a message: exit code 141, like a process
	// killed by SIGPIPE, and nothing on stderr.
	ErrClosedOutput = errors.New("output closed by its reader")
)

type classified struct {
	class error
	err   error
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() []error {
	return []error{c.err, c.class}
}

// Wrap marks err as being of class.
func Wrap(class, err error) error {
	if err == nil {
		return nil
	}
	return &classified{class: class, err: err}
}

// Usage returns a usage error with a formatted message.
func Usage(format string, args ...any) error {
	return Wrap(ErrUsage, fmt.Errorf(format, args...))
}

// Data returns a data error with a formatted message.
func Data(format string, args ...any) error {
	return Wrap(ErrData, fmt.Errorf(format, args...))
}

// IO marks err as an I/O error.
func IO(err error) error { return Wrap(ErrIO, err) }

// ErrInternal: a check of fairflip's own work failed, or its code
// panicked: a bug, whatever the input. Exit code 1.
var ErrInternal = errors.New("internal error")

// sentinel is an error of a class that errors.Is finds as itself too.
type sentinel struct {
	msg   string
	class error
}

func (s *sentinel) Error() string        { return s.msg }
func (s *sentinel) Is(target error) bool { return target == s.class }

// Sentinel returns a new sentinel error, of class: errors.Is finds both.
func Sentinel(msg string, class error) error { return &sentinel{msg: msg, class: class} }
