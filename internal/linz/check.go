package linz

import (
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

// Result of one porcupine check.
type Checked struct {
	Name       string // "seats" or "small"
	Ops        int    // operations checked
	Partitions int
	Took       time.Duration
	Result     porcupine.CheckResult
	// Visualization is the HTML file porcupine drew of a history that is
	// not linearizable (or whose check timed out), when a directory for it
	// was given.
	Visualization string
	// Failed describes where the first partition found not linearizable
	// goes wrong (see firstIllegal).
	Failed []string
}

func (c Checked) String() string {
	return fmt.Sprintf("%s: %d operations in %d partitions, %s in %s", c.Name, c.Ops, c.Partitions, c.Result, c.Took.Round(time.Millisecond))
}

// Check runs porcupine on both events' histories. A history that is not
// Ok is checked again verbosely and drawn into dir (if not "").
func Check(h *History, timeout time.Duration, dir string) ([]Checked, error) {
	seatOps, err := SeatOperations(h)
	if err != nil {
		return nil, err
	}
	smallOps, err := EventOperations(h)
	if err != nil {
		return nil, err
	}
	var out []Checked
	for _, c := range []struct {
		name  string
		model porcupine.Model
		ops   []porcupine.Operation
	}{{"seats", SeatModel(), seatOps}, {"small", EventModel(), smallOps}} {
		if len(c.ops) == 0 {
			continue
		}
		parts := 1
		if c.model.Partition != nil {
			parts = len(c.model.Partition(c.ops))
		}
		start := time.Now()
		res := porcupine.CheckOperationsTimeout(c.model, c.ops, timeout)
		ck := Checked{Name: c.name, Ops: len(c.ops), Partitions: parts, Took: time.Since(start), Result: res}
		if res != porcupine.Ok && dir != "" {
			_, info := porcupine.CheckOperationsVerbose(c.model, c.ops, timeout)
			path := filepath.Join(dir, "linearizability-"+c.name+".html")
			if err := porcupine.VisualizePath(c.model, info, path); err != nil {
				return out, fmt.Errorf("draw %s: %w", c.name, err)
			}
			ck.Visualization = path
		}
		if res == porcupine.Illegal {
			ck.Failed = firstIllegal(c.model, c.ops, timeout)
		}
		out = append(out, ck)
	}
	return out, nil
}

// firstIllegal describes where the first partition of ops that is not
// linearizable on its own goes wrong: the shortest prefix (by call) that
// is not linearizable while one operation fewer is, ending in the
// operation that cannot be fitted in, and the 40 operations before it.
func firstIllegal(m porcupine.Model, ops []porcupine.Operation, timeout time.Duration) []string {
	parts := [][]porcupine.Operation{ops}
	if m.Partition != nil {
		parts = m.Partition(ops)
	}
	for _, p := range parts {
		if porcupine.CheckOperationsTimeout(m, p, timeout) != porcupine.Illegal {
			continue
		}
		p = append([]porcupine.Operation(nil), p...)
		sort.SliceStable(p, func(i, j int) bool { return p[i].Call < p[j].Call })
		lo, hi := 0, len(p) // p[:lo] is linearizable, p[:hi] is not
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if porcupine.CheckOperationsTimeout(m, p[:mid], timeout) == porcupine.Illegal {
				hi = mid
			} else {
				lo = mid
			}
		}
		out := []string{fmt.Sprintf("(operations %d to %d of %d in the partition; the last cannot be fitted in)", max(0, hi-41)+1, hi, len(p))}
		for _, op := range p[max(0, hi-41):hi] {
			ret := fmt.Sprintf("%.3fms", float64(op.Return)/1e6)
			if op.Return >= Never {
				ret = "never"
			}
			out = append(out, fmt.Sprintf("client %d [%.3fms, %s] %s", op.ClientId, float64(op.Call)/1e6, ret, m.DescribeOperation(op.Input, op.Output)))
		}
		return out
	}
	return nil
}
