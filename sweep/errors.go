package sweep

import "github.com/fairflip/fairflip/internal/fferr"

// The kinds of sweep's errors, for errors.Is: every error the package
// returns is of one of them. They are the same values as transform's.
var (
	// ErrUsage: the sweep is asked wrongly (a grid value, a combination).
	ErrUsage = fferr.ErrUsage
	// ErrData: the data cannot be swept as asked.
	ErrData = fferr.ErrData
	// ErrIO: a file could not be read or written.
	ErrIO = fferr.ErrIO
	// ErrInternal: fairflip's own bug.
	ErrInternal = fferr.ErrInternal
)
