// Package apperr is the one error type of Boxoffice. Domain code returns an
// *Error with a stable Code and a message that is safe to show a client; the
// HTTP layer maps the code to a status in exactly one place (httpapi/problems.go).
// Anything that is not an *Error is a bug or an outage and is shown as
// "internal" without its text.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code is the stable, machine-readable error code of the API contract.
type Code string

// The codes of shared/api.md. Adding one means adding its status in httpapi.
const (
	Invalid              Code = "validation_failed"
	InvalidJSON          Code = "invalid_json"
	Unauthorized         Code = "unauthorized"
	Forbidden            Code = "forbidden"
	QueuePassRequired    Code = "queue_pass_required"
	NotOnSale            Code = "not_on_sale"
	NotFound             Code = "not_found"
	Conflict             Code = "conflict"
	EmailTaken           Code = "email_taken"
	SeatsUnavailable     Code = "seats_unavailable"
	HoldNotActive        Code = "hold_not_active"
	TicketLimitExceeded  Code = "ticket_limit_exceeded"
	AlreadyCheckedIn     Code = "already_checked_in"
	InvalidBarcode       Code = "invalid_barcode"
	WrongEvent           Code = "wrong_event"
	PaymentDeclined      Code = "payment_declined"
	BodyTooLarge         Code = "body_too_large"
	IdempotencyKeyReused Code = "idempotency_key_reused"
	RateLimited          Code = "rate_limited"
	Internal             Code = "internal"
	Unavailable          Code = "unavailable"
)

// FieldError names one invalid input field, in the path syntax of the contract
// ("sections[2].rows[0].seats").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a failure with a code and a client-safe message. Err, when set, is
// the underlying cause: logged, never shown.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// OrderID names the order a conflict is about, for the client that owns
	// it: a hold_not_active on a hold already converted into the caller's
	// order says which one, so a checkout retried after a lost answer can
	// find the order it paid for instead of only being told no.
	OrderID string
	// Scan describes the ticket behind a refused gate scan, so that the
	// scanner can say more than no: the seat and the time of the first
	// scan (already_checked_in), or the event the ticket is for
	// (wrong_event).
	Scan *Scan
	Err  error
}

// Scan is what a refused gate scan tells the gate about its ticket. The
// JSON names are the problem document's extension members; a field left
// zero is left out.
type Scan struct {
	TicketID string `json:"ticket_id,omitempty"`
	// CheckedInAt is the first scan's time; LocalCheckedInAt the same in
	// the venue's time zone, with its offset, as the gate says it.
	CheckedInAt      *time.Time `json:"checked_in_at,omitempty"`
	LocalCheckedInAt string     `json:"local_checked_in_at,omitempty"`
	Section          string     `json:"section,omitempty"`
	Row              *string    `json:"row,omitempty"`
	Number           *int       `json:"number,omitempty"`
	// TicketEvent* name the event a ticket for another event is for.
	TicketEventID            string     `json:"ticket_event_id,omitempty"`
	TicketEventName          string     `json:"ticket_event_name,omitempty"`
	TicketEventStartsAt      *time.Time `json:"ticket_event_starts_at,omitempty"`
	TicketEventLocalStartsAt string     `json:"ticket_event_local_starts_at,omitempty"`
	TicketVenueName          string     `json:"ticket_venue_name,omitempty"`
	// Timezone is the zone of the ticket's venue, for a gate that says
	// these times on the venue's clocks; not a member (the local_* ones
	// carry the offset for machines).
	Timezone string `json:"-"`
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error with a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error that keeps cause for the logs.
func Wrap(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Fields collects validation failures so one response can name all of them.
type Fields []FieldError

// Add records one invalid field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns a validation_failed error naming every field, or nil if none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	msg := f[0].Field + ": " + f[0].Message
	if len(f) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(f)-1)
	}
	return &Error{Code: Invalid, Message: msg, Fields: f}
}
