package scorer

// rbDist scores by the distance to the k nearest positive reference rows:
//
//	Primary   = −(mean distance to the k nearest positive reference rows)
//	Secondary = #{positive labels among the k nearest reference rows} (rb-label's score)
//	Positive  = mean distance to the k nearest positive reference rows
//	            < mean distance to the k nearest negative reference rows
//
// It refuses a k larger than the positive or the negative reference rows,
// except that with no negative reference row every candidate counts as
// nearer the positive rows; with no positive reference row its error
// matches ErrNoPositive.
var rbDist = &Method{
	Name:   "rb-dist",
	Help:   "minus the mean distance to the k nearest positive reference rows (auto: nearer them than the k nearest negative ones)",
	Learns: true,
	Auto:   true,
	UsesK:  true,
	Fit: func(ref Reference, p Params) (Fitted, []string, error) {
		var notices []string
		if who, positive, ok := singleLabel(ref.Y); ok && positive {
			// (With no positive row, Score refuses.)
			notices = append(notices, who+": every candidate counts as nearer the positive rows: --flips auto flips them all, and a count or share takes the candidates nearest the reference rows first")
		}
		return fitKNN(ref, p, true), notices, nil
	},
	Decode: decodeKNN,
}
