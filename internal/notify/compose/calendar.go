package compose

import (
	"fmt"
	"strings"
	"time"
)

// calendar writes an iCalendar object (RFC 5545) for an order: the event,
// where and when, and the seats. method PUBLISH adds it to the buyer's
// calendar; CANCEL, with the same UID, removes it again when the event is
// cancelled. No RSVP is asked for, so there is no organizer or attendee.
func calendar(uid, method string, d facts, now time.Time) []byte {
	var seats []string
	for _, t := range d.Tickets {
		seats = append(seats, t.Seat)
	}
	status, sequence := "CONFIRMED", 0
	if method == "CANCEL" {
		status, sequence = "CANCELLED", 1
	}
	var b strings.Builder
	line := func(name, value string) { fold(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Boxoffice//Tickets//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", method)
	line("BEGIN", "VEVENT")
	line("UID", uid)
	line("SEQUENCE", fmt.Sprint(sequence))
	line("DTSTAMP", utc(now))
	line("DTSTART", utc(d.StartsAt))
	line("SUMMARY", escape(d.Event))
	line("LOCATION", escape(strings.TrimSuffix(d.Venue+", "+d.Address, ", ")))
	line("DESCRIPTION", escape(fmt.Sprintf("Order %s\n%s\nTickets: %s", d.OrderID, strings.Join(seats, "\n"), d.OrderURL)))
	line("URL", d.OrderURL)
	line("STATUS", status)
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return []byte(b.String())
}

func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escape quotes a TEXT value: backslash, semicolon, comma and new lines.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// fold writes a content line, folded at 75 octets without splitting a
// UTF-8 sequence, ended by CRLF.
func fold(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
