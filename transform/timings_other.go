//go:build !linux

package transform

// peakRSS is 0: the peak resident memory is read on Linux only.
func peakRSS() uint64 { return 0 }
