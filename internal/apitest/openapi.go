// Package apitest checks real HTTP responses against the OpenAPI 3.1
// description of the API (internal/httpapi/openapi.json).
//
// Load the document once per test, then hand every response to
// CheckResponse (or CheckRecorder / CheckHTTPResponse):
//
//	spec := apitest.Load(t, openapiJSON)
//	rec := httptest.NewRecorder()
//	handler.ServeHTTP(rec, req)
//	spec.CheckRecorder(t, req, rec)
//
// The concrete request path is matched to a path template (the server base
// path such as /api/v1 is stripped, the query ignored, literal segments
// preferred over {params}), the response is picked by exact status (falling
// back to 4XX-style ranges and then default), the Content-Type is checked and
// a JSON body is validated with JSON Schema draft 2020-12, the dialect of
// OpenAPI 3.1. A Spec is safe for concurrent use by parallel tests.
package apitest

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docURL is the made-up location the document is registered under, so that
// its "#/components/schemas/..." references resolve inside it. Nothing is
// ever fetched from it.
const docURL = "https://boxoffice.invalid/openapi.json"

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Operation names one operation of the document.
type Operation struct {
	Method      string // upper case, e.g. "POST"
	Path        string // path template, e.g. "/events/{id}/holds"
	OperationID string
}

func (o Operation) String() string { return o.Method + " " + o.Path }

// Spec is a loaded and compiled OpenAPI document.
type Spec struct {
	doc     map[string]any
	routes  []*route
	schemas map[string]*jsonschema.Schema // components/schemas by name

	mu      sync.Mutex
	checked map[Operation]bool
}

type route struct {
	template string
	segs     []string
	bases    []string // server base paths without trailing slash ("" for the root)
	ops      map[string]*operation
}

type operation struct {
	Operation
	responses map[string]*response // "201", "4XX", "default"
}

type response struct {
	content map[string]media // by lower-case media type without parameters
}

type media struct {
	schema *jsonschema.Schema // nil when the media type has no schema
}

// Load parses and compiles doc, failing the test at once if it is not a usable
// OpenAPI 3.1 document (bad JSON, unresolvable $ref, a schema that does not
// compile).
func Load(t testing.TB, doc []byte) *Spec {
	t.Helper()
	s, err := Parse(doc)
	if err != nil {
		t.Fatalf("apitest: load OpenAPI document: %v", err)
	}
	return s
}

