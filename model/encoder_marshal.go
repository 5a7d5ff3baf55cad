package model

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// encoderWire is the serialised form of an Encoder: what a distributed run
// fits once and sends to the workers that encode the candidates.
type encoderWire struct {
	Cols []encColWire
	P    int
	Card []int
}

type encColWire struct {
	Name        string
	Numeric     bool
	Mean, Scale float64
	Unit        float64
	Indicator   bool
	Constant    bool
	NumIdx      int
	Kept        []string
	CatIdx      int
}

// MarshalBinary encodes the fitted encoder. UnmarshalBinary of the result
// gives an encoder that encodes every row to the same bits.
func (e *Encoder) MarshalBinary() ([]byte, error) {
	w := encoderWire{P: e.p, Card: e.card}
	for _, c := range e.cols {
		w.Cols = append(w.Cols, encColWire{
			Name: c.name, Numeric: c.numeric, Mean: c.mean, Scale: c.scale, Unit: c.unit,
			Indicator: c.indicator, Constant: c.constant, NumIdx: c.numIdx, Kept: c.kept, CatIdx: c.catIdx,
		})
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(w); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// UnmarshalBinary decodes an encoder written by MarshalBinary.
func (e *Encoder) UnmarshalBinary(data []byte) error {
	var w encoderWire
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return fmt.Errorf("model: decoding an encoder: %w", err)
	}
	*e = Encoder{p: w.P, card: w.Card, cols: make([]encCol, len(w.Cols))}
	for j, c := range w.Cols {
		ec := encCol{
			name: c.Name, numeric: c.Numeric, mean: c.Mean, scale: c.Scale, unit: c.Unit,
			indicator: c.Indicator, constant: c.Constant, numIdx: c.NumIdx, kept: c.Kept, catIdx: c.CatIdx,
		}
		if !c.Numeric {
			ec.code = make(map[string]int32, len(c.Kept))
			for k, lv := range c.Kept {
				ec.code[lv] = int32(k)
			}
		}
		e.cols[j] = ec
	}
	return nil
}
