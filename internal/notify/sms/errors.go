package sms

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/notify"
)

// APIError is an error answer of the provider: Twilio's
// {"code", "message", "more_info", "status"}. Code is 0 when the body was
// not Twilio's JSON (a proxy's error page).
type APIError struct {
	Status   int    // the HTTP status
	Code     int    // Twilio's error code, such as 21211
	Message  string // Twilio's words, which name the number but never the token
	MoreInfo string
	// RetryAfter is the wait a 429 or 503 asked for, 0 when it named none.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "twilio: HTTP %d", e.Status)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", error %d", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if hint := hints[e.Status]; hint != "" && !recipientCodes[e.Code] {
		b.WriteString("; " + hint)
	}
	return b.String()
}

// hints tell an operator what to look at, for the answers only the
// configuration can fix.
var hints = map[int]string{
	http.StatusUnauthorized: "check --twilio-account-sid and TWILIO_AUTH_TOKEN",
	http.StatusForbidden:    "the account may not send this (check the account and its permissions)",
	http.StatusNotFound:     "check --twilio-account-sid and --twilio-api-url",
}

// recipientCodes are Twilio's answers about the recipient or the message
// itself, which the same request meets again however often it is made.
// Every other 400 is about us: the sender or the account, which an
// operator fixes, so those are retried until the message is dead.
var recipientCodes = map[int]bool{
	21211: true, // the 'To' number is not a valid phone number
	21265: true, // the 'To' number is a short code
	21407: true, // this type of number does not take SMS
	21408: true, // the account may not send to the 'To' number's region
	21602: true, // the message has no body
	21604: true, // the message has no 'To' number
	21610: true, // the recipient replied STOP: blocked for this sender
	21612: true, // the 'To' number cannot be reached from this sender (cannot route)
	21614: true, // the 'To' number is not a mobile number (not SMS-capable)
	21617: true, // the body is longer than 1600 characters
}

// classify turns an error answer into the transport's error: permanent
// for a 4xx about the recipient or the message, retryable otherwise.
func classify(status int, h http.Header, body []byte) error {
	e := &APIError{Status: status}
	var tw struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
	}
	if json.Unmarshal(body, &tw) == nil && (tw.Code != 0 || tw.Message != "") {
		e.Code, e.Message, e.MoreInfo = tw.Code, tw.Message, tw.MoreInfo
	} else {
		e.Message = strings.TrimSpace(string(body[:min(len(body), 200)]))
		if e.Message == "" {
			e.Message = http.StatusText(status)
		}
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		e.RetryAfter = retryAfter(h.Get("Retry-After"), time.Now())
	}
	if status >= 400 && status < 500 && recipientCodes[e.Code] {
		return notify.Permanent(e)
	}
	return e
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil && at.After(now) {
		return at.Sub(now).Round(time.Second)
	}
	return 0
}

// haltsBatch reports whether err will meet every other letter of the
// batch alike: too many requests, or credentials or an account that are
// wrong.
func haltsBatch(err error) bool {
	var e *APIError
	if !errors.As(err, &e) || recipientCodes[e.Code] {
		return false
	}
	switch e.Status {
	case http.StatusTooManyRequests, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return true
	}
	return false
}
