package scorer

// rbDist scores by the distance to the k nearest positive reference rows:
//
//	Primary   = −(mean distance to the k nearest positive reference rows)
//	Secondary = #{positive labels among the k nearest reference rows} (rb-label's score)
//	Positive  = mean distance to the k nearest positive reference rows
//	            < mean distance to the k nearest negative reference rows
//
// Fewer positive (negative) reference rows than k are searched whole, with
// a notice. With no negative reference row every candidate counts as
// nearer the positive rows; with no positive reference row the distance
// is undefined and every candidate scores 0 (as rb-label's do then).
var rbDist = &Method{
	Name:   "rb-dist",
	Help:   "minus the mean distance to the k nearest positive reference rows (auto: nearer them than the k nearest negative ones)",
	Learns: true,
	Auto:   true,
	UsesK:  true,
	Fit: func(ref Reference, p Params) (Fitted, []string, error) {
		var notices []string
		if who, positive, ok := singleLabel(ref.Y); ok {
			what := scoreZeroNotice
			if positive {
				what = "every candidate counts as nearer the positive rows: --flips auto flips them all, and a count or share takes the candidates nearest the reference rows first"
			}
			notices = append(notices, who+": "+what)
		}
		if n := fewerThanK(ref.Y, p.K, true); n != "" {
			notices = append(notices, n)
		}
		return fitKNN(ref, p, true), notices, nil
	},
	Decode: decodeKNN,
}
