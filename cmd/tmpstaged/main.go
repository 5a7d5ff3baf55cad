package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	tableio "github.com/fairflip/fairflip/io"
	"github.com/fairflip/fairflip/transform"
)

func main() {
	method := flag.String("method", "rb-prob", "")
	in := flag.String("in", "", "")
	prof := flag.String("prof", "", "")
	flag.Parse()
	o := transform.Options{Sensitive: []string{"race"}, Minority: []string{"Black"}, Label: "income", Positive: []string{">50K"},
		Method: *method, Flips: transform.FlipRule{Kind: transform.FlipCount, N: 1000}, MaxFlips: -1, Seed: 1, Dialect: tableio.Dialect{Header: true}}
	if *prof != "" {
		f, _ := os.Create(*prof)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	t := time.Now()
	files, dp, err := o.PlanStaged(context.Background(), strings.Split(*in, ","), 0)
	if err != nil {
		panic(err)
	}
	fmt.Println("plan", time.Since(t), dp.Summary.Flips)
	for _, f := range files {
		out, _ := os.Create("/tmp/bb/staged.csv")
		if err := o.WriteDist(context.Background(), f, dp, out); err != nil {
			panic(err)
		}
		out.Close()
	}
	fmt.Println("total", time.Since(t))
}
