package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// TestBrowserDevMailbox is the README's walk-through ending: with the
// developer mailbox on (as with --demo), a buyer buys tickets through the
// pages; an organizer opens the mailbox from the organizer page, finds the
// confirmation, opens it, and the sandboxed frame shows the e-mail's HTML
// with every ticket's QR code loaded from the letter itself.
func TestBrowserDevMailbox(t *testing.T) {
	s := startSite(t, siteOptions{catalog: noCatalog, devMailbox: true})
	e := s.smallEvent(t)
	buyer := s.newBuyer(t)
	b := newBrowser(t, "buyer").tab(s.URL)
	b.signIn(buyer)
	b.open("/events/" + e.ID + "?quantity=2&sort=best")
	b.clickAndWait("#listing [data-offer] button[type=submit]")
	b.clickAndWait("#to-checkout")
	b.fill("#card_number", "4242424242424242")
	b.clickAndWait("button[type=submit][name=place-order]")
	b.waitFor(`document.querySelectorAll('[data-ticket-id]').length === 2`, patience)

	a := newBrowser(t, "admin").tab(s.URL)
	a.signIn(adminLogin)
	a.open("/admin")
	a.clickAndWait("[data-devmail-link]")
	if p := a.path(); p != "/dev/mail" {
		t.Fatalf("the organizer page's mailbox link went to %s", p)
	}
	// The outbox job runs every second: reload until the letter is there.
	row := fmt.Sprintf(`[...document.querySelectorAll('[data-mail-id]')].find(r => r.innerText.includes(%q) && r.innerText.includes('E-mail'))`, buyer.Email)
	for deadline := time.Now().Add(patience); !eval[bool](a, `!!`+row); {
		if time.Now().After(deadline) {
			a.shot("no-letter")
			t.Fatalf("no e-mail to %s in the mailbox after %v", buyer.Email, patience)
		}
		time.Sleep(300 * time.Millisecond)
		a.open("/dev/mail")
	}
	if subject := eval[string](a, row+`.querySelector('a').innerText`); subject != "Your tickets for Small Show" {
		t.Errorf("the letter's subject is %q", subject)
	}
	a.shot("mailbox")
	id := eval[string](a, row+`.dataset.mailId`)
	a.clickAndWait(`[data-mail-id="` + id + `"] a`)
	if got := eval[string](a, `document.querySelector('[data-mail-headers]').innerText`); !strings.Contains(got, buyer.Email) ||
		!strings.Contains(got, "Message-ID") || !strings.Contains(got, id) {
		t.Errorf("headers shown: %q", got)
	}
	if !strings.Contains(eval[string](a, `document.querySelector('[data-mail-attachments]').innerText`), "event.ics") {
		t.Error("the calendar invite is not listed")
	}

	// Inside the frame: the HTML, its two QR codes actually decoded.
	a.do(chromedp.WaitVisible(chromedp.CSS("iframe[data-mail-html]")))
	// Links open in a new tab, outside the frame.
	loaded := `document.body && document.body.innerText.includes('Thank you for your order') && document.images.length === 2 &&
		[...document.images].every(i => i.complete && i.naturalWidth > 0) && document.querySelector('base')?.target === '_blank'`
	var err error
	for deadline := time.Now().Add(patience); ; {
		// The frame's document gets its script context when it loads; until
		// then chromedp has none to poll in.
		var frames []*chromedp.Node
		if frames, err = chromedp.Run(a.ctx, chromedp.Nodes(chromedp.CSS("iframe[data-mail-html]"))); err == nil && len(frames) == 1 {
			_, err = chromedp.Run(a.ctx, chromedp.Poll[bool](loaded, chromedp.WithPollingInFrame(frames[0]),
				chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Until(deadline))))
		}
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		a.shot("letter-broken")
		t.Fatalf("the letter's HTML did not show its QR codes: %v", err)
	}
	a.shot("letter")
	a.auditLabels()
}

// TestBrowserResendUndelivered: an organizer sees a confirmation the mail
// server refused among the messages not delivered, and sends it again
// with the page's button.
func TestBrowserResendUndelivered(t *testing.T) {
	s := startSite(t, siteOptions{catalog: noCatalog, noJobs: true})
	e := s.smallEvent(t)
	o := buyFloor(t, s, buyerLogin, e.ID, booking.OrderRequest{})
	ms, err := s.App.Store.Messages(t.Context(), notify.Query{Ref: o.ID, Limit: 1})
	if err != nil || len(ms) != 1 {
		t.Fatalf("the order's message: %v %v", ms, err)
	}
	if err := s.App.Store.MarkDead(t.Context(), ms[0].ID, s.App.Clock.Now(), "smtp mail.example.com: 550 5.1.1 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	a := newBrowser(t, "admin").tab(s.URL)
	a.signIn(adminLogin)
	a.open("/admin")
	row := `[data-dead-message="` + ms[0].ID + `"]`
	a.do(chromedp.ScrollIntoView(chromedp.CSS(row)))
	if got := eval[string](a, `document.querySelector('`+row+`').innerText`); !strings.Contains(got, buyerLogin.Email) ||
		!strings.Contains(got, "550 5.1.1") || !strings.Contains(got, "Order confirmation") {
		t.Errorf("the undelivered message shows %q", got)
	}
	a.auditLabels()
	a.shot("undelivered")
	a.clickAndWait(row + ` button[type=submit]`)
	if got := eval[string](a, `document.querySelector('.notice')?.innerText || ''`); !strings.Contains(got, "due again") {
		t.Errorf("after Send again the page says %q", got)
	}
	if eval[bool](a, `!!document.querySelector('`+row+`')`) || !eval[bool](a, `!!document.querySelector('[data-no-dead]')`) {
		t.Error("the message is still listed as not delivered")
	}
	a.shot("sent-again")
}
