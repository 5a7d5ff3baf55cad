package scorer

import (
	"encoding/binary"
	"errors"

	"github.com/fairflip/fairflip/internal/rowhash"
	"github.com/fairflip/fairflip/model"
)

// random is the baseline: each candidate's score is a uniform number in
// [0, 1) drawn from the keyed hash of (seed, its row key), so a run over
// the same rows split differently gives the same scores. It reads no
// feature and needs no reference, and has no estimate of the label.
var random = &Method{
	Name:   "random",
	Help:   "a seeded uniform score, the baseline (no estimate of the label, so no auto)",
	Seeded: true,
	Fit: func(_ Reference, p Params) (Fitted, []string, error) {
		return randomFit{seed: p.Seed}, nil, nil
	},
	Decode: func(data []byte, _ int) (Fitted, error) {
		if len(data) != 8 {
			return nil, errors.New("scorer: a fitted random is 8 bytes")
		}
		return randomFit{seed: binary.BigEndian.Uint64(data)}, nil
	},
}

type randomFit struct{ seed uint64 }

func (f randomFit) Score(c Candidates) (*model.Scores, error) {
	s := &model.Scores{Primary: make([]float64, len(c.Keys))}
	for i, k := range c.Keys {
		s.Primary[i] = rowhash.Uniform(f.seed, rowhash.Random, k)
	}
	s.Secondary = s.Primary
	return s, nil
}

func (f randomFit) MarshalBinary() ([]byte, error) {
	return binary.BigEndian.AppendUint64(nil, f.seed), nil
}
