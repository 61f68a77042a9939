// The peer for `npm run bench:inspect`: the same analysis done the way other Go
// tracers do it, with Go's standard debug/* packages and x/arch's decoder.
// Usage: peer -reps N -funcs a,b,c -structs x,y FILE
// Prints one JSON line: milliseconds per phase (median over reps) and max RSS.
package main

import (
	"debug/buildinfo"
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/arch/x86/x86asm"
)

type result struct {
	BuildInfo float64 `json:"buildInfo"`
	Functions float64 `json:"functions"`
	Returns   float64 `json:"returns"`
	Structs   float64 `json:"structs"`
	Total     float64 `json:"total"`
	FuncCount int     `json:"funcCount"`
	RetCount  int     `json:"retCount"`
	Found     int     `json:"structsFound"`
	MaxRSSKB  int64   `json:"maxRssKb"`
	Error     string  `json:"error,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func once(path string, funcs, structs []string, r *result) error {
	t0 := time.Now()
	if _, err := buildinfo.ReadFile(path); err != nil {
		return fmt.Errorf("buildinfo: %w", err)
	}
	t1 := time.Now()
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pcln := f.Section(".gopclntab")
	if pcln == nil {
		pcln = f.Section(".data.rel.ro.gopclntab")
	}
	text := f.Section(".text")
	data, err := pcln.Data()
	if err != nil {
		return err
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return err
	}
	r.FuncCount = len(tab.Funcs)
	t2 := time.Now()
	r.RetCount = 0
	for _, name := range funcs {
		fn := tab.LookupFunc(name)
		if fn == nil {
			continue
		}
		code := make([]byte, fn.End-fn.Entry)
		if _, err := text.ReadAt(code, int64(fn.Entry-text.Addr)); err != nil {
			return err
		}
		for off := 0; off < len(code); {
			inst, err := x86asm.Decode(code[off:], 64)
			if err != nil {
				return fmt.Errorf("%s+%d: %w", name, off, err)
			}
			if inst.Op == x86asm.RET {
				r.RetCount++
			}
			off += inst.Len
		}
	}
	t3 := time.Now()
	r.Found = 0
	if len(structs) > 0 {
		d, err := f.DWARF()
		if err == nil {
			want := map[string]bool{}
			for _, s := range structs {
				want[s] = true
			}
			rd := d.Reader()
			for e, err := rd.Next(); e != nil && err == nil && r.Found < len(structs); e, err = rd.Next() {
				if e.Tag != dwarf.TagStructType {
					continue
				}
				name, _ := e.Val(dwarf.AttrName).(string)
				if !want[name] {
					continue
				}
				t, err := d.Type(e.Offset)
				if err != nil {
					return err
				}
				st := t.(*dwarf.StructType)
				n := 0
				for _, fld := range st.Field {
					n += int(fld.ByteOffset)
				}
				_ = n
				delete(want, name)
				r.Found++
			}
		}
	}
	t4 := time.Now()
	r.BuildInfo, r.Functions, r.Returns, r.Structs, r.Total = ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(t3.Sub(t2)), ms(t4.Sub(t3)), ms(t4.Sub(t0))
	return nil
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func main() {
	reps := flag.Int("reps", 5, "repetitions")
	funcs := flag.String("funcs", "", "comma-separated function names")
	structs := flag.String("structs", "", "comma-separated struct names")
	flag.Parse()
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	var out result
	var phases [5][]float64
	for i := 0; i < *reps; i++ {
		var r result
		if err := once(flag.Arg(0), split(*funcs), split(*structs), &r); err != nil {
			out.Error = err.Error()
			break
		}
		out = r
		for j, v := range []float64{r.BuildInfo, r.Functions, r.Returns, r.Structs, r.Total} {
			phases[j] = append(phases[j], v)
		}
	}
	if out.Error == "" {
		out.BuildInfo, out.Functions, out.Returns, out.Structs, out.Total = median(phases[0]), median(phases[1]), median(phases[2]), median(phases[3]), median(phases[4])
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	out.MaxRSSKB = ru.Maxrss
	json.NewEncoder(os.Stdout).Encode(out)
}
