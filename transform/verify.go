package transform

import (
	"fmt"
	"slices"

	"github.com/fairflip/fairflip/internal/fferr"
)

// Invariants. flip checks its own output before it writes it, and stops with
// an internal error (exit code 1, no output file) if any of these fails:
//
//   - the plan flips at most --max-flips distinct rows, all in the candidate
//     pool (collective members of the minority with a negative label), in
//     ascending order (checkRows, when the plan is made);
//   - CSV, every record, re-read from the output bytes by a second scanner
//     before the bytes are written (verifier): the same kind of record in
//     the same order, with the same line terminator; every cell but the
//     label and the audit cell byte-identical; the label cell unchanged on
//     rows not in the plan, and on planned rows a positive value where the
//     input had a negative one, in a row whose sensitive cells are in the
//     minority; the audit cell non-empty exactly on planned rows; and undo's
//     own code, applied to the output record, gives back the input record
//     byte for byte;
//   - the output has as many data rows and flips as the plan (Write).
//
// The check costs a second parse of every output record.

// errInvariant marks a broken invariant: a bug in fairflip, never bad input.
var errInvariant = fferr.Sentinel("internal check failed", fferr.ErrInternal)

func invariantf(format string, args ...any) error {
	// Not classified: main maps it to exit code 1, an internal error.
	return fmt.Errorf("%w: %s; the output is not valid and was not committed. This is a bug in fairflip: please report it with the command line", errInvariant, fmt.Sprintf(format, args...))
}

// checkRows checks the plan's rows against the pool and the flip limit.
func (p *Plan) checkRows() error {
	if !slices.IsSorted(p.Rows) || len(slices.Compact(slices.Clone(p.Rows))) != len(p.Rows) {
		return invariantf("the planned rows are not distinct and ascending")
	}
	if len(p.Scores) != len(p.Rows) {
		return invariantf("%d scores for %d planned rows", len(p.Scores), len(p.Rows))
	}
	if p.Summary.MaxFlips > 0 && len(p.Rows) > p.Summary.MaxFlips {
		return invariantf("%d flips planned, more than --max-flips %d", len(p.Rows), p.Summary.MaxFlips)
	}
	for _, r := range p.Rows {
		if _, ok := slices.BinarySearch(p.pool, r); !ok {
			return invariantf("row %d is planned but is not in the candidate pool", r)
		}
	}
	return nil
}