// Parse is Load without a test: it returns every problem found as one error.
func Parse(doc []byte) (*Spec, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("document is not a JSON object")
	}
	if ver, _ := root["openapi"].(string); !strings.HasPrefix(ver, "3.1.") {
		return nil, fmt.Errorf("openapi version %q, want 3.1.x", root["openapi"])
	}
	paths, ok := root["paths"].(map[string]any)
	if !ok {
		return nil, errors.New("no paths object")
	}

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, v); err != nil {
		return nil, fmt.Errorf("add document: %w", err)
	}

	s := &Spec{doc: root, schemas: map[string]*jsonschema.Schema{}, checked: map[Operation]bool{}}
	var errs []error
	compile := func(ptr string) *jsonschema.Schema {
		sch, err := c.Compile(docURL + "#" + fragment(ptr))
		if err != nil {
			errs = append(errs, fmt.Errorf("schema %s: %w", ptr, err))
			return nil
		}
		return sch
	}

	rootBases, err := serverBases(root["servers"])
	if err != nil {
		errs = append(errs, err)
	}
	if len(rootBases) == 0 {
		rootBases = []string{""}
	}

	templates := make([]string, 0, len(paths))
	for p := range paths {
		templates = append(templates, p)
	}
	sort.Strings(templates)
	for _, tmpl := range templates {
		itemPtr := "/paths/" + escapeToken(tmpl)
		item, itemPtr, err := resolve(root, paths[tmpl], itemPtr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !strings.HasPrefix(tmpl, "/") {
			errs = append(errs, fmt.Errorf("path %q does not start with /", tmpl))
			continue
		}
		r := &route{template: tmpl, segs: strings.Split(tmpl, "/")[1:], ops: map[string]*operation{}}
		r.bases, err = serverBases(item["servers"])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", tmpl, err))
		}
		if len(r.bases) == 0 {
			r.bases = rootBases
		}
		for _, m := range methods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			opObj, ok := raw.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Errorf("%s %s: operation is not an object", m, tmpl))
				continue
			}
			if opBases, err := serverBases(opObj["servers"]); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", m, tmpl, err))
			} else {
				for _, b := range opBases {
					if !slices.Contains(r.bases, b) {
						r.bases = append(r.bases, b)
					}
				}
			}
			id, _ := opObj["operationId"].(string)
			op := &operation{
				Operation: Operation{Method: strings.ToUpper(m), Path: tmpl, OperationID: id},
				responses: map[string]*response{},
			}
			resps, ok := opObj["responses"].(map[string]any)
			if !ok {
				errs = append(errs, fmt.Errorf("%s %s: no responses", op.Method, tmpl))
			}
			for status, rv := range resps {
				robj, rptr, err := resolve(root, rv, itemPtr+"/"+m+"/responses/"+escapeToken(status))
				if err != nil {
					errs = append(errs, fmt.Errorf("%s %s %s: %w", op.Method, tmpl, status, err))
					continue
				}
				resp := &response{content: map[string]media{}}
				content, _ := robj["content"].(map[string]any)
				for mt, mv := range content {
					mobj, ok := mv.(map[string]any)
					if !ok {
						errs = append(errs, fmt.Errorf("%s %s %s %s: media type is not an object", op.Method, tmpl, status, mt))
						continue
					}
					var md media
					if _, ok := mobj["schema"]; ok {
						md.schema = compile(rptr + "/content/" + escapeToken(mt) + "/schema")
					}
					resp.content[normalizeMediaType(mt)] = md
				}
				if status != "default" {
					status = strings.ToUpper(status)
				}
				op.responses[status] = resp
			}
			r.ops[op.Method] = op
		}
		s.routes = append(s.routes, r)
	}

	if comps, ok := root["components"].(map[string]any); ok {
		if schemas, ok := comps["schemas"].(map[string]any); ok {
			for name := range schemas {
				if sch := compile("/components/schemas/" + escapeToken(name)); sch != nil {
					s.schemas[name] = sch
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Operations lists every operation of the document, sorted by path and method.
func (s *Spec) Operations() []Operation {
	var ops []Operation
	for _, r := range s.routes {
		for _, op := range r.ops {
			ops = append(ops, op.Operation)
		}
	}
	sortOps(ops)
	return ops
}

// Covered lists the operations that a Check or Validate call has matched so far.
func (s *Spec) Covered() []Operation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ops []Operation
	for op := range s.checked {
		ops = append(ops, op)
	}
	sortOps(ops)
	return ops
}

// MissingOperations lists the operations that no Check or Validate call has
// matched yet: at the end of a test suite, the untested part of the API.
func (s *Spec) MissingOperations() []Operation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ops []Operation
	for _, op := range s.Operations() {
		if !s.checked[op] {
			ops = append(ops, op)
		}
	}
	return ops
}

// Match finds the operation that serves a concrete request path such as
// "/api/v1/events/evt_1/holds?x=1".
func (s *Spec) Match(method, path string) (Operation, bool) {
	r, err := s.route(path)
	if err != nil {
		return Operation{}, false
	}
	op, ok := r.ops[strings.ToUpper(method)]
	if !ok {
		return Operation{}, false
	}
	return op.Operation, true
}

// CheckResponse reports with t.Errorf every way in which a response differs
// from the document: unknown path or method, undocumented status, wrong
// Content-Type, a body that does not match the response schema.
func (s *Spec) CheckResponse(t testing.TB, method, path string, status int, contentType string, body []byte) {
	t.Helper()
	if err := s.ValidateResponse(method, path, status, contentType, body); err != nil {
		t.Errorf("apitest: %s %s -> %d (%s): response does not match the OpenAPI document: %v\nbody: %s",
			strings.ToUpper(method), path, status, contentType, err, truncate(body, 2000))
	}
}

// CheckRecorder is CheckResponse for a request served into a ResponseRecorder.
func (s *Spec) CheckRecorder(t testing.TB, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	s.CheckResponse(t, req.Method, req.URL.RequestURI(), rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
}

// CheckHTTPResponse is CheckResponse for a client response whose body has
// already been read into body.
func (s *Spec) CheckHTTPResponse(t testing.TB, resp *http.Response, body []byte) {
	t.Helper()
	if resp.Request == nil || resp.Request.URL == nil {
		t.Errorf("apitest: response has no request to match")
		return
	}
	s.CheckResponse(t, resp.Request.Method, resp.Request.URL.RequestURI(), resp.StatusCode, resp.Header.Get("Content-Type"), body)
}

// ValidateResponse is CheckResponse returning the mismatch instead of
// reporting it.
func (s *Spec) ValidateResponse(method, path string, status int, contentType string, body []byte) error {
	r, err := s.route(path)
	if err != nil {
		return err
	}
	method = strings.ToUpper(method)
	op, ok := r.ops[method]
	if !ok {
		return fmt.Errorf("path %s has no %s operation", r.template, method)
	}
	s.mu.Lock()
	s.checked[op.Operation] = true
	s.mu.Unlock()

	code := strconv.Itoa(status)
	resp := op.responses[code]
	if resp == nil && len(code) == 3 {
		resp = op.responses[code[:1]+"XX"]
	}
	if resp == nil {
		resp = op.responses["default"]
	}
	if resp == nil {
		documented := make([]string, 0, len(op.responses))
		for k := range op.responses {
			documented = append(documented, k)
		}
		sort.Strings(documented)
		return fmt.Errorf("%s (%s %s): status %d is not documented (documented: %s)",
			op.OperationID, method, r.template, status, strings.Join(documented, ", "))
	}

	if len(resp.content) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("%s: status %d is documented without a body, got %d bytes", op.OperationID, status, len(body))
		}
		return nil
	}
	if contentType == "" {
		return fmt.Errorf("%s: status %d: no Content-Type, want one of %s", op.OperationID, status, mediaTypes(resp))
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("%s: status %d: bad Content-Type %q: %v", op.OperationID, status, contentType, err)
	}
	md, ok := resp.content[mt]
	if !ok {
		if i := strings.IndexByte(mt, '/'); i > 0 {
			md, ok = resp.content[mt[:i]+"/*"]
		}
	}
	if !ok {
		md, ok = resp.content["*/*"]
	}
	if !ok {
		return fmt.Errorf("%s: status %d: Content-Type %q, want one of %s", op.OperationID, status, contentType, mediaTypes(resp))
	}
	if md.schema == nil {
		return nil
	}
	var value any
	if isJSON(mt) {
		value, err = jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%s: status %d: body is not valid JSON: %v", op.OperationID, status, err)
		}
	} else {
		value = string(body)
	}
	if err := md.schema.Validate(value); err != nil {
		return fmt.Errorf("%s: status %d: body does not match the %s schema: %v", op.OperationID, status, mt, err)
	}
	return nil
}

