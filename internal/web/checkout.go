package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

type checkoutData struct {
	Event    catalog.Event
	Hold     *holdPanel
	Lines    []booking.LineItem
	Subtotal int64
	Fees     int64
	Total    int64
	Delivery string
	AddOns   []addOnChoice
	Confirm  confirmChoice
	// Card is what the buyer typed, kept after a decline except the number.
	Name     string
	Declined bool
}

type addOnChoice struct {
	booking.AddOnChoice
	AddOn catalog.AddOn
}

// testCards are the fake provider's card numbers, shown on the form.
var testCards = []struct{ Number, Says string }{
	{"4242 4242 4242 4242", "Visa, succeeds"},
	{"5555 5555 5555 4444", "Mastercard, succeeds"},
	{"4000 0000 0000 0002", "declined"},
	{"4000 0000 0000 9995", "declined: insufficient funds"},
}

func (s *Server) checkoutData(r *http.Request, holdID string) (*checkoutData, error) {
	u, err := s.requireUser(r)
	if err != nil {
		return nil, err
	}
	h, err := s.Booking.Hold(r.Context(), u, holdID)
	if err != nil {
		return nil, err
	}
	// Organizers may look at anyone's hold, but only its buyer can pay for
	// it: to anyone else the checkout does not exist.
	if h.UserID != u.ID {
		return nil, apperr.E(apperr.NotFound, "no such hold")
	}
	e, err := s.Catalog.Event(r.Context(), h.EventID)
	if err != nil {
		return nil, err
	}
	d := &checkoutData{Event: e, Hold: newHoldPanel(h, e, s.Clock.Now()), Delivery: "mobile", Confirm: newConfirmChoice(u)}
	for _, a := range e.AddOns {
		d.AddOns = append(d.AddOns, addOnChoice{AddOnChoice: booking.AddOnChoice{AddOnID: a.ID}, AddOn: a})
	}
	return d, nil
}

// price fills the order summary for the chosen add-ons, with the same
// function checkout charges by.
func (d *checkoutData) price() error {
	var choices []booking.AddOnChoice
	for _, a := range d.AddOns {
		if a.Quantity > 0 {
			choices = append(choices, a.AddOnChoice)
		}
	}
	lines, sub, fees, err := booking.Price(d.Event, d.Hold.Hold.Seats, choices)
	if err != nil {
		return err
	}
	d.Lines, d.Subtotal, d.Fees, d.Total = lines, sub, fees, sub+fees
	return nil
}

func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.checkoutData(r, r.PathValue("hold_id"))
	if err != nil {
		return err
	}
	if d.Hold.Hold.Status == booking.HoldConverted && d.Hold.Hold.OrderID != "" {
		http.Redirect(w, r, "/orders/"+url.PathEscape(d.Hold.Hold.OrderID), http.StatusSeeOther)
		return nil
	}
	for i := range d.AddOns {
		if n, err := strconv.Atoi(r.URL.Query().Get("addon_" + d.AddOns[i].AddOn.ID)); err == nil && n >= 0 && n <= d.AddOns[i].AddOn.MaxPerOrder {
			d.AddOns[i].Quantity = n
		}
	}
	if err := d.price(); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "checkout", view{Title: "Checkout", Scripts: []string{"checkout.js"}, Data: d})
	return nil
}

// placeOrder pays for a hold. A declined card shows the form again with
// the message; the hold stays active, so the buyer can retry with another
// card until it runs out.
func (s *Server) placeOrder(w http.ResponseWriter, r *http.Request) error {
	d, err := s.checkoutData(r, r.PathValue("hold_id"))
	if err != nil {
		return err
	}
	u, _ := s.requireUser(r)
	d.Delivery = r.PostFormValue("delivery")
	d.Name = strings.TrimSpace(r.PostFormValue("card_name"))
	d.Confirm.read(r)
	for i := range d.AddOns {
		n, _ := strconv.Atoi(r.PostFormValue("addon_" + d.AddOns[i].AddOn.ID))
		d.AddOns[i].Quantity = n
	}
	fail := func(err error) error {
		code, msg := message(err)
		d.Declined = code == apperr.PaymentDeclined
		d.Confirm.showErrors(err)
		if perr := d.price(); perr != nil {
			for i := range d.AddOns {
				d.AddOns[i].Quantity = 0
			}
			_ = d.price()
		}
		if code == apperr.HoldNotActive {
			// A second press of "Place order" finds the hold converted by
			// the first: show that order.
			if h, herr := s.Booking.Hold(r.Context(), u, d.Hold.Hold.ID); herr == nil && h.Status == booking.HoldConverted && h.OrderID != "" {
				http.Redirect(w, r, "/orders/"+url.PathEscape(h.OrderID), http.StatusSeeOther)
				return nil
			}
			d.Hold.Expired = true
		}
		s.render(w, r, statusFor(code), "checkout", view{Title: "Checkout", Scripts: []string{"checkout.js"}, Error: msg, Data: d})
		return nil
	}
	if d.Hold.Expired {
		return fail(apperr.E(apperr.HoldNotActive, "the hold expired"))
	}
	if err := d.Confirm.check(); err != nil {
		return fail(err)
	}
	token := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("card_number")), " ", "")
	if token == "" {
		return fail(apperr.E(apperr.Invalid, "please enter a card number"))
	}
	req := booking.OrderRequest{HoldID: d.Hold.Hold.ID, PaymentToken: token, Delivery: d.Delivery,
		ConfirmBy: d.Confirm.channels(), Phone: d.Confirm.number()}
	for _, a := range d.AddOns {
		if a.Quantity != 0 {
			req.AddOns = append(req.AddOns, a.AddOnChoice)
		}
	}
	o, err := s.Booking.PlaceOrder(r.Context(), u, req)
	if err != nil {
		return fail(err)
	}
	http.Redirect(w, r, "/orders/"+url.PathEscape(o.ID)+"?new=1", http.StatusSeeOther)
	return nil
}
