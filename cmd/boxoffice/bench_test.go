package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestBenchCeilingSQLite runs the ceiling on a small SQLite file for a
// moment: every committed hold is found in the check, no claim is lost
// (each pair is tried once), and the scratch tables are gone afterwards.
func TestBenchCeilingSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "bench.db")
	c := benchConfig{database: "sqlite:" + path, ceilingDuration: 300 * time.Millisecond, ceilingSeats: 2_000}
	r, err := runCeiling(context.Background(), c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Engine != "sqlite" || r.Writers != 2 || r.Pairs != 1_000 || !strings.Contains(r.Durability, "synchronous=NORMAL") {
		t.Errorf("ceiling: %+v", r)
	}
	if r.Transactions == 0 || r.Lost != 0 || r.CheckedSeats != 2*int(r.Transactions) || r.TxPerSecond <= 0 || r.Latency.N != int(r.Transactions) {
		t.Errorf("ceiling figures: %+v", r)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'ceiling%'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d scratch tables left (%v)", left, err)
	}
}

// TestBenchReaders offers reads open loop to a fake server: the seat map
// answers (and must be asked for gzip), the offers fail, and with a server
// that stops answering, reads beyond the in-flight cap are dropped rather
// than delayed.
func TestBenchReaders(t *testing.T) {
	t.Parallel()
	t.Run("answers and errors", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Header.Get("Accept-Encoding") != "gzip":
				http.Error(w, "no gzip asked for", http.StatusBadRequest)
			case strings.HasSuffix(r.URL.Path, "/seats"):
				_, _ = w.Write([]byte(strings.Repeat("x", 2048)))
			default:
				http.Error(w, "boom", http.StatusInternalServerError)
			}
		}))
		defer srv.Close()
		rd := startReaders(context.Background(), []string{srv.URL}, "evt_1", "compact", 400, 64, time.Now())
		time.Sleep(500 * time.Millisecond)
		rd.stop()
		s := rd.summary()
		seats, offers := s.Endpoints["seats"], s.Endpoints["offers"]
		if seats.Offered < 60 || seats.Offered > 200 || offers.Offered < 60 || offers.Offered > 200 {
			t.Errorf("offered %d and %d in half a second at 400/s", seats.Offered, offers.Offered)
		}
		if seats.OK != seats.Offered || seats.Errors != 0 || seats.MeanBytes != 2048 || seats.Latency.N != int(seats.Offered) {
			t.Errorf("seats: %+v", seats)
		}
		if offers.OK != 0 || offers.Errors != int(offers.Offered) || offers.ErrorKind["http_500"] != offers.Errors {
			t.Errorf("offers: %+v", offers)
		}
		var out strings.Builder
		s.print(&out)
		if want := fmt.Sprintf("errors %d (http_500 %d), dropped", offers.Errors, offers.Errors); !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	})
	t.Run("the in-flight cap drops", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		var out, most atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := out.Add(1)
			defer out.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-release
		}))
		defer srv.Close()
		rd := startReaders(context.Background(), []string{srv.URL}, "evt_1", "compact", 200, 2, time.Now())
		time.Sleep(300 * time.Millisecond)
		close(release) // a read or two more may go out before stop
		rd.stop()
		s := rd.summary()
		seats, offers := s.Endpoints["seats"], s.Endpoints["offers"]
		sent := seats.Offered - seats.Dropped + offers.Offered - offers.Dropped
		if most.Load() > 2 || sent < 2 || sent > 6 || seats.Dropped+offers.Dropped < 40 {
			t.Errorf("with at most 2 in flight and none answered for 300ms: %d at once, %d sent, %d+%d dropped", most.Load(), sent,
				seats.Dropped, offers.Dropped)
		}
	})
}

// TestBenchReportAndChart writes a report of a made-up sale and reads it
// back: the JSON has every section and the per-second series, and the
// chart is well-formed SVG with its legend.
func TestBenchReportAndChart(t *testing.T) {
	t.Parallel()
	var holds, orders []timedLat
	for i := range 300 {
		at := time.Duration(i) * 10 * time.Millisecond
		holds = append(holds, timedLat{at: at, d: time.Duration(i%50) * time.Millisecond, ok: i%10 != 0})
		orders = append(orders, timedLat{at: at + 5*time.Millisecond, d: time.Duration(i%70) * time.Millisecond, ok: true})
	}
	rep := &benchReport{
		Config:  reportConfig{Flags: map[string]string{"buyers": "200", "readers-rate": "0"}, Database: "sqlite", Instances: 1, GoVersion: "go1"},
		Ceiling: &ceilingResult{Engine: "sqlite", Writers: 2, TxPerSecond: 4000},
		Service: serviceSummary{Orders: 300, ElapsedSeconds: 3, OrdersPerSecond: 100, HoldsPerSecond: 90},
		Ratio:   &ceilingRatio{OrdersPerCeilingTx: 0.025, HoldsPerCeilingTx: 0.0225},
		Series:  series(3*time.Second, holds, orders, nil, nil),
	}
	if len(rep.Series) != 3 || rep.Series[0].Orders != 100 || rep.Series[0].Holds != 90 || rep.Series[2].HoldP99Ms == nil {
		t.Fatalf("series: %+v", rep.Series)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	chart, err := writeReport(path, rep)
	if err != nil {
		t.Fatal(err)
	}
	if chart != strings.TrimSuffix(path, ".json")+".svg" {
		t.Errorf("chart at %s", chart)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"config", "ceiling", "service", "readers", "servers", "ratio", "series"} {
		if _, ok := got[k]; !ok {
			t.Errorf("report has no %q", k)
		}
	}
	svg, err := os.ReadFile(chart)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(strings.NewReader(string(svg)))
	for {
		if _, err := d.Token(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("chart is not well-formed: %v", err)
		}
	}
	for _, want := range []string{"orders/s", "holds/s", "hold p99", "order p99", "seconds since the sale opened", "4000 hold tx/s"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		v    float64
		n    int
		want float64
	}{{0, 5, 1}, {7, 5, 2}, {100, 5, 20}, {548, 10, 100}, {60000, 5, 20000}, {12, 5, 2.5}, {0.3, 5, 0.1}} {
		if got := niceStep(c.v, c.n); got != c.want {
			t.Errorf("niceStep(%v, %d) = %v, want %v", c.v, c.n, got, c.want)
		}
	}
}
