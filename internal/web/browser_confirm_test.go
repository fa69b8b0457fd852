package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// TestBrowserConfirmBySMS chooses, at checkout, to get the confirmation by
// e-mail and SMS, with the keyboard: the phone field comes filled from the
// profile, a mistyped number shows the form again with the message next
// to the field (the hold and the choice kept), and a number typed with
// spaces buys the tickets; the order page says how the confirmation comes
// and the outbox has one SMS to that number.
func TestBrowserConfirmBySMS(t *testing.T) {
	s := sharedSite(t)
	event := s.event(t, eventJets)
	buyer := account.Registration{Email: "texting-buyer@example.com", Password: "buyer-password", Name: "Tex Buyer", Phone: "+14155550142"}
	if _, _, err := s.App.Accounts.Register(t.Context(), buyer); err != nil {
		t.Fatal(err)
	}
	tb := newBrowser(t, "buyer").tab(s.URL)
	tb.signIn(buyer)
	tb.open("/events/" + event + "?quantity=2&sort=best")
	tb.clickAndWait("#listing [data-offer] button[type=submit]")
	tb.clickAndWait("#to-checkout")

	if got := eval[string](tb, `document.querySelector('#phone').value`); got != buyer.Phone {
		t.Errorf("the phone field holds %q, want the profile's %s", got, buyer.Phone)
	}
	if !eval[bool](tb, `document.querySelector('#confirm_email').checked && !document.querySelector('#confirm_sms').checked`) {
		t.Error("the confirmation is not by e-mail only to begin with")
	}
	if legend := eval[string](tb, `document.querySelector('#confirm-by legend').innerText`); !strings.Contains(legend, "confirmation") {
		t.Errorf("the choice's legend says %q", legend)
	}
	if typ := eval[string](tb, `document.querySelector('#phone').type`); typ != "tel" {
		t.Errorf("the phone field is type %q, want tel", typ)
	}
	tb.auditLabels()

	// Tick SMS from the keyboard and mistype the number.
	tb.tabTo("#confirm_sms", 40)
	tb.press(" ")
	if !eval[bool](tb, `document.querySelector('#confirm_sms').checked`) {
		t.Fatal("Space did not tick SMS")
	}
	tb.fill("#phone", "415-5550")
	tb.fill("#card_number", "4242424242424242")
	tb.clickAndWait("button[type=submit][name=place-order]")
	if msg := eval[string](tb, `document.querySelector('#phone-error')?.innerText || ''`); !strings.Contains(msg, "E.164") {
		t.Fatalf("after a mistyped number the field says %q", msg)
	}
	if !eval[bool](tb, `document.querySelector('#phone').getAttribute('aria-invalid') === 'true' &&
		document.querySelector('#phone').getAttribute('aria-describedby').includes('phone-error')`) {
		t.Error("the phone field is not marked invalid, or not described by its message")
	}
	if !eval[bool](tb, `document.querySelector('#confirm_sms').checked && document.querySelector('#confirm_email').checked`) {
		t.Error("the choice of e-mail and SMS was lost")
	}
	if eval[string](tb, `document.querySelector('#phone').value`) != "415-5550" {
		t.Error("the typed number was not kept for correcting")
	}
	if a := eval[string](tb, `document.querySelector('[data-error]')?.innerText || ''`); !strings.Contains(a, "Phone") {
		t.Errorf("the page's alert says %q", a)
	}
	tb.shot("bad-phone")

	tb.fill("#phone", "+1 415 555 0177")
	tb.fill("#card_number", "4242424242424242")
	tb.clickAndWait("button[type=submit][name=place-order]")
	tb.waitFor(`document.querySelectorAll('[data-ticket-id]').length === 2`, patience)
	if said := eval[string](tb, `document.querySelector('[data-confirm-by]')?.innerText || ''`); !strings.Contains(said, "by e-mail and by SMS to +14155550177") {
		t.Errorf("the order page says %q", said)
	}
	tb.shot("paid")

	orderID, _, _ := strings.Cut(strings.TrimPrefix(tb.path(), "/orders/"), "?")
	msgs, err := s.App.Store.Messages(context.Background(), notify.Query{Ref: orderID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var sms []notify.Message
	for _, m := range msgs {
		if m.Channel == notify.ChannelSMS {
			sms = append(sms, m)
		}
	}
	if len(sms) != 1 || sms[0].To != "+14155550177" || len(msgs) != 2 {
		t.Errorf("the order's messages: %+v; want one e-mail and one SMS to +14155550177", msgs)
	}
}
