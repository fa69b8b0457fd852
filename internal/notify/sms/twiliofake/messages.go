package twiliofake

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"
)

// Twilio's magic numbers for test credentials.
const (
	// MagicFrom passes every check as a sender.
	MagicFrom = "+15005550006"
	// As To: not a valid number (21211). As From: invalid sender (21212).
	InvalidNumber = "+15005550001"
	CannotRoute   = "+15005550002" // To: Twilio cannot route to it (21612)
	NoPermission  = "+15005550003" // To: no permission for its region (21408)
	Blocked       = "+15005550004" // To: blocked, the recipient opted out (21610)
	NotMobile     = "+15005550009" // To: cannot receive SMS (21614)
	FromNotOwned  = "+15005550007" // From: not the account's SMS-capable number (21606)
	FromQueueFull = "+15005550008" // From: its SMS queue is full (21611)
)

var (
	e164       = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	serviceSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
)

// magicTo are the recipients that fail, with Twilio's code and words.
var magicTo = map[string]struct {
	code int
	msg  string
}{
	InvalidNumber: {21211, "The 'To' number %s is not a valid phone number."},
	CannotRoute:   {21612, "The 'To' phone number: %s, is not currently reachable using the 'From' phone number via SMS."},
	NoPermission:  {21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: %s."},
	Blocked:       {21610, "Attempt to send to unsubscribed recipient %s"},
	NotMobile:     {21614, "'To' number %s is not a valid mobile number"},
}

// create is POST Messages.json. The rate limit comes first: a request
// over it is not looked at, as Twilio's are not. s.mu is held.
func (s *Server) create(form url.Values) answer {
	now := s.now()
	if s.limiter != nil && !s.limiter.AllowN(now, 1) {
		res := s.limiter.ReserveN(now, 1)
		wait := res.DelayFrom(now)
		res.CancelAt(now)
		a := twilioError(http.StatusTooManyRequests, 20429, "Too Many Requests")
		a.header = map[string]string{"Retry-After": strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))}
		return a
	}
	to, from, svc, body := form.Get("To"), form.Get("From"), form.Get("MessagingServiceSid"), form.Get("Body")
	switch {
	case to == "":
		return twilioError(400, 21604, "A 'To' phone number is required.")
	case from == "" && svc == "":
		return twilioError(400, 21603, "A 'From' phone number is required.")
	case body == "":
		return twilioError(400, 21602, "Message body is required.")
	case utf8.RuneCountInString(body) > 1600:
		return twilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
	}
	if svc != "" && !serviceSID.MatchString(svc) {
		return twilioError(400, 21701, "The Messaging Service Sid "+svc+" is invalid.")
	}
	if svc == "" {
		switch {
		case from == InvalidNumber || !e164.MatchString(from):
			return twilioError(400, 21212, "The 'From' number "+from+" is not a valid phone number, shortcode, or alphanumeric sender ID.")
		case from == FromNotOwned:
			return twilioError(400, 21606, "The 'From' phone number provided ("+from+") is not a valid message-capable Twilio phone number for this destination.")
		case from == FromQueueFull:
			return twilioError(400, 21611, "This 'From' number has exceeded the maximum number of queued messages.")
		}
	}
	if m, ok := magicTo[to]; ok {
		return twilioError(400, m.code, fmt.Sprintf(m.msg, to))
	}
	if !e164.MatchString(to) {
		return twilioError(400, 21211, "The 'To' number "+to+" is not a valid phone number.")
	}
	m := Message{SID: "SM" + randomHex(16), AccountSID: s.sid, To: to, From: from, MessagingServiceSID: svc, Body: body,
		Status: "queued", Created: now.UTC()}
	if svc != "" {
		m.Status, m.From = "accepted", ""
	}
	s.bySID[m.SID] = len(s.messages)
	s.messages = append(s.messages, m)
	return answer{status: http.StatusCreated, body: s.resource(m)}
}

