// Package model implements the numerics of fairflip: feature columns and
// their encoding, an L2-regularised logistic regression, exact k-nearest
// neighbour search and the three counterfactual-label scorers (RB-prob,
// RB-label and RB-dist) of "Fairness for the People, by the People:
// Minority Collective Action" (arXiv 2508.15374).
//
// Minority members with a negative label are scored by an estimate of how
// likely their label would be positive had they been in the majority, using
// the majority rows as the reference.
//
// The package imports only the standard library and gonum. It does no file
// I/O. Functions return errors for bad input; methods documented as
// panicking only do so on programmer errors (mismatched shapes that a
// preceding constructor has already been given the chance to reject).
//
// # Data flow
//
// Raw cells are accumulated per column with a [ColumnBuilder], giving
// [Column] values. [FitEncoder] fits standardisation and one-hot level sets
// on the reference rows, and [Encoder.Encode] turns any rows into a compact
// [Matrix]: standardised numeric features plus integer category codes. The
// one-hot expansion is never materialised; distances and the logistic
// regression work directly on the codes.
package model
