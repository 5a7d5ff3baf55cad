package sweep

import (
	"errors"
	"testing"

	"github.com/fairflip/fairflip/transform"
)

// TestErrorKinds: sweep's kinds are transform's (and fferr's), and a
// usage error of sweep is found by them.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	if ErrUsage != transform.ErrUsage || ErrData != transform.ErrData || ErrIO != transform.ErrIO || ErrInternal != transform.ErrInternal {
		t.Error("sweep's error kinds are not transform's")
	}
	if !errors.Is(errWeightsCmdFirm, ErrUsage) || errors.Is(errWeightsCmdFirm, ErrData) {
		t.Errorf("%v: not (only) a usage error", errWeightsCmdFirm)
	}
}
