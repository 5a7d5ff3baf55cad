package scorer

import (
	"fmt"

	"github.com/fairflip/fairflip/model"
)

// rbLabel scores by the labels of the k nearest reference rows:
//
//	Primary   = #{positive labels among the k nearest reference rows}
//	Secondary = −(mean distance to the k nearest positive reference rows)
//	Positive  = Primary > k/2 (strictly more than half)
//
// Distances are Euclidean on the encoded features (model.KNN). Fewer
// reference rows (positive rows) than k are searched whole, with a
// notice; with no positive reference row every candidate scores 0.
var rbLabel = &Method{
	Name:   "rb-label",
	Help:   "the number of positive labels among the k nearest reference rows (auto: more than k/2)",
	Learns: true,
	Auto:   true,
	UsesK:  true,
	Fit: func(ref Reference, p Params) (Fitted, []string, error) {
		var notices []string
		if who, positive, ok := singleLabel(ref.Y); ok {
			what := scoreZeroNotice
			if positive {
				what = fmt.Sprintf("every candidate gets the score %d: --flips auto flips them all, and a count or share takes the candidates nearest the reference rows first", model.EffectiveK(p.K, len(ref.Y)))
			}
			notices = append(notices, who+": "+what)
		}
		if n := fewerThanK(ref.Y, p.K, false); n != "" {
			notices = append(notices, n)
		}
		return fitKNN(ref, p, false), notices, nil
	},
	Decode: decodeKNN,
}
