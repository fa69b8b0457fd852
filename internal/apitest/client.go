package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Client calls a running server over real HTTP and checks every response
// against the OpenAPI document, so each test that uses it also tests the
// contract.
type Client struct {
	Base string
	Spec *Spec
	HTTP *http.Client
}

// NewClient returns a client for base that validates against the document
// the server itself serves at /api/v1/openapi.json.
func NewClient(t testing.TB, base string) *Client {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/openapi.json")
	if err != nil {
		t.Fatalf("fetch openapi.json: %v", err)
	}
	defer resp.Body.Close()
	doc, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("fetch openapi.json: status %d, %v", resp.StatusCode, err)
	}
	return &Client{Base: base, Spec: Load(t, doc), HTTP: &http.Client{}}
}

// Response is a finished call.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v or fails the test.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Code is the problem code of an error response, or "".
func (r *Response) Code() string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.Body, &p)
	return p.Code
}

// Req describes one call.
type Req struct {
	Method string
	Path   string // after the base, e.g. /api/v1/events
	Token  string
	Body   any // marshalled as JSON unless it is a string or []byte
	Header map[string]string
}

// Do sends r, validates the response against the document and returns it.
func (c *Client) Do(t testing.TB, r Req) *Response {
	t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		body = bytes.NewReader(j)
	}
	req, err := http.NewRequest(r.Method, c.Base+r.Path, body)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", r.Method, r.Path, err)
	}
	c.Spec.CheckHTTPResponse(t, resp, b)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Must sends r and fails the test unless the status is want.
func (c *Client) Must(t testing.TB, want int, r Req) *Response {
	t.Helper()
	resp := c.Do(t, r)
	if resp.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", r.Method, r.Path, resp.Status, want, resp.Body)
	}
	return resp
}
