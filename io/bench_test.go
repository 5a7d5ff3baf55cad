package tableio

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// adultLike returns n CSV rows shaped like UCI Adult (15 columns, a header).
func adultLike(n int) []byte {
	var b bytes.Buffer
	b.WriteString("age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income\n")
	races := []string{"White", "Black", "Asian-Pac-Islander", "Other"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d,Private,%d,Bachelors,13,Never-married,Adm-clerical,Not-in-family,%s,Male,%d,0,40,United-States,%s\n",
			17+i%60, 10000+i*7919%900000, races[i%4], i%5*1000, []string{"<=50K", ">50K"}[i%4/3])
	}
	return b.Bytes()
}

// BenchmarkScanner reads 100k Adult-shaped rows and decodes two fields per row.
func BenchmarkScanner(b *testing.B) {
	data := adultLike(100000)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		s := NewScanner(bytes.NewReader(data), "bench", Dialect{Header: true})
		for {
			r, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if r.Kind == Data {
				_ = r.ValueBytes(8)
				_ = r.ValueBytes(14)
			}
		}
	}
}
