package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// statusOf is the one place where error codes become HTTP statuses.
var statusOf = map[apperr.Code]int{
	apperr.InvalidJSON:          http.StatusBadRequest,
	apperr.Unauthorized:         http.StatusUnauthorized,
	apperr.PaymentDeclined:      http.StatusPaymentRequired,
	apperr.Forbidden:            http.StatusForbidden,
	apperr.QueuePassRequired:    http.StatusForbidden,
	apperr.NotOnSale:            http.StatusForbidden,
	apperr.NotFound:             http.StatusNotFound,
	apperr.Conflict:             http.StatusConflict,
	apperr.EmailTaken:           http.StatusConflict,
	apperr.SeatsUnavailable:     http.StatusConflict,
	apperr.HoldNotActive:        http.StatusConflict,
	apperr.TicketLimitExceeded:  http.StatusConflict,
	apperr.AlreadyCheckedIn:     http.StatusConflict,
	apperr.BodyTooLarge:         http.StatusRequestEntityTooLarge,
	apperr.Invalid:              http.StatusUnprocessableEntity,
	apperr.InvalidBarcode:       http.StatusUnprocessableEntity,
	apperr.WrongEvent:           http.StatusUnprocessableEntity,
	apperr.IdempotencyKeyReused: http.StatusUnprocessableEntity,
	apperr.RateLimited:          http.StatusTooManyRequests,
	apperr.Internal:             http.StatusInternalServerError,
	apperr.Unavailable:          http.StatusServiceUnavailable,
}

var titleOf = map[apperr.Code]string{
	apperr.InvalidJSON:          "Invalid JSON",
	apperr.Unauthorized:         "Unauthorized",
	apperr.PaymentDeclined:      "Payment declined",
	apperr.Forbidden:            "Forbidden",
	apperr.QueuePassRequired:    "Queue pass required",
	apperr.NotOnSale:            "Not on sale",
	apperr.NotFound:             "Not found",
	apperr.Conflict:             "Conflict",
	apperr.EmailTaken:           "E-mail taken",
	apperr.SeatsUnavailable:     "Seats unavailable",
	apperr.HoldNotActive:        "Hold not active",
	apperr.TicketLimitExceeded:  "Ticket limit exceeded",
	apperr.AlreadyCheckedIn:     "Already checked in",
	apperr.BodyTooLarge:         "Body too large",
	apperr.Invalid:              "Validation failed",
	apperr.InvalidBarcode:       "Invalid barcode",
	apperr.WrongEvent:           "Ticket for another event",
	apperr.IdempotencyKeyReused: "Idempotency key reused",
	apperr.RateLimited:          "Too many requests",
	apperr.Internal:             "Internal error",
	apperr.Unavailable:          "Service unavailable",
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Code      apperr.Code         `json:"code"`
	Detail    string              `json:"detail,omitempty"`
	RequestID string              `json:"request_id"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
	// OrderID is an extension member: the caller's order that a conflict
	// is about (see apperr.Error.OrderID).
	OrderID string `json:"order_id,omitempty"`
	// Scan's members are extensions on a refused gate scan (see
	// apperr.Error.Scan); nil leaves them all out.
	*apperr.Scan
}

// problemFor turns any error into the problem a client may see. Errors
// without a code are bugs or outages: their text goes to the log only.
func problemFor(err error) (Problem, bool) {
	e, ok := apperr.As(err)
	if !ok {
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			e = &apperr.Error{Code: apperr.Unavailable, Message: "the request took too long; please try again"}
		case unreachable(err):
			e = &apperr.Error{Code: apperr.Unavailable, Message: "a service we depend on is not reachable; please try again"}
		case errors.Is(err, context.Canceled):
			// The client left, or shutdown's drain timeout cancelled the
			// request: either way nothing is wrong with the request, and
			// another instance can take it.
			e = &apperr.Error{Code: apperr.Unavailable, Message: "the request was cancelled (the server may be restarting); please try again"}
		default:
			e = &apperr.Error{Code: apperr.Internal, Message: "something went wrong on our side; it has been logged"}
		}
	}
	status, known := statusOf[e.Code]
	if !known {
		status, e = http.StatusInternalServerError, &apperr.Error{Code: apperr.Internal, Message: "something went wrong on our side; it has been logged"}
	}
	p := Problem{Type: "about:blank", Title: titleOf[e.Code], Status: status, Code: e.Code, Detail: e.Message, Errors: e.Fields, OrderID: e.OrderID, Scan: e.Scan}
	return p, status >= 500
}

func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p, failure := problemFor(err)
	p.RequestID = requestID(r.Context())
	if failure {
		s.log.ErrorContext(r.Context(), "request failed", "err", err, "code", p.Code, "request_id", p.RequestID)
	}
	if p.Status == http.StatusServiceUnavailable || p.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", retryAfter(err))
	}
	setErrorCode(r.Context(), p.Code)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// unreachable reports whether err is a broken connection to something the
// request depended on (the database, most often): a reset, a refused or
// timed-out connection, or one that closed in mid-reply. The request is
// fine and may well work on retry, so it is an outage (503 with
// Retry-After), not a bug (500). Engines and adapters that know better
// wrap their errors with a code of their own, which comes first.
func unreachable(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF)
}
