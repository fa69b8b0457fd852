package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// pages are the parsed templates: each page file together with layout.html.
type pages struct{ byName map[string]*template.Template }

var funcs = template.FuncMap{
	"card":       func(t booking.Ticket, mine bool) ticketCard { return ticketCard{Ticket: t, Mine: mine} },
	"money":      money,
	"allIn":      booking.AllInCents,
	"status":     orderStatus,
	"orderRef":   orderRef,
	"cardBrand":  cardBrand,
	"moneyKinds": func() []moneyKind { return moneyKinds },
	"line":       moneyLine,
	"sec":        booking.SectionLabel,
	"part":       partOf,
	"plus":       func(a, b int64) int64 { return a + b },
	"times":      func(n int, c int64) int64 { return int64(n) * c },
	"localTime":  localTime,
	"localDate":  func(t time.Time, tz string) string { return catalog.InZone(t, tz).Format("Mon Jan 2") },
	"clock":      func(t time.Time, tz string) string { return catalog.InZone(t, tz).Format("3:04 PM") },
	"isoTime":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"dollars": func(cents int64) string {
		if cents%100 == 0 {
			return fmt.Sprintf("%d", cents/100)
		}
		return fmt.Sprintf("%d.%02d", cents/100, cents%100)
	},
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"derefFloat": func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"derefInt": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
	"seq": func(from, to int) []int {
		var out []int
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
		return out
	},
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"inputTime":    func(t time.Time, tz string) string { return catalog.InZone(t, tz).Format("2006-01-02T15:04") },
	"add":          func(a, b int) int { return a + b },
	"testCards":    func() any { return testCards },
	"blankSection": func() sectionForm { return sectionForm{Index: 999, Kind: "reserved", RowNames: "numbers"} },
	"f1":           func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"grouped":      grouped[int],
	"half":         func(f float64) float64 { return f / 2 },
	"neg":          func(f float64) float64 { return -f },
	"count":        grouped[int64],
	"countInt":     grouped[int],
	"wait":         waitWords,
	"sentence":     sentence,
	"messageKind":  messageKind,
	"countdown":    func(sec int) string { return fmt.Sprintf("%d:%02d", max(sec, 0)/60, max(sec, 0)%60) },
	"holdCtx": func(p *holdPanel, csrf, eventID string, actions bool) holdCtx {
		return holdCtx{Panel: p, CSRF: csrf, EventID: eventID, Actions: actions}
	},
}

// holdCtx is what the hold panel template gets.
type holdCtx struct {
	Panel   *holdPanel
	CSRF    string
	EventID string
	Actions bool
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		p.byName[base] = t
	}
	return p, nil
}

// view is what every page template gets.
type view struct {
	Title string
	User  *account.User
	CSRF  string
	Path  string
	// Notice and Error are one-line messages shown above the content.
	Notice, Error string
	// Scripts are the page's JavaScript modules under /static/.
	Scripts []string
	Data    any
}

// render writes a page with the layout around it.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	s.renderTemplate(w, r, status, name, "layout", v)
}

// renderPart writes one template of a page alone, without the layout: a
// fragment that the page's script swaps in.
func (s *Server) renderPart(w http.ResponseWriter, r *http.Request, page, name string, v view) {
	s.renderTemplate(w, r, http.StatusOK, page, name, v)
}

// renderTemplate executes template name of page into a buffer, so that a
// failure halfway is a clean 500 rather than half a page, then writes it.
func (s *Server) renderTemplate(w http.ResponseWriter, r *http.Request, status int, page, name string, v view) {
	t, ok := s.pages.byName[page]
	if !ok {
		s.Log.Error("web: no such template", "name", page)
		http.Error(w, "page not found", http.StatusInternalServerError)
		return
	}
	v.User = s.user(r)
	v.CSRF = s.csrfToken(w, r)
	v.Path = r.URL.RequestURI()
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		s.Log.ErrorContext(r.Context(), "web: render", "template", page+"/"+name, "err", err)
		http.Error(w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// renderStream writes a page in two parts: the layout's top and the
// template head, flushed at once so the browser paints while the server
// does the slow reads of fill, then the template body and the layout's
// bottom. An error from fill after the flush can only be shown inside the
// page, as bodyError.
func (s *Server) renderStream(w http.ResponseWriter, r *http.Request, name, head, body string, v view, fill func() error, bodyError func(string)) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.Log.Error("web: no such template", "name", name)
		http.Error(w, "page not found", http.StatusInternalServerError)
		return
	}
	v.User = s.user(r)
	v.CSRF = s.csrfToken(w, r)
	v.Path = r.URL.RequestURI()
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "top", v); err == nil {
		err = t.ExecuteTemplate(&buf, head, v)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
	_ = http.NewResponseController(w).Flush()
	if err := fill(); err != nil {
		_, msg := message(err)
		s.Log.ErrorContext(r.Context(), "web: page data", "template", name, "err", err)
		bodyError(msg)
	}
	if err := t.ExecuteTemplate(&buf, body, v); err == nil {
		err = t.ExecuteTemplate(&buf, "bottom", v)
		if err != nil {
			s.Log.ErrorContext(r.Context(), "web: render", "template", name, "err", err)
		}
	} else {
		s.Log.ErrorContext(r.Context(), "web: render", "template", name, "err", err)
	}
	_, _ = buf.WriteTo(w)
}

