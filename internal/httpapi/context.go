package httpapi

import (
	"context"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
)

type ctxKey int

const (
	keyRequest ctxKey = iota
	keyBody
)

// reqState is per-request state that middleware and handlers share: set
// once by the outermost middleware, filled in as the request goes.
type reqState struct {
	id        string
	user      *account.User
	token     string
	errorCode apperr.Code
	// limit names the rate-limit bucket that refused the request, for
	// the request's log line.
	limit string
}

func stateFrom(ctx context.Context) *reqState {
	st, _ := ctx.Value(keyRequest).(*reqState)
	if st == nil {
		return &reqState{}
	}
	return st
}

func requestID(ctx context.Context) string { return stateFrom(ctx).id }

// RequestID returns the id of the request ctx belongs to ("" outside a
// request), for span attributes.
func RequestID(ctx context.Context) string { return stateFrom(ctx).id }

func setErrorCode(ctx context.Context, c apperr.Code) { stateFrom(ctx).errorCode = c }

// ErrorCode returns the problem code a request ended with, for logs and metrics.
func ErrorCode(ctx context.Context) apperr.Code { return stateFrom(ctx).errorCode }

// UserID returns the id of the signed-in user of a request, if any.
func UserID(ctx context.Context) string {
	if u := stateFrom(ctx).user; u != nil {
		return u.ID
	}
	return ""
}

func bodyFrom(ctx context.Context) ([]byte, bool) {
	b, ok := ctx.Value(keyBody).([]byte)
	return b, ok
}
