package pipeline

// Coders: every element type travels gob-encoded (exported fields, floats
// bit for bit, NaN included). The functions are plain (not generic) so
// that Beam registers each under its own name, and a worker (even a
// stripped binary) finds them.

import (
	"bytes"
	"encoding/gob"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/fairflip/fairflip/transform"
)

func gobEncode(v any) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(v)
	return b.Bytes(), err
}

func gobDecode(data []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(data)).Decode(v)
}

func encDistFile(v *transform.DistFile) ([]byte, error) { return gobEncode(v) }
func decDistFile(data []byte) (*transform.DistFile, error) {
	var v transform.DistFile
	err := gobDecode(data, &v)
	return &v, err
}

func encShard(v transform.Shard) ([]byte, error) { return gobEncode(v) }
func decShard(data []byte) (transform.Shard, error) {
	var v transform.Shard
	err := gobDecode(data, &v)
	return v, err
}

// A batch and the reference rows are the large values: they have their own
// fixed-width wire form (transform/dist_wire.go), used without gob's copy.
func encBatch(v *transform.Batch) ([]byte, error) { return v.MarshalBinary() }
func decBatch(data []byte) (*transform.Batch, error) {
	v := new(transform.Batch)
	return v, v.UnmarshalBinary(data)
}

func encShardRows(v transform.ShardRows) ([]byte, error) { return gobEncode(v) }
func decShardRows(data []byte) (transform.ShardRows, error) {
	var v transform.ShardRows
	err := gobDecode(data, &v)
	return v, err
}

func encOffsets(v *transform.Offsets) ([]byte, error) { return gobEncode(v) }
func decOffsets(data []byte) (*transform.Offsets, error) {
	var v transform.Offsets
	err := gobDecode(data, &v)
	return &v, err
}

func encStats(v *transform.Stats) ([]byte, error) { return gobEncode(v) }
func decStats(data []byte) (*transform.Stats, error) {
	var v transform.Stats
	err := gobDecode(data, &v)
	return &v, err
}

func encLevels(v *transform.Levels) ([]byte, error) { return gobEncode(v) }
func decLevels(data []byte) (*transform.Levels, error) {
	var v transform.Levels
	err := gobDecode(data, &v)
	return &v, err
}

func encSpec(v *transform.Spec) ([]byte, error) { return gobEncode(v) }
func decSpec(data []byte) (*transform.Spec, error) {
	var v transform.Spec
	err := gobDecode(data, &v)
	return &v, err
}

func encSmallest(v *transform.Smallest) ([]byte, error) { return gobEncode(v) }
func decSmallest(data []byte) (*transform.Smallest, error) {
	var v transform.Smallest
	err := gobDecode(data, &v)
	return &v, err
}

func encScorer(v *transform.Scorer) ([]byte, error) { return gobEncode(v) }
func decScorer(data []byte) (*transform.Scorer, error) {
	var v transform.Scorer
	err := gobDecode(data, &v)
	return &v, err
}

func encTop(v *transform.Top) ([]byte, error) { return gobEncode(v) }
func decTop(data []byte) (*transform.Top, error) {
	var v transform.Top
	err := gobDecode(data, &v)
	return &v, err
}

func encDistPlan(v *transform.DistPlan) ([]byte, error) { return gobEncode(v) }
func decDistPlan(data []byte) (*transform.DistPlan, error) {
	var v transform.DistPlan
	err := gobDecode(data, &v)
	return &v, err
}

func encFileList(v *FileList) ([]byte, error) { return gobEncode(v) }
func decFileList(data []byte) (*FileList, error) {
	var v FileList
	err := gobDecode(data, &v)
	return &v, err
}

func encPool(v *Pool) ([]byte, error) { return gobEncode(v) }
func decPool(data []byte) (*Pool, error) {
	var v Pool
	err := gobDecode(data, &v)
	return &v, err
}

func encWritten(v Written) ([]byte, error) { return gobEncode(v) }
func decWritten(data []byte) (Written, error) {
	var v Written
	err := gobDecode(data, &v)
	return v, err
}

func encWrittenList(v *WrittenList) ([]byte, error) { return gobEncode(v) }
func decWrittenList(data []byte) (*WrittenList, error) {
	var v WrittenList
	err := gobDecode(data, &v)
	return &v, err
}

func encOffsetsAcc(v *offsetsAcc) ([]byte, error) { return gobEncode(v) }
func decOffsetsAcc(data []byte) (*offsetsAcc, error) {
	var v offsetsAcc
	err := gobDecode(data, &v)
	return &v, err
}

func encRefRows(v *transform.RefRows) ([]byte, error) { return v.MarshalBinary() }
func decRefRows(data []byte) (*transform.RefRows, error) {
	v := new(transform.RefRows)
	return v, v.UnmarshalBinary(data)
}

func registerCoders() {
	beam.RegisterCoder(reflect.TypeOf((*transform.RefRows)(nil)), encRefRows, decRefRows)
	beam.RegisterCoder(reflect.TypeOf((*transform.DistFile)(nil)), encDistFile, decDistFile)
	beam.RegisterCoder(reflect.TypeOf((*transform.Shard)(nil)).Elem(), encShard, decShard)
	beam.RegisterCoder(reflect.TypeOf((*transform.Batch)(nil)), encBatch, decBatch)
	beam.RegisterCoder(reflect.TypeOf((*transform.ShardRows)(nil)).Elem(), encShardRows, decShardRows)
	beam.RegisterCoder(reflect.TypeOf((*transform.Offsets)(nil)), encOffsets, decOffsets)
	beam.RegisterCoder(reflect.TypeOf((*transform.Stats)(nil)), encStats, decStats)
	beam.RegisterCoder(reflect.TypeOf((*transform.Levels)(nil)), encLevels, decLevels)
	beam.RegisterCoder(reflect.TypeOf((*transform.Spec)(nil)), encSpec, decSpec)
	beam.RegisterCoder(reflect.TypeOf((*transform.Smallest)(nil)), encSmallest, decSmallest)
	beam.RegisterCoder(reflect.TypeOf((*transform.Scorer)(nil)), encScorer, decScorer)
	beam.RegisterCoder(reflect.TypeOf((*transform.Top)(nil)), encTop, decTop)
	beam.RegisterCoder(reflect.TypeOf((*transform.DistPlan)(nil)), encDistPlan, decDistPlan)
	beam.RegisterCoder(reflect.TypeOf((*FileList)(nil)), encFileList, decFileList)
	beam.RegisterCoder(reflect.TypeOf((*Pool)(nil)), encPool, decPool)
	beam.RegisterCoder(reflect.TypeOf((*Written)(nil)).Elem(), encWritten, decWritten)
	beam.RegisterCoder(reflect.TypeOf((*WrittenList)(nil)), encWrittenList, decWrittenList)
	beam.RegisterCoder(reflect.TypeOf((*offsetsAcc)(nil)), encOffsetsAcc, decOffsetsAcc)
}
