// Package rowhash is fairflip's one source of randomness: every random
// choice (the collective, the random scores, the reference sample, sweep's
// test split) is a pure function of (seed, purpose, row key), never a draw
// from one random stream in reading order. A run over the same rows split
// differently (many files, partitions, workers) therefore makes the same
// choices.
//
// The row key of a data row is its 0-based index among the data rows of the
// input; in a multi-file table, row r of file i has the key i<<40 | r, which
// is r for a single file. Rows of a --reference file use RefKeyBase + index.
package rowhash

// Purposes, so that the choices made with one seed are independent of each
// other.
const (
	Collective uint64 = 0x636f6c6c65637469 // "collecti"
	Random     uint64 = 0x72616e646f6d5363 // "randomSc"
	Reference  uint64 = 0x7265666572656e63 // "referenc"
	// PostProcess draws the randomised predictions of sweep's firm-side
	// post-processing baselines (keyed by test row).
	PostProcess uint64 = 0x706f737470726f63 // "postproc"
	// Withhold draws which test rows calibrated equalized odds withholds.
	Withhold uint64 = 0x7769746868656c64 // "withheld"
	// Reductions draws the randomised predictions of sweep's
	// exponentiated-gradient baseline (keyed by test row).
	Reductions uint64 = 0x7265647563746e73 // "reductns"
)

// RefKeyBase is the key of the first row of a --reference file.
const RefKeyBase uint64 = 1 << 62

// mix64 is the SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijection on
// uint64 with full avalanche.
func mix64(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}

// Hash is the keyed hash of (seed, purpose, key).
func Hash(seed, purpose, key uint64) uint64 {
	h := mix64(seed ^ 0x9e3779b97f4a7c15)
	h = mix64(h ^ purpose)
	return mix64(h ^ key)
}

// Uniform maps (seed, purpose, key) to a number in [0, 1) with 53 random bits.
func Uniform(seed, purpose, key uint64) float64 {
	return float64(Hash(seed, purpose, key)>>11) / (1 << 53)
}
