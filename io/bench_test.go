package tableio

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/parquet-go/parquet-go"
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

// benchAdultRow is an Adult row as DuckDB writes it: every column optional,
// ZSTD, dictionary-encoded but for fnlwgt.
type benchAdultRow struct {
	Age           *int64  `parquet:"age,dict,zstd"`
	Workclass     *string `parquet:"workclass,dict,zstd"`
	Fnlwgt        *int64  `parquet:"fnlwgt,zstd"`
	Education     *string `parquet:"education,dict,zstd"`
	EducationNum  *int64  `parquet:"education_num,dict,zstd"`
	MaritalStatus *string `parquet:"marital_status,dict,zstd"`
	Occupation    *string `parquet:"occupation,dict,zstd"`
	Relationship  *string `parquet:"relationship,dict,zstd"`
	Race          *string `parquet:"race,dict,zstd"`
	Sex           *string `parquet:"sex,dict,zstd"`
	CapitalGain   *int64  `parquet:"capital_gain,dict,zstd"`
	CapitalLoss   *int64  `parquet:"capital_loss,dict,zstd"`
	HoursPerWeek  *int64  `parquet:"hours_per_week,dict,zstd"`
	NativeCountry *string `parquet:"native_country,dict,zstd"`
	Income        *string `parquet:"income,dict,zstd"`
}

// adultParquet returns n Adult-shaped rows as Parquet, in row groups of
// 122,880 rows (DuckDB's default).
func adultParquet(b *testing.B, n int) []byte {
	pick := func(i int, s ...string) *string { return &s[i%len(s)] }
	num := func(v int64) *int64 { return &v }
	rows := make([]benchAdultRow, n)
	for i := range rows {
		rows[i] = benchAdultRow{
			Age:           num(int64(17 + i*7%73)),
			Workclass:     pick(i/3, "Private", "Self-emp-not-inc", "Local-gov", "State-gov", "Federal-gov"),
			Fnlwgt:        num(int64(10000 + i*7919%1400000)),
			Education:     pick(i/5, "Bachelors", "HS-grad", "Some-college", "Masters", "11th", "Assoc-voc", "Doctorate"),
			EducationNum:  num(int64(1 + i/5%16)),
			MaritalStatus: pick(i/7, "Never-married", "Married-civ-spouse", "Divorced", "Separated", "Widowed"),
			Occupation:    pick(i/11, "Adm-clerical", "Exec-managerial", "Handlers-cleaners", "Prof-specialty", "Sales", "Craft-repair", "Other-service"),
			Relationship:  pick(i/13, "Not-in-family", "Husband", "Wife", "Own-child", "Unmarried"),
			Race:          pick(i, "White", "Black", "Asian-Pac-Islander", "White", "Amer-Indian-Eskimo", "White", "Other"),
			Sex:           pick(i/2, "Male", "Female"),
			CapitalGain:   num(int64(i % 17 / 16 * 2174)),
			CapitalLoss:   num(int64(i % 23 / 22 * 1902)),
			HoursPerWeek:  num(int64(20 + i*3%60)),
			NativeCountry: pick(i/17, "United-States", "United-States", "Mexico", "United-States", "Philippines", "Germany"),
			Income:        pick(i/3, "<=50K", "<=50K", ">50K"),
		}
		if i%97 == 0 {
			rows[i].Workclass = nil
		}
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[benchAdultRow](&buf)
	for at := 0; at < n; at += 122880 {
		if _, err := w.Write(rows[at:min(n, at+122880)]); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkRewriteParquet rewrites 200k Adult-shaped rows with 1000 labels
// changed and an audit column appended (what flip writes), column by column
// (the default, on GOMAXPROCS goroutines, or on one) and row by row.
func BenchmarkRewriteParquet(b *testing.B) {
	data := adultParquet(b, 200000)
	p, err := OpenParquet(bytes.NewReader(data), int64(len(data)), "bench.parquet")
	if err != nil {
		b.Fatal(err)
	}
	income := len(p.Columns()) - 1
	set, audit := map[int64]string{}, map[int64]string{}
	for i := int64(0); i < 1000; i++ {
		row := i * 199
		set[row] = ">50K"
		audit[row] = fmt.Sprintf("fairflip/1 col=15 method=random score=0.%d was=<=50K", i)
	}
	rw := ParquetRewrite{Set: map[int]map[int64]string{income: set}, AppendColumn: "fairflip_audit", Append: audit, DropColumn: -1}
	for _, mode := range []struct {
		name    string
		byRows  bool
		workers int
	}{{"columns", false, 0}, {"columns-1goroutine", false, 1}, {"rows", true, 0}} {
		b.Run(mode.name, func(b *testing.B) {
			p.seams = parquetSeams{byRows: mode.byRows, workers: mode.workers}
			defer func() { p.seams = parquetSeams{} }()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := RewriteParquet(p, io.Discard, rw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyParquetRewrite checks the rewrite of BenchmarkRewriteParquet
// (every column of the output against the input, and its statistics), on
// GOMAXPROCS goroutines.
func BenchmarkVerifyParquetRewrite(b *testing.B) {
	data := adultParquet(b, 200000)
	p, err := OpenParquet(bytes.NewReader(data), int64(len(data)), "bench.parquet")
	if err != nil {
		b.Fatal(err)
	}
	income := len(p.Columns()) - 1
	set, audit := map[int64]string{}, map[int64]string{}
	for i := int64(0); i < 1000; i++ {
		row := i * 199
		set[row] = ">50K"
		audit[row] = fmt.Sprintf("fairflip/1 col=15 method=random score=0.%d was=<=50K", i)
	}
	rw := ParquetRewrite{Set: map[int]map[int64]string{income: set}, AppendColumn: "fairflip_audit", Append: audit, DropColumn: -1}
	var out bytes.Buffer
	if err := RewriteParquet(p, &out, rw); err != nil {
		b.Fatal(err)
	}
	q, err := OpenParquet(bytes.NewReader(out.Bytes()), int64(out.Len()), "out.parquet")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := VerifyParquetRewrite(p, q, rw); err != nil {
			b.Fatal(err)
		}
	}
}