// friendly are the words a buyer sees for each error code.
var friendly = map[apperr.Code]string{
	apperr.Unauthorized:        "Please sign in to continue.",
	apperr.Forbidden:           "You don't have access to that.",
	apperr.NotFound:            "We couldn't find that page. It may have moved, or the link is wrong.",
	apperr.NotOnSale:           "Tickets for this event are not on sale right now.",
	apperr.SeatsUnavailable:    "Sorry, someone else just got those seats. Please pick others.",
	apperr.HoldNotActive:       "Your hold has ended, so those seats went back on sale. Please search again.",
	apperr.TicketLimitExceeded: "You've reached the ticket limit for this event.",
	apperr.PaymentDeclined:     "Your card was declined. Please try another card.",
	apperr.QueuePassRequired:   "This event has a waiting room; please join the queue first.",
	apperr.AlreadyCheckedIn:    "This ticket was already scanned.",
	apperr.InvalidBarcode:      "This is not a valid ticket.",
	apperr.EmailTaken:          "An account with that e-mail already exists. Try signing in.",
	apperr.Invalid:             "Some of the details need another look.",
	apperr.Conflict:            "That can't be done right now.",
	apperr.RateLimited:         "Too many requests; please wait a moment and try again.",
	apperr.Unavailable:         "We're having trouble reaching a service we depend on. Please try again in a moment.",
	apperr.BodyTooLarge:        "That form was too large.",
	apperr.Internal:            "Something went wrong on our side. It has been logged; please try again.",
}

var statusOf = map[apperr.Code]int{
	apperr.Unauthorized: http.StatusUnauthorized, apperr.Forbidden: http.StatusForbidden, apperr.NotFound: http.StatusNotFound,
	apperr.NotOnSale: http.StatusForbidden, apperr.QueuePassRequired: http.StatusForbidden,
	apperr.SeatsUnavailable: http.StatusConflict, apperr.HoldNotActive: http.StatusConflict, apperr.TicketLimitExceeded: http.StatusConflict,
	apperr.AlreadyCheckedIn: http.StatusConflict, apperr.EmailTaken: http.StatusConflict, apperr.Conflict: http.StatusConflict,
	apperr.PaymentDeclined: http.StatusPaymentRequired, apperr.Invalid: http.StatusUnprocessableEntity,
	apperr.InvalidBarcode: http.StatusUnprocessableEntity, apperr.RateLimited: http.StatusTooManyRequests,
	apperr.Unavailable: http.StatusServiceUnavailable, apperr.BodyTooLarge: http.StatusRequestEntityTooLarge,
}

// message is the one line a person sees for err: the domain's own safe
// message where it is more precise than the generic words, never internals.
func message(err error) (apperr.Code, string) {
	e, ok := apperr.As(err)
	if !ok {
		if errors.Is(err, context.DeadlineExceeded) {
			return apperr.Unavailable, friendly[apperr.Unavailable]
		}
		return apperr.Internal, friendly[apperr.Internal]
	}
	words, known := friendly[e.Code]
	if !known {
		return apperr.Internal, friendly[apperr.Internal]
	}
	switch e.Code {
	case apperr.Invalid:
		if len(e.Fields) > 0 {
			var parts []string
			for _, f := range e.Fields {
				parts = append(parts, fieldLabel(f.Field)+" "+f.Message)
			}
			return e.Code, strings.Join(parts, "; ") + "."
		}
		return e.Code, sentence(e.Message)
	case apperr.PaymentDeclined, apperr.NotOnSale, apperr.TicketLimitExceeded, apperr.SeatsUnavailable, apperr.Forbidden,
		apperr.AlreadyCheckedIn, apperr.Conflict, apperr.Unauthorized, apperr.InvalidBarcode, apperr.Unavailable:
		if e.Message != "" {
			return e.Code, sentence(e.Message)
		}
	}
	return e.Code, words
}

