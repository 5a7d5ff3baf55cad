package transform

import (
	"strings"

	"github.com/fairflip/fairflip/internal/fferr"
)

// The kinds of transform's errors, for errors.Is: every error the package
// returns is of one of them (a ConfigError is of ErrUsage).
var (
	// ErrUsage: the request is wrong (a configuration value, a column name
	// that is not in the table, a combination of settings).
	ErrUsage = fferr.ErrUsage
	// ErrData: the input data cannot be processed as asked (a malformed
	// row, a label that is neither positive nor negative, ...).
	ErrData = fferr.ErrData
	// ErrIO: a file could not be read or written.
	ErrIO = fferr.ErrIO
	// ErrInternal: a check of fairflip's own work failed, or its code
	// panicked: a bug, whatever the input.
	ErrInternal = fferr.ErrInternal
)

// ErrConfig is the kind of every *ConfigError: a Config that Validate (or
// ParseFlips, CheckAuditColumn) refuses. It is of kind ErrUsage.
var ErrConfig = fferr.Sentinel("invalid configuration", fferr.ErrUsage)

// ConfigError is a Config that is not valid. Field is the JSON name of the
// field at fault, which is also the name of the fairflip flag that sets it.
// Its message names fields by those names; Render names them otherwise
// (fairflip's command line writes them as flags).
type ConfigError struct {
	Field string
	msg   []any // strings, and field references
}

// field is a reference to a configuration field (by its JSON name) in a
// ConfigError's message.
type field string

func configErr(name string, msg ...any) *ConfigError {
	return &ConfigError{Field: name, msg: msg}
}

// Render writes the message with each field named by name(field).
func (e *ConfigError) Render(name func(field string) string) string {
	var b strings.Builder
	for _, p := range e.msg {
		switch p := p.(type) {
		case field:
			b.WriteString(name(string(p)))
		case string:
			b.WriteString(p)
		}
	}
	return b.String()
}

func (e *ConfigError) Error() string {
	return e.Render(func(f string) string { return f })
}

// Is makes errors.Is find ErrConfig and ErrUsage in a ConfigError.
func (e *ConfigError) Is(target error) bool {
	return target == ErrConfig || target == fferr.ErrUsage
}
