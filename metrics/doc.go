// Package metrics measures a binary classifier's predictions per group: the
// misclassification error and the group-fairness gaps used by "Fairness for
// the People, by the People: Minority Collective Action" (arXiv 2508.15374),
// statistical parity (SP) and equalized odds (EqOd).
//
// The functions are pure functions over slices. Labels and predictions are
// bools (true = positive, the favourable outcome); each row belongs to the
// minority, the majority or neither ([Group]). Predictions are scored against
// the true labels of the same rows (in fairflip: the test set's original,
// unflipped labels).
//
// # Undefined values
//
// A rate whose denominator is zero (any rate of an empty group, the TPR of a
// group without positive labels, the FPR of a group without negative labels)
// is undefined and is NaN, never 0. Every metric built from an undefined rate
// is NaN too. Test with [math.IsNaN]. Empty input gives NaN everywhere and
// does not panic. [Report] marshals NaN to JSON as null and [Report.WriteTable]
// prints it as "undefined".
//
// # Correspondence with fairlearn and AIF360
//
// With the minority as AIF360's unprivileged group and the majority as its
// privileged group, and with fairlearn given a sensitive feature holding the
// two groups (rows in neither group left out):
//
//	Report.SP       = fairlearn demographic_parity_difference
//	                = |AIF360 statistical_parity_difference|
//	Report.EqOdMax  = fairlearn equalized_odds_difference (agg="worst_case", the default)
//	Report.EqOdMean = fairlearn equalized_odds_difference (agg="mean", fairlearn ≥ 0.10)
//	                = AIF360 average_abs_odds_difference
//	                = the paper's EqOd
//	Report.TPRGap   = AIF360 equal_opportunity_difference
//
// These libraries return 0 (or NaN with a warning) for some undefined rates;
// this package always returns NaN for them.
package metrics