func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}

// fieldLabel turns "sections[2].rows[0].seats" into words.
func fieldLabel(f string) string {
	s := strings.NewReplacer("_cents", "", "_", " ", ".", " › ").Replace(f)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fail shows err as a friendly page: sign-in for Unauthorized, a message
// otherwise. Errors without a code are logged and shown as "internal".
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := message(err)
	if code == apperr.Unauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	st := stateOf(r.Context())
	st.code = code
	if code == apperr.Internal || code == apperr.Unavailable {
		s.Log.ErrorContext(r.Context(), "web request failed", "err", err, "path", r.URL.Path, "method", r.Method, "request_id", st.id)
	}
	s.render(w, r, statusFor(code), "error", view{Title: "Sorry", Error: msg, Data: code})
}

func statusFor(code apperr.Code) int {
	if st, ok := statusOf[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

func localTime(t time.Time, tz string) string {
	return catalog.InZone(t, tz).Format("Mon, Jan 2, 2006 · 3:04 PM MST")
}

// money formats minor units: "$25.00", "€9.50", "12.00 CHF".
func money(cents int64, currency string) string {
	neg := ""
	if cents < 0 {
		neg, cents = "-", -cents
	}
	amount := fmt.Sprintf("%s%s.%02d", neg, grouped(cents/100), cents%100)
	switch currency {
	case "", "USD":
		return "$" + amount
	case "EUR":
		return "€" + amount
	case "GBP":
		return "£" + amount
	}
	return amount + " " + currency
}

// grouped writes a count with thousands separators ("80,879"), as the
// pages' scripts do with Intl.NumberFormat('en-US').
func grouped[N ~int | ~int64](n N) string {
	ds := strconv.FormatInt(int64(n), 10)
	neg := ""
	if ds[0] == '-' {
		neg, ds = "-", ds[1:]
	}
	var b strings.Builder
	for i, c := range ds {
		if i > 0 && (len(ds)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return neg + b.String()
}

// orderStatus says an order's status in words for people.
func orderStatus(s booking.OrderStatus) string {
	switch s {
	case booking.OrderPending:
		return "Payment in progress"
	case booking.OrderPaid:
		return "Paid"
	case booking.OrderPaymentFailed:
		return "Payment failed"
	case booking.OrderRefunded:
		return "Refunded"
	case booking.OrderCancelled:
		return "Cancelled, refunded"
	}
	return string(s)
}

// moneyKind is one row of the sales page's money table; Key is the JSON
// name of its sum in booking.MoneyLines, which sales.js updates it by.
type moneyKind struct{ Key, Label string }

var moneyKinds = []moneyKind{
	{"tickets_cents", "Tickets (face value)"},
	{"service_fees_cents", "Service fees"},
	{"order_fees_cents", "Order fees"},
	{"add_ons_cents", "Add-ons"},
	{"total_cents", "Total"},
}

func moneyLine(m booking.MoneyLines, key string) int64 {
	switch key {
	case "tickets_cents":
		return m.TicketsCents
	case "service_fees_cents":
		return m.ServiceFeesCents
	case "order_fees_cents":
		return m.OrderFeesCents
	case "add_ons_cents":
		return m.AddOnsCents
	}
	return m.TotalCents
}

// orderRef is an order's short number for people, "#1042"; its id until
// the database has numbered it.
func orderRef(o booking.Order) string {
	if o.Number > 0 {
		return "#" + strconv.FormatInt(o.Number, 10)
	}
	return o.ID
}

// cardBrand names a card network as the payment provider spells it
// ("visa", "amex") the way a receipt does.
func cardBrand(b string) string {
	switch b {
	case "visa":
		return "Visa"
	case "mastercard":
		return "Mastercard"
	case "amex":
		return "American Express"
	case "discover":
		return "Discover"
	case "diners":
		return "Diners Club"
	case "jcb":
		return "JCB"
	case "unionpay":
		return "UnionPay"
	case "", "unknown":
		return "Card"
	}
	return strings.ToUpper(b[:1]) + b[1:]
}
