package model

import (
	"fmt"
	"math"

	"github.com/fairflip/fairflip/internal/wire"
)

// MarshalBinary encodes the matrix in the fixed-width wire form (package
// wire): a distributed rb-label or rb-dist sends its whole encoded
// reference to every worker that scores, and gob's per-number varints
// made that slower than the scoring. gob uses this method.
func (m *Matrix) MarshalBinary() ([]byte, error) {
	if err := m.validateShape(); err != nil {
		return nil, fmt.Errorf("model: encoding a matrix: %w", err)
	}
	levels := 1
	cards := make([]int64, len(m.Card))
	for q, c := range m.Card {
		levels, cards[q] = max(levels, c), int64(c)
	}
	w := &wire.Writer{B: make([]byte, 0, 64+8*len(m.Num)+4*len(m.Cat)+8*len(m.Card))}
	w.Int(int64(m.N))
	w.Int(int64(m.P))
	w.Int(int64(m.Q))
	w.Float64s(m.Num)
	w.Int64s(cards)
	w.Int(int64(levels))
	w.Codes(m.Cat, levels)
	return w.B, nil
}

// UnmarshalBinary decodes a matrix written by MarshalBinary, refusing one
// that is not well formed (Validate).
func (m *Matrix) UnmarshalBinary(data []byte) error {
	r := &wire.Reader{B: data}
	x := Matrix{N: int(r.Int()), P: int(r.Int()), Q: int(r.Int())}
	x.Num = r.Float64s()
	for _, c := range r.Int64s() {
		if c < 1 || c > math.MaxInt32 {
			r.Fail()
			break
		}
		x.Card = append(x.Card, int(c))
	}
	levels := r.Int()
	if levels < 1 || levels > math.MaxInt32 {
		r.Fail()
	}
	x.Cat = r.Codes(int(levels))
	if r.Err == nil && len(r.B) != 0 {
		r.Fail()
	}
	if r.Err != nil {
		return fmt.Errorf("model: decoding a matrix: %w", r.Err)
	}
	if err := x.Validate(); err != nil {
		return fmt.Errorf("model: decoding a matrix: %w", err)
	}
	*m = x
	return nil
}