// fetch is GET Messages/{Sid}.json. s.mu is held.
func (s *Server) fetch(sid, path string) answer {
	i, ok := s.bySID[sid]
	if !ok {
		return notFound(path)
	}
	return answer{status: http.StatusOK, body: s.resource(s.messages[i])}
}

// list is GET Messages.json: newest first, filtered by To and From, in
// pages of PageSize (50 by default, at most 1000). s.mu is held.
func (s *Server) list(q url.Values, path string) answer {
	size := 50
	if n, err := strconv.Atoi(q.Get("PageSize")); err == nil && n > 0 {
		size = min(n, 1000)
	}
	page := 0
	if n, err := strconv.Atoi(q.Get("Page")); err == nil && n > 0 {
		page = n
	}
	var match []Message
	for i := len(s.messages) - 1; i >= 0; i-- {
		m := s.messages[i]
		if (q.Get("To") == "" || m.To == q.Get("To")) && (q.Get("From") == "" || m.From == q.Get("From")) {
			match = append(match, m)
		}
	}
	start := min(page*size, len(match))
	end := min(start+size, len(match))
	msgs := []any{}
	for _, m := range match[start:end] {
		msgs = append(msgs, s.resource(m))
	}
	pageURI := func(p int) string {
		v := url.Values{"Page": {strconv.Itoa(p)}, "PageSize": {strconv.Itoa(size)}}
		for _, k := range []string{"To", "From"} {
			if q.Get(k) != "" {
				v.Set(k, q.Get(k))
			}
		}
		return path + "?" + v.Encode()
	}
	var next, prev any
	if end < len(match) {
		next = pageURI(page + 1)
	}
	if page > 0 {
		prev = pageURI(page - 1)
	}
	return answer{status: http.StatusOK, body: map[string]any{"messages": msgs, "page": page, "page_size": size,
		"start": start, "end": max(end-1, start), "uri": pageURI(page), "first_page_uri": pageURI(0),
		"next_page_uri": next, "previous_page_uri": prev}}
}

// resource is a Message as Twilio's JSON shows it.
func (s *Server) resource(m Message) map[string]any {
	date := m.Created.Format(time.RFC1123Z)
	uri := "/2010-04-01/Accounts/" + m.AccountSID + "/Messages/" + m.SID + ".json"
	var from, svc any
	if m.From != "" {
		from = m.From
	}
	if m.MessagingServiceSID != "" {
		svc = m.MessagingServiceSID
	}
	return map[string]any{
		"sid": m.SID, "account_sid": m.AccountSID, "api_version": "2010-04-01", "body": m.Body, "to": m.To, "from": from,
		"messaging_service_sid": svc, "status": m.Status, "direction": "outbound-api",
		"date_created": date, "date_updated": date, "date_sent": nil,
		"num_segments": strconv.Itoa(segments(m.Body)), "num_media": "0", "price": nil, "price_unit": "USD",
		"error_code": nil, "error_message": nil, "uri": uri,
		"subresource_uris": map[string]any{"media": "/2010-04-01/Accounts/" + m.AccountSID + "/Messages/" + m.SID + "/Media.json"},
	}
}

// segments is how many SMS a body takes: 160 characters in one, 153 a
// part when split, or 70 and 67 once a character is outside ASCII (an
// approximation of GSM-7, good enough for a fake).
func segments(body string) int {
	single, part := 160, 153
	for _, r := range body {
		if r > 127 {
			single, part = 70, 67
			break
		}
	}
	n := utf8.RuneCountInString(body)
	if n <= single {
		return 1
	}
	return (n + part - 1) / part
}

func twilioError(status, code int, msg string) answer {
	return answer{status: status, code: code, body: map[string]any{"code": code, "message": msg,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code), "status": status}}
}

func writeJSON(w http.ResponseWriter, a answer) {
	b, err := json.Marshal(a.body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = w.Write(b)
}
