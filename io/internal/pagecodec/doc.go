// Package pagecodec holds the reference reader's own decoders of Parquet page
// data, written from the Parquet specification (Encodings.md) and the codecs'
// own specifications, independent of parquet-go: levels (the RLE/bit-packed
// hybrid and the deprecated BIT_PACKED), dictionary indexes,
// DELTA_BINARY_PACKED, and the SNAPPY and LZ4_RAW block formats.
//
// They are pure functions on bytes: no I/O, no allocation beyond what the
// caller gives them or what the decoded values take, and no panic or endless
// loop whatever the input (FuzzDecoders). The reference reader of package
// tableio (io/parquet_ref.go) decodes the pages of a column chunk with them to
// check a rewrite without trusting the decoder whose output it checks.
package pagecodec

import "errors"

// ErrCorrupt is the error for data whose structure is broken (a length or a
// count that does not fit in it).
var ErrCorrupt = errors.New("corrupt page")
