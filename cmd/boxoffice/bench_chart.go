package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// The chart of a bench report: two panels over the seconds of the sale,
// throughput above (orders and holds completed in each second) and p99
// latency below (holds, orders, and the readers' endpoints when they ran),
// drawn as plain SVG so that any browser shows it and nothing needs to be
// installed.

const (
	chartW, chartH           = 960.0, 670.0
	chartLeft, chartRight    = 80.0, 30.0
	chartPanelH, chartPanelG = 210.0, 75.0 // a panel's plot height, the gap below it
	chartTop                 = 105.0
)

// chartLine is one series of a panel; nil values are gaps.
type chartLine struct {
	name, color string
	dashed      bool
	v           []*float64
}

func chartSVG(r *benchReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n",
		chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	s := r.Service
	text(&b, chartLeft, 24, "start", 15, "bold", fmt.Sprintf("boxoffice bench: %s, %s, %s buyers: %d orders in %.1f s, %.0f orders/s, %.0f holds/s",
		orDash(r.Config.Database), plural(r.Config.Instances, "instance"), r.Config.Flags["buyers"], s.Orders, s.ElapsedSeconds,
		s.OrdersPerSecond, s.HoldsPerSecond))
	ceiling := "database ceiling: not measured (" + r.CeilingSkipped + ")"
	if c := r.Ceiling; c != nil && r.Ratio != nil {
		ceiling = fmt.Sprintf("database ceiling: %.0f hold tx/s (bare, %d writers); orders/s ÷ ceiling = %.3f, holds/s ÷ ceiling = %.3f",
			c.TxPerSecond, c.Writers, r.Ratio.OrdersPerCeilingTx, r.Ratio.HoldsPerCeilingTx)
	}
	text(&b, chartLeft, 44, "start", 13, "normal", ceiling)
	text(&b, chartLeft, 63, "start", 12, "normal", fmt.Sprintf("commit %s, %s, nproc %d, load average %s → %s, payment latency %s, readers %s/s",
		orDash(short(r.Config.GitCommit)), r.Config.GoVersion, r.Config.NProc, loads(r.Config.LoadAvgStart), loads(r.Config.LoadAvgEnd),
		r.Config.PaymentLatency, r.Config.Flags["readers-rate"]))

	n := len(r.Series)
	orders, holds := make([]*float64, n), make([]*float64, n)
	holdP, orderP, seatsP, offersP := make([]*float64, n), make([]*float64, n), make([]*float64, n), make([]*float64, n)
	for i, iv := range r.Series {
		o, h := float64(iv.Orders), float64(iv.Holds)
		orders[i], holds[i] = &o, &h
		holdP[i], orderP[i], seatsP[i], offersP[i] = iv.HoldP99Ms, iv.OrderP99Ms, iv.SeatsP99Ms, iv.OffersP99Ms
	}
	panel(&b, chartTop, n, "completed per second", []chartLine{
		{name: "orders/s", color: "#1f77b4", v: orders},
		{name: "holds/s", color: "#7fb2e5", dashed: true, v: holds},
	})
	lat := []chartLine{
		{name: "hold p99", color: "#ff7f0e", v: holdP},
		{name: "order p99", color: "#d62728", v: orderP},
	}
	if r.Readers != nil {
		lat = append(lat, chartLine{name: "readers: seats p99", color: "#2ca02c", dashed: true, v: seatsP},
			chartLine{name: "readers: offers p99", color: "#9467bd", dashed: true, v: offersP})
	}
	top2 := chartTop + chartPanelH + chartPanelG
	panel(&b, top2, n, "p99 latency per second (ms)", lat)
	text(&b, chartLeft+(chartW-chartLeft-chartRight)/2, top2+chartPanelH+42, "middle", 13, "normal", "seconds since the sale opened")
	b.WriteString("</svg>\n")
	return b.String()
}

// panel draws one plot: axes, grid, ticks, lines and a legend.
func panel(b *strings.Builder, top float64, n int, yLabel string, lines []chartLine) {
	w := chartW - chartLeft - chartRight
	bottom := top + chartPanelH
	maxV := 0.0
	for _, l := range lines {
		for _, v := range l.v {
			if v != nil {
				maxV = math.Max(maxV, *v)
			}
		}
	}
	yStep := niceStep(maxV, 5)
	yMax := math.Max(yStep, math.Ceil(maxV/yStep)*yStep)
	x := func(t float64) float64 { return chartLeft + t/float64(max(n, 1))*w }
	y := func(v float64) float64 { return bottom - v/yMax*chartPanelH }

	for v := 0.0; v <= yMax+yStep/1e6; v += yStep {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e5e5e5"/>`+"\n", chartLeft, y(v), chartLeft+w, y(v))
		text(b, chartLeft-6, y(v)+4, "end", 11, "normal", tickLabel(v))
	}
	xStep := niceStep(float64(n), 10)
	for t := 0.0; t <= float64(n)+xStep/1e6; t += xStep {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`+"\n", x(t), bottom, x(t), bottom+5)
		text(b, x(t), bottom+18, "middle", 11, "normal", tickLabel(t))
	}
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#333"/>`+"\n", chartLeft, top, w, chartPanelH)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12" transform="rotate(-90 %.1f %.1f)">%s</text>`+"\n",
		chartLeft-52, top+chartPanelH/2, chartLeft-52, top+chartPanelH/2, html.EscapeString(yLabel))

	for _, l := range lines {
		dash := ""
		if l.dashed {
			dash = ` stroke-dasharray="6 3"`
		}
		// One polyline per run of values without a gap; markers too when
		// the seconds are few enough to see them.
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="1.6"%s points="%s"/>`+"\n", l.color, dash, strings.Join(pts, " "))
			}
			pts = pts[:0]
		}
		for i, v := range l.v {
			if v == nil {
				flush()
				continue
			}
			px, py := x(float64(i)+0.5), y(*v)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px, py))
			if n <= 60 {
				fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.2" fill="%s"/>`+"\n", px, py, l.color)
			}
		}
		flush()
	}

	// The legend, in a row above the plot, where it hides no data.
	lx := chartLeft
	for _, l := range lines {
		dash := ""
		if l.dashed {
			dash = ` stroke-dasharray="6 3"`
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", lx, top-12, lx+28, top-12, l.color, dash)
		text(b, lx+34, top-8, "start", 12, "normal", l.name)
		lx += 50 + 7*float64(len(l.name))
	}
}

func text(b *strings.Builder, x, y float64, anchor string, size int, weight, s string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%d" font-weight="%s">%s</text>`+"\n", x, y, anchor, size, weight, html.EscapeString(s))
}

// niceStep is a step of 1, 2, 2.5 or 5 times a power of ten that cuts
// [0, v] into about n parts.
func niceStep(v float64, n int) float64 {
	if v <= 0 {
		return 1
	}
	raw := v / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func tickLabel(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func loads(l []float64) string {
	if len(l) == 0 {
		return "?"
	}
	return fmt.Sprintf("%.2f", l[0])
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func short(commit string) string { return commit[:min(len(commit), 12)] }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