// ValidateSchema validates a JSON value against components/schemas/<name>.
func (s *Spec) ValidateSchema(name string, body []byte) error {
	sch, ok := s.schemas[name]
	if !ok {
		return fmt.Errorf("no schema %q in components/schemas", name)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return sch.Validate(v)
}

// SchemaNames lists components/schemas, sorted.
func (s *Spec) SchemaNames() []string {
	names := make([]string, 0, len(s.schemas))
	for n := range s.schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// route finds the path template for a concrete path, preferring literal
// segments over parameters from left to right.
func (s *Spec) route(path string) (*route, error) {
	u, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("bad request path %q: %v", path, err)
	}
	p := u.EscapedPath()
	var best *route
	var bestScore []bool
	for _, r := range s.routes {
		for _, base := range r.bases {
			rest, ok := strings.CutPrefix(p, base)
			if !ok || !strings.HasPrefix(rest, "/") {
				continue
			}
			score, ok := r.match(strings.Split(rest, "/")[1:])
			if !ok {
				continue
			}
			if best == nil || better(score, bestScore) {
				best, bestScore = r, score
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no path in the document matches %s", p)
	}
	return best, nil
}

// match reports whether segs fit the template and, per segment, whether it
// matched a literal.
func (r *route) match(segs []string) ([]bool, bool) {
	if len(segs) != len(r.segs) {
		return nil, false
	}
	score := make([]bool, len(segs))
	for i, ts := range r.segs {
		if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
			if segs[i] == "" {
				return nil, false
			}
			continue
		}
		seg, err := url.PathUnescape(segs[i])
		if err != nil || seg != ts {
			return nil, false
		}
		score[i] = true
	}
	return score, true
}

func better(a, b []bool) bool {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i]
		}
	}
	return false
}

// resolve follows local "$ref"s (to components/responses, pathItems, ...)
// and returns the object with its JSON pointer.
func resolve(root map[string]any, v any, ptr string) (map[string]any, string, error) {
	for range 32 {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, ptr, fmt.Errorf("%s is not an object", ptr)
		}
		ref, ok := obj["$ref"].(string)
		if !ok {
			return obj, ptr, nil
		}
		target, ok := strings.CutPrefix(ref, "#")
		if !ok {
			return nil, ptr, fmt.Errorf("%s: only local $refs are supported, got %q", ptr, ref)
		}
		if t, err := url.PathUnescape(target); err == nil {
			target = t
		}
		v, ok = lookup(root, target)
		if !ok {
			return nil, ptr, fmt.Errorf("%s: $ref %q does not resolve", ptr, ref)
		}
		ptr = target
	}
	return nil, ptr, fmt.Errorf("%s: $ref chain too long", ptr)
}

// lookup evaluates an RFC 6901 JSON pointer such as "/components/schemas/Hold"
// against a decoded JSON document.
func lookup(doc any, pointer string) (any, bool) {
	if pointer == "" {
		return doc, true
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil, false
	}
	cur := doc
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func serverBases(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("servers is not an array")
	}
	var bases []string
	for _, sv := range list {
		so, _ := sv.(map[string]any)
		raw, _ := so["url"].(string)
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("server url %q: %v", raw, err)
		}
		b := strings.TrimRight(u.EscapedPath(), "/")
		if !slices.Contains(bases, b) {
			bases = append(bases, b)
		}
	}
	return bases, nil
}

func escapeToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// fragment percent-encodes a JSON pointer for use as a URL fragment.
func fragment(ptr string) string {
	return (&url.URL{Fragment: ptr}).EscapedFragment()
}

func normalizeMediaType(mt string) string {
	if m, _, err := mime.ParseMediaType(mt); err == nil {
		return m
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func mediaTypes(r *response) string {
	mts := make([]string, 0, len(r.content))
	for mt := range r.content {
		mts = append(mts, mt)
	}
	sort.Strings(mts)
	return strings.Join(mts, ", ")
}

func sortOps(ops []Operation) {
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
