//go:build race

package model

// raceEnabled is whether the tests run under the race detector (go test
// -race), which slows the largest cases down too much.
const raceEnabled = true
