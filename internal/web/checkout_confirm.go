package web

import (
	"net/http"
	"strings"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// confirmChoice is the checkout form's "Send my confirmation by" part:
// e-mail, SMS or both, and the number for SMS.
type confirmChoice struct {
	Email, SMS bool
	// Phone is what the buyer typed, kept as typed to correct it, or
	// their profile's number before they type anything.
	Phone string
	// Errors are the messages of the last attempt for the fields shown
	// here ("phone", "confirm_by"), next to their inputs.
	Errors map[string]string
}

// newConfirmChoice is the form as it first shows: by e-mail, with the
// profile's phone ready for SMS.
func newConfirmChoice(u account.User) confirmChoice {
	return confirmChoice{Email: true, Phone: u.Phone, Errors: map[string]string{}}
}

// read takes the choice from a posted form.
func (c *confirmChoice) read(r *http.Request) {
	c.Phone = strings.TrimSpace(r.PostFormValue("phone")) // parses the form
	c.Email, c.SMS = false, false
	for _, v := range r.PostForm["confirm_by"] {
		switch v {
		case notify.ChannelEmail:
			c.Email = true
		case notify.ChannelSMS:
			c.SMS = true
		}
	}
}

// channels is the choice as booking.OrderRequest.ConfirmBy.
func (c confirmChoice) channels() []string {
	var chs []string
	if c.Email {
		chs = append(chs, notify.ChannelEmail)
	}
	if c.SMS {
		chs = append(chs, notify.ChannelSMS)
	}
	return chs
}

// number is the phone as booking.OrderRequest.Phone: tidied of the
// spaces and dashes people type; the rules check the rest.
func (c confirmChoice) number() string { return account.NormalizePhone(c.Phone) }

// check refuses a form with no channel ticked. The API takes that as
// "e-mail", its default; a buyer who unticked both meant something else,
// so they are asked.
func (c confirmChoice) check() error {
	if c.Email || c.SMS {
		return nil
	}
	var f apperr.Fields
	f.Add("confirm_by", "choose e-mail, SMS or both")
	return f.Err()
}

// showErrors keeps the messages of err's fields that this part of the
// form shows.
func (c *confirmChoice) showErrors(err error) {
	e, ok := apperr.As(err)
	if !ok {
		return
	}
	for _, f := range e.Fields {
		switch {
		case f.Field == "phone":
			c.Errors["phone"] = f.Message
		case strings.HasPrefix(f.Field, "confirm_by"):
			c.Errors["confirm_by"] = f.Message
		}
	}
}

// confirmText says on the order page how its messages come: "by e-mail
// and by SMS to +14155550100".
func confirmText(chs []string, phone string) string {
	var parts []string
	for _, ch := range chs {
		switch ch {
		case notify.ChannelEmail:
			parts = append(parts, "by e-mail")
		case notify.ChannelSMS:
			parts = append(parts, "by SMS to "+phone)
		}
	}
	return strings.Join(parts, " and ")
}
