package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 1 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readBody reads at most MaxBodyBytes of the request.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, apperr.E(apperr.BodyTooLarge, "the request body is larger than 1 MiB")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.InvalidJSON, err, "could not read the request body")
	}
	return b, nil
}

// decode reads a JSON body strictly: one object, no unknown fields, the
// right types. Anything else is invalid_json and changes nothing.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	b, ok := bodyFrom(r.Context())
	if !ok {
		var err error
		if b, err = readBody(w, r); err != nil {
			return err
		}
	}
	return decodeBytes(b, v)
}

func decodeBytes(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.Wrap(apperr.InvalidJSON, err, "%s", describeJSONError(err))
	}
	if dec.More() {
		return apperr.E(apperr.InvalidJSON, "the body must be one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.E(apperr.InvalidJSON, "the body must be one JSON object")
	}
	return nil
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "the body is empty; a JSON object is required"
	case errors.As(err, &syn):
		return "the body is not valid JSON"
	case errors.As(err, &typ):
		if typ.Field != "" {
			return "field " + typ.Field + " must be " + jsonKind(typ.Type.Kind().String())
		}
		return "the body must be a JSON object"
	case errors.As(err, new(*time.ParseError)):
		return "times must be RFC 3339, such as 2026-12-01T18:00:00Z"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ") + " is not allowed"
	default:
		return "the body does not have the expected shape"
	}
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "int32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	default:
		return "an object"
	}
}
