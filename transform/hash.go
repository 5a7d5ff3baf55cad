package transform

// Every random choice is a pure function of (seed, purpose, row key): see
// package rowhash, which holds the one keyed hash, its purposes and the
// row keys. These names are transform's short forms of it.

import "github.com/fairflip/fairflip/internal/rowhash"

const (
	purposeCollective = rowhash.Collective
	purposeReference  = rowhash.Reference
	refKeyBase        = rowhash.RefKeyBase
)

// keyedHash is rowhash.Hash.
func keyedHash(seed, purpose, key uint64) uint64 { return rowhash.Hash(seed, purpose, key) }
