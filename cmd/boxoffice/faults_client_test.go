package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// faultAnswer is one answer the fault test's clients got, or their wait
// for one that never came (status 0, err set).
type faultAnswer struct {
	phase      string
	what       string // "hold", "order", "refund", "readyz"
	status     int
	code       string // the problem's code
	retryAfter string
	at         time.Time // when it was sent
	took       time.Duration
	err        error
}

// faultLog collects answers by phase, for the checks and the figures.
type faultLog struct {
	mu      sync.Mutex
	answers []faultAnswer
	phase   atomic.Value // string: the phase now
}

func (l *faultLog) now() string { return l.phase.Load().(string) }

func (l *faultLog) add(a faultAnswer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.answers = append(l.answers, a)
}

func (l *faultLog) all() []faultAnswer {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.answers)
}

// faultClient waits far longer than any of the server's timeouts, so that
// a hang shows as a long answer (checked) rather than as a cut-off.
var faultClient = &http.Client{Timeout: 60 * time.Second}

// send makes one request and logs its answer under the phase it began in.
func (l *faultLog) send(what, base, method, path, token string, body any, key string) (faultAnswer, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	start := time.Now()
	a := faultAnswer{phase: l.now(), what: what, at: start}
	resp, err := faultClient.Do(req)
	var b []byte
	if err == nil {
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		a.status, a.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	}
	a.took, a.err = time.Since(start), err
	if a.status >= 400 {
		a.code = problemCode(b)
	}
	l.add(a)
	return a, b
}

// retried sends one request until it gets an answer that is not 503,
// waiting as Retry-After says (with the same Idempotency-Key, so that the
// work is done once), for at most budget. It returns 0 if it never got one.
func (l *faultLog) retried(budget time.Duration, what, base, method, path, token string, body any, key string) (int, []byte) {
	for deadline := time.Now().Add(budget); ; {
		a, b := l.send(what, base, method, path, token, body, key)
		if a.status != http.StatusServiceUnavailable && a.status != 0 {
			return a.status, b
		}
		if time.Now().After(deadline) {
			return 0, b
		}
		time.Sleep(retryWait(a))
	}
}

// retryWait is a well-behaved client's pause after a 503: the Retry-After
// it was given, a quarter of it at most, so that the test sees recovery
// soon after it happens.
func retryWait(a faultAnswer) time.Duration {
	s, err := strconv.Atoi(a.retryAfter)
	if err != nil || s < 1 {
		return 250 * time.Millisecond
	}
	return time.Duration(s) * time.Second / 4
}

// phaseFigures summarises a phase's answers.
type phaseFigures struct {
	answers, ok, unavailable, other5xx, noAnswer, noRetryAfter int
	longest                                                    time.Duration
}

func (f phaseFigures) String() string {
	return fmt.Sprintf("%d answers: %d 2xx, %d 503, %d other 5xx, %d without an answer, %d 503 without Retry-After; longest %s",
		f.answers, f.ok, f.unavailable, f.other5xx, f.noAnswer, f.noRetryAfter, f.longest.Round(time.Millisecond))
}

func figuresOf(as []faultAnswer, keep func(faultAnswer) bool) phaseFigures {
	var f phaseFigures
	for _, a := range as {
		if !keep(a) {
			continue
		}
		f.answers++
		f.longest = max(f.longest, a.took)
		switch {
		case a.status == 0:
			f.noAnswer++
		case a.status < 300:
			f.ok++
		case a.status == http.StatusServiceUnavailable:
			f.unavailable++
			if a.retryAfter == "" {
				f.noRetryAfter++
			}
		case a.status >= 500:
			f.other5xx++
		}
	}
	return f
}
